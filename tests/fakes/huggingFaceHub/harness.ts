/**
 * What a test sees and controls: the faults it can inject, the request log it can query, the
 * seeds and options it starts a fake Hub with, and the FakeHub interface itself.
 */
import type {
  AccountPlan,
  BuildFailureStage,
  FakeAccessToken,
  FakeHubState,
  FakeOrg,
  FakeSpace,
  FakeUser,
  OrgRole,
  SpaceCommit,
  SpaceDomain,
  SpaceHardwareFlavor,
  SpaceSdk,
  SpaceStage,
  SpaceVisibility,
  TokenRole,
} from "./model";

// ---------------------------------------------------------------------------------------------
// Faults and the request log
// ---------------------------------------------------------------------------------------------

export type HubFault =
  /** 429 with `RateLimit: "api";r=0;t=<resetSeconds>` and, if given, `Retry-After`. */
  | { kind: "rateLimit"; resetSeconds?: number; retryAfterSeconds?: number }
  /** 500 with the Hub's JSON error, or 502/503 with the load balancer's HTML page. */
  | { kind: "serverError"; status?: 500 | 502 | 503 }
  /** Waits, then answers normally: the request still takes effect even if the client gave up. */
  | { kind: "slowResponse"; delayMs: number }
  /** Someone else committed first: HEAD moves to a foreign commit and the request gets 412. */
  | { kind: "headMoved" }
  /** 409 "Cannot create repo: another conflicting operation is in progress" (retryable). */
  | { kind: "conflictingOperation" }
  /** The socket is destroyed without an answer, as in a network failure. */
  | { kind: "dropConnection" }
  /**
   * NOT a Hub behaviour: an answer (default 400) whose error quotes the whole request, headers and
   * body, as a misbehaving proxy or mirror might. It proves that a client's errors never show
   * what it was given (the token, secret values), whatever the answer contains.
   */
  | { kind: "echoRequest"; status?: number };

export interface RequestMatcher {
  /** Upper-case HTTP method; any method when left out. */
  method?: string;
  /** Tested against the URL path (no query string); any path when left out. */
  pathPattern?: RegExp;
}

export interface RequestFilter extends RequestMatcher {
  status?: number | null;
  isWrite?: boolean;
  user?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The status the fake answered with; null while pending, or when the connection was dropped. */
  status: number | null;
  /** POST/PUT/PATCH/DELETE to anything but preupload and whoami-v2: the calls that change the Hub. */
  readonly isWrite: boolean;
  /** Name of the authenticated user, if any. */
  user?: string;
  fault?: HubFault["kind"];
}

export interface BuildFailure {
  stage: BuildFailureStage;
  errorMessage: string;
}

// ---------------------------------------------------------------------------------------------
// Options and seeding
// ---------------------------------------------------------------------------------------------

export interface FakeTokenSeed {
  token: string;
  role: TokenRole;
  /** Only for role "fineGrained": permissions per namespace, e.g. `{ alice: ["repo.write"] }`. */
  scoped?: Record<string, string[]>;
}

export interface FakeUserSeed {
  name: string;
  /** @default "free" */
  plan?: AccountPlan;
  tokens?: FakeTokenSeed[];
}

export interface FakeOrgSeed {
  name: string;
  /** @default "free" */
  plan?: AccountPlan;
  /** @default [] */
  members?: string[];
  /** Roles of some members; the others are "write". */
  roles?: Record<string, OrgRole>;
}

export interface SpaceSeed {
  /** `owner/name`; the owner need not be a seeded user. */
  id: string;
  /** @default "docker" */
  sdk?: SpaceSdk;
  /** @default "public" (the Hub's default) */
  visibility?: SpaceVisibility;
  /** @default {} */
  files?: Record<string, string | Buffer>;
  secrets?: Record<string, string | { value: string; description?: string }>;
  variables?: Record<string, string | { value: string; description?: string }>;
  /** @default "RUNNING" when the files hold a Dockerfile (or the sdk is not docker), else "NO_APP_FILE" */
  stage?: SpaceStage;
  /** @default "cpu-basic" */
  hardware?: SpaceHardwareFlavor;
  errorMessage?: string;
}

export interface FakeHubOptions {
  users?: FakeUserSeed[];
  orgs?: FakeOrgSeed[];
  spaces?: SpaceSeed[];
  /**
   * Entries per page of the tree listing; the real Hub uses 1000, tests want a few to see paging.
   * @default 1000
   */
  treePageSize?: number;
  /**
   * When set, a build advances one stage every this many ms of `clock` time. When left out, it
   * advances one stage per `GET .../runtime`, so a polling client sees every stage once.
   */
  buildStageMs?: number;
  /**
   * Milliseconds since the epoch; inject a controllable clock for deterministic timestamps and
   * timed builds.
   * @default Date.now
   */
  clock?: () => number;
  /**
   * When true, rebuilding a RUNNING Space goes RUNNING_BUILDING → RUNNING_APP_STARTING → RUNNING,
   * as the Hub does while the previous container keeps serving.
   * @default false (BUILDING → APP_STARTING → RUNNING, as the reference describes)
   */
  rebuildWhileRunning?: boolean;
  /**
   * How many `whoami-v2` calls are answered before 429: the real endpoint is strictly
   * rate-limited, so a program should call it once per run.
   * @default Infinity
   */
  whoAmIQuota?: number;
}

export interface FakeHub {
  /** Base URL to pass as `hubUrl`, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  readonly state: FakeHubState;
  readonly requests: readonly Readonly<RecordedRequest>[];
  close(): Promise<void>;

  addUser(seed: FakeUserSeed): FakeUser;
  addToken(token: string, user: string, role: TokenRole, scoped?: Record<string, string[]>): FakeAccessToken;
  addOrg(seed: FakeOrgSeed): FakeOrg;
  seedSpace(seed: SpaceSeed): FakeSpace;
  /** Throws when the Space does not exist, to keep test mistakes loud. */
  space(spaceId: string): FakeSpace;

  countRequests(filter?: RequestFilter): number;
  findRequests(filter?: RequestFilter): Readonly<RecordedRequest>[];
  clearRequests(): void;

  /** Queues a one-shot fault for the next matching request (queue order, first match wins). */
  injectFault(fault: HubFault, match?: RequestMatcher): void;
  /** Applies the fault to every `every`-th matching request, until `clearFaults()`. */
  injectRecurringFault(fault: HubFault, match: RequestMatcher & { every: number }): void;
  clearFaults(): void;

  /** Makes the next build (of that Space, or of any Space) end in the given failure. */
  failNextBuild(failure: BuildFailure, spaceId?: string): void;
  /** Moves a build or restart forward without polling; all the way by default. */
  advanceBuild(spaceId: string, steps?: number): SpaceStage;
  /** A commit by someone else on `main`, as if another client pushed meanwhile. */
  commitAsSomeoneElse(spaceId: string, files?: Record<string, string | Buffer>): SpaceCommit;
  /** A custom domain set up on the Space's settings page; listed before the Space's own domain. */
  addCustomDomain(spaceId: string, domain: string, stage?: SpaceDomain["stage"]): void;
}

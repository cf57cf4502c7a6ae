/**
 * A local stand-in for the Hugging Face Hub HTTP API, limited to what managing a Docker Space
 * needs: identity, repository create/delete/info, preupload + NDJSON commits, tree listing,
 * file download, Space secrets, variables, hardware, sleep time, restart, pause, runtime and logs.
 *
 * Upstream is the truth: every behaviour the stack relies on names, in a comment, where it comes
 * from. The sources, by short name:
 * - hf_api.py: huggingface_hub `src/huggingface_hub/hf_api.py` (create_repo, update_repo_settings,
 *   auth_check, restart_space, pause_space, wait_for_space, whoami)
 * - _space_api.py: huggingface_hub `src/huggingface_hub/_space_api.py` (SpaceStage,
 *   INTERMEDIATE_SPACE_STAGES, TERMINAL_SPACE_STAGES, SpaceRuntime)
 * - _http.py: huggingface_hub `src/huggingface_hub/utils/_http.py` (hf_raise_for_status)
 * - cassettes: huggingface_hub `tests/cassettes/TestSpaceAPIProduction.*.yaml`, answers recorded
 *   from the production Hub (create, 409, preupload, commit, secrets, variables, runtime, pause,
 *   restart, delete)
 * - hf.js: huggingface.js `packages/hub/src` (the client this stack uses, 2.17.5: the requests it
 *   sends, `types/api/*` for answer shapes, `error.ts` for how errors are read)
 * - hub#4535 / PR #4539: huggingface_hub issue and PR on 402 before 409 from create
 * - PR #2053 / #1364 / #2419: huggingface_hub threads quoting the Hub's 403 answers
 * - docs: https://huggingface.co/docs/hub/spaces-overview (plans, visibility)
 * What no upstream source pins down is marked UNVERIFIED where it is decided.
 *
 * Test-only: state lives in memory, and faults can be injected to exercise retries and timeouts.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { parse as parseYaml } from "yaml";

// ---------------------------------------------------------------------------------------------
// Domain types
// ---------------------------------------------------------------------------------------------

/** whoami-v2 `auth.accessToken.role` (hf_api.py before v1.0, get_token_permission: "read" | "write" | "fineGrained"). */
export type TokenRole = "read" | "write" | "fineGrained";

/**
 * A member's role in an organization (hf.js who-am-i.ts lists admin, write, contributor, read).
 * The fake lets write and admin write to the organization's Spaces; contributor is not modelled.
 */
export type OrgRole = "read" | "write" | "admin";

/** "pro" stands for any paid plan: PRO for a user, Team/Enterprise for an organization. */
export type AccountPlan = "free" | "pro";

export type SpaceSdk = "docker" | "gradio" | "streamlit" | "static";

export type SpaceVisibility = "public" | "private" | "protected";

export type SpaceStage =
  | "NO_APP_FILE"
  | "CONFIG_ERROR"
  | "BUILDING"
  | "BUILD_ERROR"
  | "APP_STARTING"
  | "RUNNING"
  | "RUNNING_BUILDING"
  | "RUNNING_APP_STARTING"
  | "RUNTIME_ERROR"
  | "STOPPED"
  | "PAUSED"
  | "SLEEPING"
  | "DELETING";

export type BuildFailureStage = "BUILD_ERROR" | "RUNTIME_ERROR" | "CONFIG_ERROR";

export const SPACE_HARDWARE_FLAVORS = [
  "cpu-basic",
  "cpu-upgrade",
  "cpu-performance",
  "cpu-xl",
  "sprx8",
  "zero-a10g",
  "inf2x6",
  "t4-small",
  "t4-medium",
  "l4x1",
  "l4x4",
  "l40sx1",
  "l40sx4",
  "l40sx8",
  "a10g-small",
  "a10g-large",
  "a10g-largex2",
  "a10g-largex4",
  "a100-large",
  "a100x4",
  "a100x8",
] as const;

export type SpaceHardwareFlavor = (typeof SPACE_HARDWARE_FLAVORS)[number];

export interface FakeUser {
  readonly id: string;
  readonly name: string;
  plan: AccountPlan;
}

export interface FakeOrg {
  readonly id: string;
  readonly name: string;
  plan: AccountPlan;
  /** Names of the users who belong to this organization. */
  members: Set<string>;
  /** Each member's role; "write" when not listed. */
  roles: Map<string, OrgRole>;
}

export interface FakeAccessToken {
  readonly token: string;
  /** Name of the user the token belongs to. */
  readonly user: string;
  role: TokenRole;
  /**
   * For a fine-grained token: permissions per user or organization name, as whoami-v2 lists them
   * under `auth.accessToken.fineGrained.scoped` (e.g. "repo.write"). Writing to a namespace's
   * repos needs "repo.write" there. The shape is from a recorded whoami-v2 answer (a public
   * transcript), not from Hub docs: UNVERIFIED beyond that.
   */
  scoped?: Record<string, string[]>;
  displayName: string;
  readonly createdAt: string;
}

export interface SpaceSecret {
  /** Kept for test inspection only: no endpoint ever returns it. */
  value: string;
  description?: string;
  updatedAt: string;
}

export interface SpaceVariable {
  value: string;
  description?: string;
  updatedAt: string;
}

export interface SpaceCommit {
  readonly oid: string;
  readonly parentOid: string | null;
  readonly title: string;
  readonly description: string;
  readonly author: string;
  readonly date: string;
  /** The whole file tree as of this commit, so older revisions stay downloadable. */
  readonly files: ReadonlyMap<string, Buffer>;
}

/** hf.js types/api/api-collection.ts: `domains?: {domain, isCustom?: boolean | null, stage: "READY" | "PENDING"}[]`. */
export interface SpaceDomain {
  domain: string;
  /** Set only on custom domains: the cassettes' own `*.hf.space` entry has no such field. */
  isCustom?: true;
  stage: "READY" | "PENDING";
}

export interface BuildStep {
  stage: SpaceStage;
  errorMessage?: string;
}

export interface SpaceRuntimeState {
  stage: SpaceStage;
  hardware: { current: SpaceHardwareFlavor | null; requested: SpaceHardwareFlavor };
  /** `gcTimeout`; null means the hardware's default (48 h for cpu-basic, never for paid hardware). */
  sleepTimeSeconds: number | null;
  /**
   * The Space's own `<subdomain>.hf.space`, from creation on: the cassettes (test_space_runtime)
   * show it READY while the first build is still BUILDING. Custom domains come first.
   */
  domains: SpaceDomain[];
  errorMessage?: string;
  /** Stages still ahead in the build or restart in progress, nearest first. */
  upcomingStages: BuildStep[];
  /** Clock time (ms) at which `stage` was entered; drives the timed build mode. */
  stageEnteredAtMs: number;
}

export interface FakeSpace {
  /** `owner/name` */
  readonly id: string;
  readonly owner: string;
  readonly name: string;
  /** The Hub's database id (`_id`). */
  readonly internalId: string;
  sdk: SpaceSdk;
  visibility: SpaceVisibility;
  /** Files at HEAD of `main`, path → content. */
  files: Map<string, Buffer>;
  headSha: string;
  /** Oldest first; the last one is HEAD unless a test rewrote `headSha` by hand. */
  commits: SpaceCommit[];
  secrets: Map<string, SpaceSecret>;
  variables: Map<string, SpaceVariable>;
  runtime: SpaceRuntimeState;
  logs: { build: string[]; run: string[] };
  readonly createdAt: string;
  lastModified: string;
}

export interface FakeHubState {
  users: Map<string, FakeUser>;
  orgs: Map<string, FakeOrg>;
  tokens: Map<string, FakeAccessToken>;
  /** Keyed by `owner/name`. */
  spaces: Map<string, FakeSpace>;
}

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
  /** POST/PUT/PATCH/DELETE to anything but preupload: the calls that change the Hub. */
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

// ---------------------------------------------------------------------------------------------
// Git hashing and naming helpers
// ---------------------------------------------------------------------------------------------

function sha1Hex(data: Buffer | string): string {
  return createHash("sha1").update(data).digest("hex");
}

function gitObjectSha1(type: "blob" | "tree" | "commit", content: Buffer): string {
  return sha1Hex(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]));
}

/** The git blob SHA-1 the Hub reports as a regular file's `oid` and ETag. */
export function gitBlobSha1(content: Buffer | string): string {
  return gitObjectSha1("blob", typeof content === "string" ? Buffer.from(content, "utf8") : content);
}

interface GitTreeItem {
  name: string;
  isDirectory: boolean;
  oid: string;
}

function gitTreeSha1(items: GitTreeItem[]): string {
  // Git orders tree entries bytewise, comparing a directory as if its name ended with "/".
  const sortKey = (item: GitTreeItem): Buffer => Buffer.from(item.isDirectory ? `${item.name}/` : item.name);
  const sorted = [...items].sort((a, b) => Buffer.compare(sortKey(a), sortKey(b)));
  const content = Buffer.concat(
    sorted.map((item) =>
      Buffer.concat([Buffer.from(`${item.isDirectory ? "40000" : "100644"} ${item.name}\0`), Buffer.from(item.oid, "hex")]),
    ),
  );
  return gitObjectSha1("tree", content);
}

interface TreeEntry {
  type: "file" | "directory";
  path: string;
  oid: string;
  size: number;
}

/** Every file and directory of a tree, by path; the root directory is under "". */
function indexTree(files: ReadonlyMap<string, Buffer>): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  const childrenByDirectory = new Map<string, Set<string>>([["", new Set()]]);
  for (const [path, content] of files) {
    entries.set(path, { type: "file", path, oid: gitBlobSha1(content), size: content.length });
    let child = path;
    for (;;) {
      const slash = child.lastIndexOf("/");
      const parent = slash === -1 ? "" : child.slice(0, slash);
      const siblings = childrenByDirectory.get(parent) ?? new Set<string>();
      siblings.add(child);
      childrenByDirectory.set(parent, siblings);
      if (parent === "") break;
      child = parent;
    }
  }
  const hashDirectory = (directory: string): string => {
    const items = [...(childrenByDirectory.get(directory) ?? [])].map((childPath): GitTreeItem => {
      const name = directory === "" ? childPath : childPath.slice(directory.length + 1);
      const file = files.has(childPath) ? entries.get(childPath) : undefined;
      if (file) return { name, isDirectory: false, oid: file.oid };
      const oid = hashDirectory(childPath);
      entries.set(childPath, { type: "directory", path: childPath, oid, size: 0 });
      return { name, isDirectory: true, oid };
    });
    return gitTreeSha1(items);
  };
  entries.set("", { type: "directory", path: "", oid: hashDirectory(""), size: 0 });
  return entries;
}

/** `<owner>-<name>` lower-cased, anything but letters and digits turned into "-". */
export function spaceSubdomain(spaceId: string): string {
  return spaceId.replace("/", "-").toLowerCase().replace(/[^a-z0-9]/g, "-");
}

function databaseId(seed: string): string {
  return sha1Hex(seed).slice(0, 24);
}

// Same rule as the Hub's repo names: no leading/trailing "-" or ".", no "--" or "..", 96 chars max.
const REPO_NAME = /^(?![-.])(?!.*(?:--|\.\.))[A-Za-z0-9._-]{1,96}(?<![-.])$/;
const ENVIRONMENT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPACE_SDKS: readonly SpaceSdk[] = ["docker", "gradio", "streamlit", "static"];
const PAID_PLAN_SDKS: readonly SpaceSdk[] = ["docker", "gradio"];
const FREE_HARDWARE_SLEEP_SECONDS = 48 * 3600;

const DEFAULT_GITATTRIBUTES = [
  "*.7z filter=lfs diff=lfs merge=lfs -text",
  "*.bin filter=lfs diff=lfs merge=lfs -text",
  "*.gz filter=lfs diff=lfs merge=lfs -text",
  "*.safetensors filter=lfs diff=lfs merge=lfs -text",
  "*.zip filter=lfs diff=lfs merge=lfs -text",
  "",
].join("\n");

function defaultReadme(name: string, sdk: SpaceSdk): string {
  return [
    "---",
    `title: ${name}`,
    "emoji: 🐳",
    "colorFrom: blue",
    "colorTo: green",
    `sdk: ${sdk}`,
    "pinned: false",
    "---",
    "",
    "Check out the configuration reference at https://huggingface.co/docs/hub/spaces-config-reference",
    "",
  ].join("\n");
}

type FrontMatter = { kind: "missing" } | { kind: "invalid"; reason: string } | { kind: "valid"; data: Record<string, unknown> };

function readFrontMatter(readme: Buffer | undefined): FrontMatter {
  if (!readme) return { kind: "missing" };
  const match = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(readme.toString("utf8"));
  if (!match) return { kind: "missing" };
  try {
    const data: unknown = parseYaml(match[1] ?? "");
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      return { kind: "invalid", reason: "the front matter is not a YAML mapping" };
    }
    return { kind: "valid", data: data as Record<string, unknown> };
  } catch (error) {
    return { kind: "invalid", reason: error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error) };
  }
}

function isSpaceSdk(value: unknown): value is SpaceSdk {
  return typeof value === "string" && (SPACE_SDKS as readonly string[]).includes(value);
}

function isHardwareFlavor(value: unknown): value is SpaceHardwareFlavor {
  return typeof value === "string" && (SPACE_HARDWARE_FLAVORS as readonly string[]).includes(value);
}

function toBuffer(content: string | Buffer): Buffer {
  return typeof content === "string" ? Buffer.from(content, "utf8") : content;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing
// ---------------------------------------------------------------------------------------------

/**
 * An error the Hub answers with: JSON `{"error": message}` (hf.js error.ts reads `error`), plus
 * `X-Error-Code` where the Hub sets one (RepoNotFound, RevisionNotFound, EntryNotFound: _http.py)
 * and `X-Error-Message` (_http.py compares it with "Invalid credentials in Authorization header").
 * The recorded 409 from create carries no X-Error-Message (cassette test_manage_secrets), hence
 * `withoutMessageHeader`.
 */
class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { errorCode?: string; extraBody?: Record<string, unknown>; headers?: Record<string, string>; withoutMessageHeader?: true } = {},
  ) {
    super(message);
  }
}

interface HubResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  raw?: Buffer | string;
}

type AuthenticatedCaller = { kind: "user"; user: FakeUser; token: FakeAccessToken };
type Caller = { kind: "anonymous" } | AuthenticatedCaller;

interface RequestContext {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly caller: Caller;
}

interface FaultRule extends RequestMatcher {
  fault: HubFault;
  every?: number;
  matchedSoFar: number;
}

// _http.py tells an invalid token apart from a hidden repo by this exact X-Error-Message.
const INVALID_TOKEN_MESSAGE = "Invalid credentials in Authorization header";
// UNVERIFIED: the text of a 401 to an anonymous request.
const ANONYMOUS_MESSAGE = "Invalid username or password.";

function matches(matcher: RequestMatcher, method: string, path: string): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== method) return false;
  if (matcher.pathPattern) {
    matcher.pathPattern.lastIndex = 0; // a /g pattern would otherwise alternate between hits and misses
    if (!matcher.pathPattern.test(path)) return false;
  }
  return true;
}

function isWriteRequest(method: string, path: string): boolean {
  return ["POST", "PUT", "PATCH", "DELETE"].includes(method) && !/\/preupload\//.test(path) && !path.endsWith("/whoami-v2");
}

function headerSafe(message: string): string {
  return message.replace(/[^\x20-\x7e]/g, " ").slice(0, 500);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8") || "null");
  } catch {
    throw new HubError(400, "Invalid JSON in request body");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new HubError(400, "Expected a JSON object in the request body");
  }
  return parsed as Record<string, unknown>;
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") {
    throw new HubError(400, `"${field}" is required and must be a non-empty string`);
  }
  return value;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HubError(400, `"${field}" must be a string`);
  return value;
}

function validateRepoFilePath(path: unknown): string {
  if (typeof path !== "string" || path === "" || path.startsWith("/") || path.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new HubError(400, `Invalid file path: ${JSON.stringify(path)}`);
  }
  return path;
}

// ---------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------

class FakeHuggingFaceHub implements FakeHub {
  readonly state: FakeHubState = { users: new Map(), orgs: new Map(), tokens: new Map(), spaces: new Map() };
  readonly requests: RecordedRequest[] = [];
  url = "";

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly oneShotFaults: FaultRule[] = [];
  private readonly recurringFaults: FaultRule[] = [];
  private readonly buildFailures: Array<{ spaceId?: string; failure: BuildFailure }> = [];
  private readonly whoAmICalls = new Map<string, number>();
  private requestCounter = 0;
  private closed = false;

  constructor(private readonly options: FakeHubOptions) {
    this.server = createServer((request, response) => {
      // A failure while answering must not become an unhandled rejection in the test run.
      this.handle(request, response).catch(() => response.destroy());
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closing;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }

  // -- seeding ---------------------------------------------------------------------------------

  addUser(seed: FakeUserSeed): FakeUser {
    const user: FakeUser = { id: databaseId(`user:${seed.name}`), name: seed.name, plan: seed.plan ?? "free" };
    this.state.users.set(user.name, user);
    for (const { token, role, scoped } of seed.tokens ?? []) this.addToken(token, user.name, role, scoped);
    return user;
  }

  addToken(token: string, user: string, role: TokenRole, scoped?: Record<string, string[]>): FakeAccessToken {
    const accessToken: FakeAccessToken = { token, user, role, displayName: `${user}-${role}`, createdAt: this.isoNow(), ...(scoped && { scoped }) };
    this.state.tokens.set(token, accessToken);
    return accessToken;
  }

  addOrg(seed: FakeOrgSeed): FakeOrg {
    const org: FakeOrg = {
      id: databaseId(`org:${seed.name}`),
      name: seed.name,
      plan: seed.plan ?? "free",
      members: new Set([...(seed.members ?? []), ...Object.keys(seed.roles ?? {})]),
      roles: new Map(Object.entries(seed.roles ?? {})),
    };
    this.state.orgs.set(org.name, org);
    return org;
  }

  seedSpace(seed: SpaceSeed): FakeSpace {
    const [owner, name] = seed.id.split("/");
    if (!owner || !name) throw new Error(`seedSpace: "${seed.id}" is not of the form owner/name`);
    const sdk = seed.sdk ?? "docker";
    const files = new Map(Object.entries(seed.files ?? {}).map(([path, content]) => [path, toBuffer(content)] as const));
    const space = this.newSpace(owner, name, sdk, seed.visibility ?? "public", files, "initial commit", owner);
    const updatedAt = this.isoNow();
    for (const [key, secret] of Object.entries(seed.secrets ?? {})) {
      const { value, description } = typeof secret === "string" ? { value: secret, description: undefined } : secret;
      space.secrets.set(key, { value, updatedAt, ...(description !== undefined && { description }) });
    }
    for (const [key, variable] of Object.entries(seed.variables ?? {})) {
      const { value, description } = typeof variable === "string" ? { value: variable, description: undefined } : variable;
      space.variables.set(key, { value, updatedAt, ...(description !== undefined && { description }) });
    }
    space.runtime.hardware.requested = seed.hardware ?? "cpu-basic";
    const hasApp = sdk !== "docker" || files.has("Dockerfile");
    this.enterStage(space, { stage: seed.stage ?? (hasApp ? "RUNNING" : "NO_APP_FILE"), ...(seed.errorMessage !== undefined && { errorMessage: seed.errorMessage }) });
    return space;
  }

  space(spaceId: string): FakeSpace {
    const space = this.state.spaces.get(spaceId);
    if (!space) throw new Error(`The fake Hub has no Space "${spaceId}"`);
    return space;
  }

  private newSpace(owner: string, name: string, sdk: SpaceSdk, visibility: SpaceVisibility, files: Map<string, Buffer>, title: string, author: string): FakeSpace {
    const id = `${owner}/${name}`;
    const createdAt = this.isoNow();
    const space: FakeSpace = {
      id,
      owner,
      name,
      internalId: databaseId(`space:${id}:${createdAt}:${this.requestCounter}`),
      sdk,
      visibility,
      files,
      headSha: "",
      commits: [],
      secrets: new Map(),
      variables: new Map(),
      runtime: {
        stage: "NO_APP_FILE",
        hardware: { current: null, requested: "cpu-basic" },
        sleepTimeSeconds: null,
        // Static Spaces have no runtime domain (cassette test_static_space_runtime).
        domains: sdk === "static" ? [] : [{ domain: `${spaceSubdomain(id)}.hf.space`, stage: "READY" }],
        upcomingStages: [],
        stageEnteredAtMs: this.now(),
      },
      logs: { build: [], run: [] },
      createdAt,
      lastModified: createdAt,
    };
    this.recordCommit(space, files, title, "", author);
    this.state.spaces.set(id, space);
    return space;
  }

  private recordCommit(space: FakeSpace, files: Map<string, Buffer>, title: string, description: string, author: string): SpaceCommit {
    const date = this.isoNow();
    const parentOid = space.headSha === "" ? null : space.headSha;
    const rootTree = indexTree(files).get("")?.oid ?? "";
    const seconds = Math.floor(this.now() / 1000);
    const commitObject = [
      `tree ${rootTree}`,
      ...(parentOid ? [`parent ${parentOid}`] : []),
      `author ${author} <${author}@users.noreply.huggingface.co> ${seconds} +0000`,
      `committer system <no-reply@huggingface.co> ${seconds} +0000`,
      "",
      description ? `${title}\n\n${description}` : title,
      "",
    ].join("\n");
    const commit: SpaceCommit = { oid: gitObjectSha1("commit", Buffer.from(commitObject)), parentOid, title, description, author, date, files: new Map(files) };
    space.commits.push(commit);
    space.headSha = commit.oid;
    space.files = files;
    space.lastModified = date;
    return commit;
  }

  commitAsSomeoneElse(spaceId: string, files: Record<string, string | Buffer> = {}): SpaceCommit {
    const space = this.space(spaceId);
    const next = new Map(space.files);
    for (const [path, content] of Object.entries(files)) next.set(path, toBuffer(content));
    // Only HEAD moves: the rebuild such a push would cause is left out so that build outcomes
    // injected with failNextBuild stay aimed at the commit of the code under test.
    return this.recordCommit(space, next, "Concurrent commit by another client", "", "someone-else");
  }

  addCustomDomain(spaceId: string, domain: string, stage: SpaceDomain["stage"] = "READY"): void {
    // Whether the Hub lists a custom domain first is not documented: first is the harder case for
    // a client that would take `domains[0]`.
    this.space(spaceId).runtime.domains.unshift({ domain, isCustom: true, stage });
  }

  // -- request log -----------------------------------------------------------------------------

  findRequests(filter: RequestFilter = {}): Readonly<RecordedRequest>[] {
    return this.requests.filter(
      (request) =>
        matches(filter, request.method, request.path) &&
        (filter.status === undefined || request.status === filter.status) &&
        (filter.isWrite === undefined || request.isWrite === filter.isWrite) &&
        (filter.user === undefined || request.user === filter.user),
    );
  }

  countRequests(filter: RequestFilter = {}): number {
    return this.findRequests(filter).length;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // -- faults ----------------------------------------------------------------------------------

  injectFault(fault: HubFault, match: RequestMatcher = {}): void {
    this.oneShotFaults.push({ ...match, fault, matchedSoFar: 0 });
  }

  injectRecurringFault(fault: HubFault, match: RequestMatcher & { every: number }): void {
    if (!Number.isInteger(match.every) || match.every < 1) throw new Error("injectRecurringFault: every must be a positive integer");
    this.recurringFaults.push({ ...match, fault, matchedSoFar: 0 });
  }

  clearFaults(): void {
    this.oneShotFaults.length = 0;
    this.recurringFaults.length = 0;
  }

  private takeFault(method: string, path: string): HubFault | undefined {
    const index = this.oneShotFaults.findIndex((rule) => matches(rule, method, path));
    if (index !== -1) return this.oneShotFaults.splice(index, 1)[0]?.fault;
    for (const rule of this.recurringFaults) {
      if (!matches(rule, method, path)) continue;
      rule.matchedSoFar += 1;
      if (rule.every !== undefined && rule.matchedSoFar % rule.every === 0) return rule.fault;
    }
    return undefined;
  }

  // -- build simulation ------------------------------------------------------------------------

  failNextBuild(failure: BuildFailure, spaceId?: string): void {
    this.buildFailures.push({ failure, ...(spaceId !== undefined && { spaceId }) });
  }

  advanceBuild(spaceId: string, steps = Number.POSITIVE_INFINITY): SpaceStage {
    const space = this.space(spaceId);
    for (let step = 0; step < steps; step++) {
      const next = space.runtime.upcomingStages.shift();
      if (!next) break;
      this.enterStage(space, next);
    }
    return space.runtime.stage;
  }

  /** In timed mode, catches the build up with the clock; a no-op in per-poll mode. */
  private settleTimedBuild(space: FakeSpace): void {
    const stageMs = this.options.buildStageMs;
    if (stageMs === undefined) return;
    const runtime = space.runtime;
    while (runtime.upcomingStages.length > 0 && this.now() - runtime.stageEnteredAtMs >= stageMs) {
      const enteredAt = runtime.stageEnteredAtMs + stageMs;
      const next = runtime.upcomingStages.shift();
      if (next) this.enterStage(space, next, enteredAt);
    }
  }

  private enterStage(space: FakeSpace, step: BuildStep, enteredAtMs = this.now()): void {
    const runtime = space.runtime;
    runtime.stage = step.stage;
    runtime.stageEnteredAtMs = enteredAtMs;
    const timestamp = new Date(enteredAtMs).toISOString();
    if (step.errorMessage !== undefined) runtime.errorMessage = step.errorMessage;
    else delete runtime.errorMessage;
    switch (step.stage) {
      case "RUNNING":
        runtime.hardware.current = runtime.hardware.requested;
        space.logs.run.push(`===== Application Startup at ${timestamp} =====`, "Application is running");
        break;
      case "APP_STARTING":
      case "RUNNING_APP_STARTING":
        space.logs.build.push("Successfully built image", "Pushing image");
        break;
      case "BUILD_ERROR":
        space.logs.build.push(`ERROR: ${step.errorMessage ?? "build failed"}`);
        break;
      case "RUNTIME_ERROR":
        space.logs.run.push(`===== Application Startup at ${timestamp} =====`, step.errorMessage ?? "Application exited");
        runtime.hardware.current = null;
        break;
      case "PAUSED":
      case "STOPPED":
      case "SLEEPING":
        runtime.hardware.current = null;
        break;
      default:
        break;
    }
  }

  /** A commit, restart or hardware change: rebuild, unless the configuration rules it out. */
  private startBuild(space: FakeSpace): void {
    const runtime = space.runtime;
    runtime.upcomingStages = [];
    const frontMatter = readFrontMatter(space.files.get("README.md"));
    if (frontMatter.kind === "missing") {
      this.enterStage(space, { stage: "CONFIG_ERROR", errorMessage: "Missing configuration in README" });
      return;
    }
    if (frontMatter.kind === "invalid") {
      this.enterStage(space, { stage: "CONFIG_ERROR", errorMessage: `Invalid YAML in README.md front matter: ${frontMatter.reason}` });
      return;
    }
    if (space.sdk === "docker" && !space.files.has("Dockerfile")) {
      this.enterStage(space, { stage: "NO_APP_FILE" });
      return;
    }
    const failureIndex = this.buildFailures.findIndex((entry) => entry.spaceId === undefined || entry.spaceId === space.id);
    const failure = failureIndex === -1 ? undefined : this.buildFailures.splice(failureIndex, 1)[0]?.failure;
    if (failure?.stage === "CONFIG_ERROR") {
      this.enterStage(space, { stage: "CONFIG_ERROR", errorMessage: failure.errorMessage });
      return;
    }
    const keepsServing = this.options.rebuildWhileRunning === true && runtime.stage === "RUNNING";
    space.logs.build = [`===== Build Queued at ${this.isoNow()} / Commit SHA: ${space.headSha.slice(0, 7)} =====`, "--> Building Docker image"];
    this.enterStage(space, { stage: keepsServing ? "RUNNING_BUILDING" : "BUILDING" });
    const appStarting: SpaceStage = keepsServing ? "RUNNING_APP_STARTING" : "APP_STARTING";
    if (failure?.stage === "BUILD_ERROR") runtime.upcomingStages = [{ stage: "BUILD_ERROR", errorMessage: failure.errorMessage }];
    else if (failure?.stage === "RUNTIME_ERROR") runtime.upcomingStages = [{ stage: appStarting }, { stage: "RUNTIME_ERROR", errorMessage: failure.errorMessage }];
    else runtime.upcomingStages = [{ stage: appStarting }, { stage: "RUNNING" }];
  }

  // -- request handling ------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const url = new URL(request.url ?? "/", this.url);
    const record: RecordedRequest = { method, path: url.pathname, query: url.searchParams, status: null, isWrite: isWriteRequest(method, url.pathname) };
    this.requests.push(record);
    this.requestCounter += 1;
    const requestId = `Root=1-fake-${this.requestCounter}`;

    const send = (reply: HubResponse): void => {
      // Logged even when the client gave up meanwhile: the server did act on the request.
      record.status = reply.status;
      if (response.destroyed || response.writableEnded) return;
      const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.raw ?? "");
      const headers: Record<string, string> = {
        "X-Request-Id": requestId,
        ...(reply.json !== undefined && { "Content-Type": "application/json; charset=utf-8" }),
        ...reply.headers,
      };
      if (headers["Content-Length"] === undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
      response.writeHead(reply.status, headers);
      response.end(method === "HEAD" ? undefined : payload);
    };

    try {
      const fault = this.takeFault(method, url.pathname);
      if (fault) record.fault = fault.kind;
      if (fault?.kind === "dropConnection") {
        request.socket.destroy();
        return;
      }
      const body = await readBody(request);
      if (fault?.kind === "slowResponse" && !(await this.sleep(fault.delayMs))) return;
      if (fault?.kind === "echoRequest") {
        const echoed = { method, path: url.pathname + url.search, headers: request.headers, body: body.toString("utf8") };
        send({ status: fault.status ?? 400, json: { error: `Bad request: ${JSON.stringify(echoed)}` } });
        return;
      }
      if (fault && fault.kind !== "slowResponse") {
        send(this.faultResponse(fault, url.pathname));
        return;
      }
      const caller = this.authenticate(request.headers.authorization);
      if (caller.kind === "user") record.user = caller.user.name;
      send(this.route({ method, url, headers: request.headers, body, caller }));
    } catch (error) {
      send(this.errorResponse(error));
    }
  }

  /** Resolves after `ms`, or to false at once if the hub closes first. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) {
        resolve(false);
        return;
      }
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        resolve(!this.closed);
      }, ms);
      this.pendingTimers.add(timer);
    });
  }

  private errorResponse(error: unknown): HubResponse {
    if (error instanceof HubError) {
      return {
        status: error.status,
        headers: {
          ...(error.details.withoutMessageHeader === undefined && { "X-Error-Message": headerSafe(error.message) }),
          ...(error.details.errorCode !== undefined && { "X-Error-Code": error.details.errorCode }),
          ...error.details.headers,
        },
        json: { error: error.message, ...error.details.extraBody },
      };
    }
    const message = "Internal Error - We're working hard to fix this as soon as possible!";
    return { status: 500, headers: { "X-Error-Message": message }, json: { error: message, fakeHubBug: String(error) } };
  }

  private faultResponse(fault: Exclude<HubFault, { kind: "dropConnection" | "slowResponse" | "echoRequest" }>, path: string): HubResponse {
    switch (fault.kind) {
      case "rateLimit": {
        // Header formats as _http.py parse_ratelimit_headers documents them ("api";r=0;t=55 and
        // "fixed window";"api";q=500;w=300); the quota is the reference's free-user figure.
        const resetSeconds = fault.resetSeconds ?? 55;
        return this.errorResponse(
          new HubError(429, `You have exceeded our API rate limit. Retry after ${resetSeconds} seconds.`, {
            headers: {
              RateLimit: `"api";r=0;t=${resetSeconds}`,
              "RateLimit-Policy": '"fixed window";"api";q=1000;w=300',
              ...(fault.retryAfterSeconds !== undefined && { "Retry-After": String(fault.retryAfterSeconds) }),
            },
          }),
        );
      }
      case "serverError": {
        const status = fault.status ?? 500;
        if (status === 500) return this.errorResponse(new Error("injected fault"));
        // 502 and 503 come from the load balancer in front of the Hub: HTML, not JSON.
        const reason = status === 502 ? "Bad Gateway" : "Service Temporarily Unavailable";
        return { status, headers: { "Content-Type": "text/html" }, raw: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>\n` };
      }
      case "headMoved": {
        // hf_api.py create_commit: the commit "will fail if `revision` does not point to
        // `parent_commit`". UNVERIFIED: the status (412) and the text.
        const commitPath = /^\/api\/spaces\/([^/]+)\/([^/]+)\/commit\//.exec(path);
        const spaceId = commitPath ? `${decodeURIComponent(commitPath[1] ?? "")}/${decodeURIComponent(commitPath[2] ?? "")}` : undefined;
        if (spaceId !== undefined && this.state.spaces.has(spaceId)) this.commitAsSomeoneElse(spaceId);
        return this.errorResponse(new HubError(412, "A commit has happened since. Please refresh and try again."));
      }
      case "conflictingOperation":
        // The text create_repo retries on (hf_api.py); upstream documents this 409 for create only.
        return this.errorResponse(new HubError(409, "Cannot create repo: another conflicting operation is in progress"));
    }
  }

  private authenticate(authorization: string | undefined): Caller {
    if (authorization === undefined) return { kind: "anonymous" };
    const bearer = /^Bearer (.+)$/i.exec(authorization.trim());
    const token = bearer?.[1] ? this.state.tokens.get(bearer[1]) : undefined;
    const user = token ? this.state.users.get(token.user) : undefined;
    if (!token || !user) throw new HubError(401, INVALID_TOKEN_MESSAGE);
    return { kind: "user", user, token };
  }

  private route(context: RequestContext): HubResponse {
    const { method } = context;
    const path = context.url.pathname;
    if (path === "/api/whoami-v2" && method === "GET") return this.whoAmI(context);
    if (path === "/api/repos/create" && method === "POST") return this.createSpace(context);
    if (path === "/api/repos/delete" && method === "DELETE") return this.deleteSpace(context);

    const fileRoute = /^\/spaces\/([^/]+)\/([^/]+)\/(resolve|raw)\/([^/]+)\/(.+)$/.exec(path);
    if (fileRoute && (method === "GET" || method === "HEAD")) {
      const [, owner = "", name = "", , revision = "", filePath = ""] = fileRoute;
      return this.downloadFile(context, this.spaceId(owner, name), decodeURIComponent(revision), decodeURIComponent(filePath));
    }

    const spaceRoute = /^\/api\/spaces\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (spaceRoute) {
      const [, owner = "", name = "", rest = ""] = spaceRoute;
      const spaceId = this.spaceId(owner, name);
      const [action = "", ...tail] = rest.split("/");
      const revision = decodeURIComponent(tail[0] ?? "");
      const key = `${method} ${action}`;
      if (rest === "" && method === "GET") return this.spaceInfo(context, spaceId, "main");
      if (key === "PUT settings" && tail.length === 0) return this.updateSettings(context, spaceId);
      if (key === "GET auth-check" && (tail.length === 0 || (tail.length === 1 && tail[0] === "write"))) return this.authCheck(context, spaceId, tail.length === 1);
      if (key === "GET revision" && tail.length === 1) return this.spaceInfo(context, spaceId, revision);
      if (key === "POST preupload" && tail.length === 1) return this.preupload(context, spaceId, revision);
      if (key === "POST commit" && tail.length === 1) return this.commit(context, spaceId, revision);
      if (key === "GET tree" && tail.length >= 1) return this.listTree(context, spaceId, revision, tail.slice(1).map(decodeURIComponent).join("/"));
      if (action === "secrets" && tail.length === 0) return this.secrets(context, spaceId);
      if (action === "variables" && tail.length === 0) return this.variables(context, spaceId);
      if (key === "GET runtime" && tail.length === 0) return this.runtime(context, spaceId);
      if (key === "POST hardware" && tail.length === 0) return this.requestHardware(context, spaceId);
      if (key === "POST sleeptime" && tail.length === 0) return this.setSleepTime(context, spaceId);
      if (key === "POST restart" && tail.length === 0) return this.restart(context, spaceId);
      if (key === "POST pause" && tail.length === 0) return this.pause(context, spaceId);
      if (key === "GET logs" && (revision === "build" || revision === "run") && tail.length === 1) return this.logs(context, spaceId, revision);
    }
    throw new HubError(404, "Sorry, we can't find the page you are looking for.");
  }

  private spaceId(owner: string, name: string): string {
    return `${decodeURIComponent(owner)}/${decodeURIComponent(name)}`;
  }

  // -- access control --------------------------------------------------------------------------

  private requireUser(context: RequestContext): AuthenticatedCaller {
    if (context.caller.kind === "anonymous") throw new HubError(401, ANONYMOUS_MESSAGE);
    return context.caller;
  }

  /**
   * Whether this token may write to repos of `namespace`: the user's own namespace or an
   * organization where the user's role is write or admin, with a token that has the "write" role,
   * or a fine-grained token with "repo.write" on that namespace. The Hub answers a refused write
   * with 403 (PR #2053, #1364: "You don't have the rights to create a model under this namespace",
   * also for a read token; hf_api.py accept_access_request documents 403 for "a `read` token" or no
   * write/admin role in the organization).
   */
  private canWrite(caller: AuthenticatedCaller, namespace: string): boolean {
    const org = this.state.orgs.get(namespace);
    const memberCanWrite = namespace === caller.user.name || (org !== undefined && org.members.has(caller.user.name) && (org.roles.get(caller.user.name) ?? "write") !== "read");
    if (!memberCanWrite) return false;
    if (caller.token.role === "write") return true;
    if (caller.token.role === "fineGrained") return caller.token.scoped?.[namespace]?.includes("repo.write") ?? false;
    return false;
  }

  private requireWriteAccess(caller: AuthenticatedCaller, space: FakeSpace): void {
    if (!this.canWrite(caller, space.owner)) {
      // UNVERIFIED wording: upstream quotes the Hub's 403 text for creating repos only.
      throw new HubError(403, `You don't have the rights to write to this space: "${space.id}"`);
    }
  }

  private isMember(user: FakeUser, namespace: string): boolean {
    return namespace === user.name || (this.state.orgs.get(namespace)?.members.has(user.name) ?? false);
  }

  private planOf(namespace: string): AccountPlan {
    return this.state.orgs.get(namespace)?.plan ?? this.state.users.get(namespace)?.plan ?? "free";
  }

  /** Repo reads: anyone for public Spaces; a private or protected Space hides its existence. */
  private readableSpace(context: RequestContext, spaceId: string): FakeSpace {
    const space = this.state.spaces.get(spaceId);
    const caller = context.caller;
    const visible = space !== undefined && (space.visibility === "public" || (caller.kind === "user" && this.isMember(caller.user, space.owner)));
    if (space && visible) {
      this.settleTimedBuild(space);
      return space;
    }
    // Anonymous callers get 401 for missing and private repos alike (_http.py: "401 is misleading
    // as it is returned for private and gated repos if user is not authenticated, missing repos"),
    // which is why clients treat 401 as "does not exist" (hf.js repo-exists.ts does).
    if (caller.kind === "anonymous") throw new HubError(401, ANONYMOUS_MESSAGE, { errorCode: "RepoNotFound" });
    throw new HubError(404, "Repository not found", { errorCode: "RepoNotFound" });
  }

  /**
   * Settings reads (secrets, variables, logs): members of the owning namespace, any role.
   * hf_api.py restart_space / pause_space: "403 Forbidden: only the owner of a Space can" act on it.
   */
  private ownedSpace(context: RequestContext, spaceId: string): FakeSpace {
    const caller = this.requireUser(context);
    const space = this.state.spaces.get(spaceId);
    if (!space) throw new HubError(404, "Repository not found", { errorCode: "RepoNotFound" });
    if (!this.isMember(caller.user, space.owner)) {
      throw new HubError(403, `You don't have the rights to manage the space "${space.id}": it belongs to "${space.owner}"`);
    }
    this.settleTimedBuild(space);
    return space;
  }

  /** Writes: members of the owning namespace who may write there, with a token that may too. */
  private writableSpace(context: RequestContext, spaceId: string): FakeSpace {
    const space = this.ownedSpace(context, spaceId);
    this.requireWriteAccess(this.requireUser(context), space);
    return space;
  }

  // -- endpoints -------------------------------------------------------------------------------

  /** whoami-v2 is "heavily rate-limited for security reasons" (hf_api.py whoami): see whoAmIQuota. */
  private whoAmI(context: RequestContext): HubResponse {
    const { user, token } = this.requireUser(context);
    const calls = (this.whoAmICalls.get(token.token) ?? 0) + 1;
    this.whoAmICalls.set(token.token, calls);
    if (calls > (this.options.whoAmIQuota ?? Number.POSITIVE_INFINITY)) {
      return this.faultResponse({ kind: "rateLimit", resetSeconds: 300 }, context.url.pathname);
    }
    const orgs = [...this.state.orgs.values()]
      .filter((org) => org.members.has(user.name))
      .map((org) => ({ type: "org", id: org.id, name: org.name, fullname: org.name, email: null, canPay: org.plan === "pro", avatarUrl: `/avatars/${org.id}.svg`, periodEnd: null, roleInOrg: org.roles.get(user.name) ?? "write" }));
    // `roleInOrg` as OAuth userinfo carries it (_oauth.py); UNVERIFIED that whoami-v2 lists it
    // (hf.js WhoAmIOrg does not). The stack does not read it.
    // A fine-grained token lists its permissions per entity (shape of a recorded whoami-v2 answer).
    const fineGrained =
      token.role === "fineGrained"
        ? {
            canReadGatedRepos: false,
            global: [],
            scoped: Object.entries(token.scoped ?? {}).map(([name, permissions]) => {
              const org = this.state.orgs.get(name);
              return { entity: { _id: org?.id ?? databaseId(`user:${name}`), type: org ? "org" : "user", name }, permissions };
            }),
          }
        : undefined;
    // Shape: hf.js lib/who-am-i.ts (WhoAmIUser, AuthInfo).
    return {
      status: 200,
      json: {
        type: "user",
        id: user.id,
        name: user.name,
        fullname: user.name,
        email: `${user.name}@example.com`,
        emailVerified: true,
        isPro: user.plan === "pro",
        canPay: user.plan === "pro",
        avatarUrl: `/avatars/${user.id}.svg`,
        periodEnd: null,
        billingMode: "postpaid",
        orgs,
        auth: { type: "access_token", accessToken: { displayName: token.displayName, role: token.role, createdAt: token.createdAt, ...(fineGrained && { fineGrained }) } },
      },
    };
  }

  private createSpace(context: RequestContext): HubResponse {
    const caller = this.requireUser(context);
    const body = parseJsonObject(context.body);
    const name = requireString(body, "name");
    const namespace = optionalString(body, "organization") ?? caller.user.name;
    if (body["type"] !== "space") throw new HubError(400, `This fake Hub only hosts spaces, not "${String(body["type"] ?? "model")}" repos`);
    if (!REPO_NAME.test(name)) {
      throw new HubError(400, `Invalid repo name "${name}": use letters, digits, "-", "_" and "."; no "--" or ".."; no "-" or "." at either end; 96 characters at most`);
    }
    const sdk = body["sdk"];
    if (sdk === undefined) throw new HubError(400, '"sdk" is required when creating a space (one of docker, gradio, streamlit, static)');
    if (!isSpaceSdk(sdk)) throw new HubError(400, `Invalid sdk ${JSON.stringify(sdk)}: expected one of ${SPACE_SDKS.join(", ")}`);
    const visibility = this.requestedVisibility(body);
    const spaceId = `${namespace}/${name}`;
    const spaceUrl = `${this.url}/spaces/${spaceId}`;
    // The order of the checks is what upstream saw. Rights come before "exists": a read token, or a
    // namespace the user cannot write to, gets 403 even for an existing repo (PR #1364, #2419).
    // UNVERIFIED: whether the rights check also comes before the plan check.
    if (!this.canWrite(caller, namespace)) throw new HubError(403, "You don't have the rights to create a space under this namespace");
    // The plan check comes before "exists": a free account gets 402 for a Space that exists (hub#4535,
    // with this text; PR #4539 makes create_repo(exist_ok=True) look the repo up after 401/402/403).
    if (this.planOf(namespace) === "free") {
      // docs spaces-overview: Gradio and Docker Spaces need PRO (user) or Team/Enterprise (org).
      if (PAID_PLAN_SDKS.includes(sdk)) {
        throw new HubError(402, "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription.");
      }
      // UNVERIFIED: that protected visibility needs a paid plan, and this answer.
      if (visibility === "protected") throw new HubError(402, "Protected Spaces require a PRO subscription.");
    }
    // Body recorded in cassette test_manage_secrets; that answer has no X-Error-Message header.
    if (this.state.spaces.has(spaceId)) throw new HubError(409, "You already created this space repo", { extraBody: { url: spaceUrl }, withoutMessageHeader: true });

    const files = new Map<string, Buffer>([
      [".gitattributes", Buffer.from(DEFAULT_GITATTRIBUTES)],
      ["README.md", Buffer.from(defaultReadme(name, sdk))],
    ]);
    const initialFiles = body["files"];
    if (initialFiles !== undefined) {
      if (!Array.isArray(initialFiles)) throw new HubError(400, '"files" must be an array');
      for (const file of initialFiles as unknown[]) {
        const entry = file !== null && typeof file === "object" ? (file as Record<string, unknown>) : {};
        files.set(validateRepoFilePath(entry["path"]), this.decodeContent(entry));
      }
    }
    const space = this.newSpace(namespace, name, sdk, visibility, files, "initial commit", caller.user.name);
    if (files.has("Dockerfile") || sdk !== "docker") this.startBuild(space);
    return { status: 200, json: { url: spaceUrl, name: spaceId, id: space.internalId } };
  }

  private requestedVisibility(body: Record<string, unknown>): SpaceVisibility {
    const visibility = body["visibility"];
    if (visibility === "public" || visibility === "private" || visibility === "protected") return visibility;
    if (visibility !== undefined && visibility !== null) throw new HubError(400, `Invalid visibility ${JSON.stringify(visibility)}: expected public, private or protected`);
    // Older clients send the boolean `private` instead.
    return body["private"] === true ? "private" : "public";
  }

  /** `DELETE /api/repos/delete` answers a plain `OK` (cassettes); a missing repo is 404 (hf_api.py delete_repo, missing_ok). */
  private deleteSpace(context: RequestContext): HubResponse {
    const caller = this.requireUser(context);
    const body = parseJsonObject(context.body);
    const name = requireString(body, "name");
    const namespace = optionalString(body, "organization") ?? caller.user.name;
    if ((body["type"] ?? "model") !== "space") throw new HubError(400, `This fake Hub only hosts spaces, not "${String(body["type"] ?? "model")}" repos`);
    // UNVERIFIED wording, modelled on the create answer.
    if (!this.canWrite(caller, namespace)) throw new HubError(403, "You don't have the rights to delete a space under this namespace");
    const spaceId = `${namespace}/${name}`;
    if (!this.state.spaces.delete(spaceId)) throw new HubError(404, "Repository not found", { errorCode: "RepoNotFound" });
    return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, raw: "OK" };
  }

  /** The file tree at a revision: `main`/`HEAD`/the HEAD sha, or any older commit sha. */
  private filesAt(space: FakeSpace, revision: string): { sha: string; files: ReadonlyMap<string, Buffer> } {
    if (revision === "main" || revision === "HEAD" || revision === space.headSha) return { sha: space.headSha, files: space.files };
    const commit = revision.length >= 7 ? space.commits.find((candidate) => candidate.oid.startsWith(revision)) : undefined;
    if (!commit) throw new HubError(404, `Invalid rev id: ${revision}`, { errorCode: "RevisionNotFound" });
    return { sha: commit.oid, files: commit.files };
  }

  /**
   * Fields as hf.js types/api/api-space.ts (ApiSpaceInfo) and hf_api.py SpaceInfo read them; `?expand=`
   * answers only the expanded fields plus ids (cassettes: `?expand=xetEnabled`).
   * Visibility is only `private`: neither client models a `visibility` field here, so a protected
   * Space (files private, app public) answers `private: true` like a private one. UNVERIFIED
   * beyond that: how the real Hub reports a protected Space.
   */
  private spaceInfo(context: RequestContext, spaceId: string, revision: string): HubResponse {
    const space = this.readableSpace(context, spaceId);
    const { sha, files } = this.filesAt(space, revision);
    const frontMatter = readFrontMatter(files.get("README.md"));
    const subdomain = spaceSubdomain(space.id);
    const info: Record<string, unknown> = {
      _id: space.internalId,
      id: space.id,
      author: space.owner,
      sha,
      lastModified: space.lastModified,
      createdAt: space.createdAt,
      private: space.visibility !== "public",
      gated: false,
      disabled: false,
      likes: 0,
      tags: [space.sdk, "region:us"],
      sdk: space.sdk,
      subdomain,
      host: `https://${subdomain}.hf.space`,
      siblings: [...files.keys()].sort().map((rfilename) => ({ rfilename })),
      runtime: this.runtimeJson(space),
      ...(frontMatter.kind === "valid" && { cardData: frontMatter.data }),
    };
    // With `expand`, the Hub returns only the requested fields (plus the ids).
    const expand = [...context.url.searchParams.getAll("expand"), ...context.url.searchParams.getAll("expand[]")];
    if (expand.length === 0) return { status: 200, json: info };
    return { status: 200, json: Object.fromEntries(Object.entries(info).filter(([field]) => field === "_id" || field === "id" || expand.includes(field))) };
  }

  /**
   * `PUT /api/spaces/{repo}/settings` as update_repo_settings sends it (hf_api.py): a JSON body with
   * `visibility` (public | private | protected, protected for Spaces only), or the older `private`
   * boolean, and/or `gated`. The client reads no answer body (hf_raise_for_status only): the fake
   * answers `{}`. UNVERIFIED: the answer body; that changing visibility starts no rebuild; that
   * it needs the same rights as other writes.
   */
  private updateSettings(context: RequestContext, spaceId: string): HubResponse {
    const space = this.writableSpace(context, spaceId);
    const body = parseJsonObject(context.body);
    if (body["visibility"] === undefined && body["private"] === undefined && body["gated"] === undefined) {
      throw new HubError(400, "At least one setting must be updated");
    }
    if (body["gated"] !== undefined && !["auto", "manual", false].includes(body["gated"] as string | boolean)) {
      throw new HubError(400, `Invalid gated value ${JSON.stringify(body["gated"])}`);
    }
    if (body["visibility"] !== undefined || body["private"] !== undefined) {
      const visibility = this.requestedVisibility(body);
      // UNVERIFIED, as on create: that protected needs a paid plan, and this answer.
      if (visibility === "protected" && this.planOf(space.owner) === "free") throw new HubError(402, "Protected Spaces require a PRO subscription.");
      space.visibility = visibility;
    }
    return { status: 200, json: {} };
  }

  /**
   * `GET /api/spaces/{repo}/auth-check[/write]`: auth_check in hf_api.py (write=True checks
   * "content write permission"). Missing or hidden repos answer as any repo read does (404
   * RepoNotFound, 401 without a token); a refused write is 403. UNVERIFIED: the status of a
   * refused write (upstream only says it raises) and the body of a success (upstream reads none).
   */
  private authCheck(context: RequestContext, spaceId: string, write: boolean): HubResponse {
    const space = this.readableSpace(context, spaceId);
    if (write) {
      const caller = this.requireUser(context);
      if (!this.canWrite(caller, space.owner)) throw new HubError(403, `You don't have write access to "${space.id}"`);
    }
    return { status: 200, json: {} };
  }

  private requireMainBranch(revision: string): void {
    if (revision !== "main") throw new HubError(404, `Invalid rev id: ${revision}`, { errorCode: "RevisionNotFound" });
  }

  /** Answer shape recorded in the cassettes; `oid` of an existing file (test_pause_and_restart_space). */
  private preupload(context: RequestContext, spaceId: string, revision: string): HubResponse {
    const space = this.writableSpace(context, spaceId);
    this.requireMainBranch(revision);
    const files = parseJsonObject(context.body)["files"];
    if (!Array.isArray(files)) throw new HubError(400, '"files" is required and must be an array');
    return {
      status: 200,
      json: {
        files: (files as unknown[]).map((file) => {
          const path = validateRepoFilePath(file !== null && typeof file === "object" ? (file as Record<string, unknown>)["path"] : undefined);
          const existing = space.files.get(path);
          // Always "regular": the stack commits small text files, and this fake has no LFS storage.
          return { path, uploadMode: "regular", shouldIgnore: false, ...(existing && { oid: gitBlobSha1(existing) }) };
        }),
        commitOid: space.headSha,
      },
    };
  }

  private decodeContent(value: Record<string, unknown>): Buffer {
    const content = value["content"];
    if (typeof content !== "string") throw new HubError(400, `"content" must be a string for ${String(value["path"])}`);
    const encoding = value["encoding"] ?? "utf-8";
    if (encoding === "base64") return Buffer.from(content, "base64");
    if (encoding === "utf-8" || encoding === "utf8") return Buffer.from(content, "utf8");
    throw new HubError(400, `Unsupported encoding ${JSON.stringify(encoding)}`);
  }

  /** NDJSON as hf.js lib/commit.ts sends it; answer as the cassettes record it. Every commit rebuilds (docs spaces-overview). */
  private commit(context: RequestContext, spaceId: string, revision: string): HubResponse {
    const caller = this.requireUser(context);
    const space = this.writableSpace(context, spaceId);
    this.requireMainBranch(revision);
    if (context.url.searchParams.has("create_pr")) throw new HubError(400, "This fake Hub does not support pull requests (create_pr)");

    let header: { summary: string; description: string; parentCommit?: string } | undefined;
    const next = new Map(space.files);
    const lines = context.body.toString("utf8").split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) {
      let operation: unknown;
      try {
        operation = JSON.parse(line);
      } catch {
        throw new HubError(400, `Invalid NDJSON line in commit payload: ${line.slice(0, 80)}`);
      }
      const { key, value } = (operation ?? {}) as { key?: unknown; value?: unknown };
      if (value === null || typeof value !== "object") throw new HubError(400, `Commit operation ${JSON.stringify(key)} has no value`);
      const fields = value as Record<string, unknown>;
      switch (key) {
        case "header": {
          const summary = fields["summary"];
          if (typeof summary !== "string" || summary.trim() === "") throw new HubError(400, "The commit summary is required");
          const parentCommit = fields["parentCommit"];
          header = { summary, description: typeof fields["description"] === "string" ? fields["description"] : "", ...(typeof parentCommit === "string" && { parentCommit }) };
          break;
        }
        case "file":
          next.set(validateRepoFilePath(fields["path"]), this.decodeContent(fields));
          break;
        case "deletedFile": {
          const path = validateRepoFilePath(fields["path"]);
          if (!next.delete(path)) throw new HubError(404, `Entry not found: ${path}`, { errorCode: "EntryNotFound" });
          break;
        }
        case "deletedFolder": {
          const folder = `${validateRepoFilePath(fields["path"])}/`;
          const paths = [...next.keys()].filter((path) => path.startsWith(folder));
          if (paths.length === 0) throw new HubError(404, `Entry not found: ${folder}`, { errorCode: "EntryNotFound" });
          for (const path of paths) next.delete(path);
          break;
        }
        case "lfsFile":
          throw new HubError(400, "This fake Hub has no LFS storage: commit small files as regular files");
        default:
          throw new HubError(400, `Unknown commit operation ${JSON.stringify(key)}`);
      }
    }
    if (!header) throw new HubError(400, "The commit payload must start with a header carrying the summary");
    if (header.parentCommit !== undefined && header.parentCommit !== space.headSha) {
      throw new HubError(412, "A commit has happened since. Please refresh and try again.");
    }
    const commit = this.recordCommit(space, next, header.summary, header.description, caller.user.name);
    const frontMatter = readFrontMatter(next.get("README.md"));
    // The README's front matter is what configures a Space, sdk included.
    if (frontMatter.kind === "valid" && isSpaceSdk(frontMatter.data["sdk"])) space.sdk = frontMatter.data["sdk"];
    this.startBuild(space);
    return { status: 200, json: { success: true, commitOid: commit.oid, commitUrl: `${this.url}/spaces/${space.id}/commit/${commit.oid}`, hookOutput: "" } };
  }

  /** Paged by a `Link: <...>; rel="next"` header, which hf.js lib/list-files.ts follows. */
  private listTree(context: RequestContext, spaceId: string, revision: string, directory: string): HubResponse {
    const space = this.readableSpace(context, spaceId);
    const { files } = this.filesAt(space, revision);
    const tree = indexTree(files);
    const root = tree.get(directory);
    if (!root || root.type !== "directory") throw new HubError(404, `Entry not found: ${directory}`, { errorCode: "EntryNotFound" });
    const recursive = context.url.searchParams.get("recursive") === "true" || context.url.searchParams.get("recursive") === "1";
    const prefix = directory === "" ? "" : `${directory}/`;
    const listed = [...tree.values()]
      .filter((entry) => entry.path !== "" && entry.path.startsWith(prefix) && (recursive || !entry.path.slice(prefix.length).includes("/")))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

    const pageSize = this.options.treePageSize ?? 1000;
    const cursor = context.url.searchParams.get("cursor");
    const offset = cursor === null ? 0 : Number.parseInt(Buffer.from(cursor, "base64url").toString("utf8"), 10);
    if (!Number.isInteger(offset) || offset < 0) throw new HubError(400, "Invalid cursor");
    const page = listed.slice(offset, offset + pageSize);
    const headers: Record<string, string> = {};
    if (offset + pageSize < listed.length) {
      const nextUrl = new URL(context.url.pathname + context.url.search, this.url);
      nextUrl.searchParams.set("cursor", Buffer.from(String(offset + pageSize)).toString("base64url"));
      headers["Link"] = `<${nextUrl.toString()}>; rel="next"`;
    }
    return { status: 200, headers, json: page.map(({ type, oid, size, path }) => ({ type, oid, size, path })) };
  }

  /** hf.js lib/download-file.ts and file-download-info.ts need Range, Content-Range and ETag. */
  private downloadFile(context: RequestContext, spaceId: string, revision: string, filePath: string): HubResponse {
    const space = this.readableSpace(context, spaceId);
    const { sha, files } = this.filesAt(space, revision);
    const content = files.get(filePath);
    if (!content) throw new HubError(404, "Entry not found", { errorCode: "EntryNotFound" });
    const headers: Record<string, string> = {
      "Content-Type": "application/octet-stream",
      "Accept-Ranges": "bytes",
      ETag: `"${gitBlobSha1(content)}"`,
      "X-Repo-Commit": sha,
    };
    const range = context.headers.range;
    if (range === undefined) return { status: 200, headers: { ...headers, "Content-Length": String(content.length) }, raw: content };
    const requested = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    const size = content.length;
    let start = requested?.[1] ? Number(requested[1]) : undefined;
    let end = requested?.[2] ? Number(requested[2]) : undefined;
    if (start === undefined && end !== undefined) {
      start = Math.max(0, size - end); // "bytes=-N" asks for the last N bytes
      end = size - 1;
    }
    if (!requested || start === undefined || start >= size || (end !== undefined && end < start)) {
      return { status: 416, headers: { "Content-Range": `bytes */${size}` }, raw: "" };
    }
    end = Math.min(end ?? size - 1, size - 1);
    const slice = content.subarray(start, end + 1);
    return {
      status: 206,
      headers: { ...headers, "Content-Range": `bytes ${start}-${end}/${size}`, "Content-Length": String(slice.length) },
      raw: slice,
    };
  }

  private environmentEntry(context: RequestContext): { key: string; value: string; description?: string } {
    const body = parseJsonObject(context.body);
    const key = requireString(body, "key");
    if (!ENVIRONMENT_KEY.test(key)) {
      throw new HubError(400, `Invalid key "${key}": use letters, digits and underscores, not starting with a digit`);
    }
    const value = body["value"];
    if (typeof value !== "string") throw new HubError(400, '"value" is required and must be a string');
    const description = optionalString(body, "description");
    return { key, value, ...(description !== undefined && { description }) };
  }

  private deletionKey(context: RequestContext): string {
    return requireString(parseJsonObject(context.body), "key");
  }

  /** Answers `{}` to POST and DELETE, also for a missing key (cassette test_manage_secrets); values are never listed (_space_api.py SpaceSecret). */
  private secrets(context: RequestContext, spaceId: string): HubResponse {
    if (context.method === "GET") {
      const space = this.ownedSpace(context, spaceId);
      return { status: 200, json: Object.fromEntries([...space.secrets].map(([key, { description, updatedAt }]) => [key, { ...(description !== undefined && { description }), updatedAt }])) };
    }
    const space = this.writableSpace(context, spaceId);
    if (context.method === "POST") {
      const { key, value, description } = this.environmentEntry(context);
      space.secrets.set(key, { value, updatedAt: this.isoNow(), ...(description !== undefined && { description }) });
      return { status: 200, json: {} };
    }
    if (context.method === "DELETE") {
      space.secrets.delete(this.deletionKey(context));
      return { status: 200, json: {} };
    }
    throw new HubError(404, "Sorry, we can't find the page you are looking for.");
  }

  /** Every call answers the whole map (cassette test_manage_variables), DELETE of a missing key included. */
  private variables(context: RequestContext, spaceId: string): HubResponse {
    const space = context.method === "GET" ? this.ownedSpace(context, spaceId) : this.writableSpace(context, spaceId);
    if (context.method === "POST") {
      const { key, value, description } = this.environmentEntry(context);
      space.variables.set(key, { value, updatedAt: this.isoNow(), ...(description !== undefined && { description }) });
    } else if (context.method === "DELETE") {
      space.variables.delete(this.deletionKey(context));
    } else if (context.method !== "GET") {
      throw new HubError(404, "Sorry, we can't find the page you are looking for.");
    }
    return { status: 200, json: Object.fromEntries([...space.variables].map(([key, variable]) => [key, { ...variable }])) };
  }

  private runtimeJson(space: FakeSpace): Record<string, unknown> {
    const runtime = space.runtime;
    // Field for field as the cassettes record it (test_space_runtime, test_pause_and_restart_space):
    // `replicas.current` only once a replica runs, `gcTimeout` 172800 (48 h) on cpu-basic.
    const running = runtime.stage === "RUNNING" || runtime.stage.startsWith("RUNNING_");
    const defaultSleep = runtime.hardware.requested === "cpu-basic" ? FREE_HARDWARE_SLEEP_SECONDS : null;
    return {
      stage: runtime.stage,
      hardware: { ...runtime.hardware },
      storage: null,
      gcTimeout: runtime.sleepTimeSeconds ?? defaultSleep,
      replicas: { requested: 1, ...(running && { current: 1 }) },
      devMode: false,
      // Not in the cassettes; hf.js types/api/api-collection.ts lists an optional `sha`.
      sha: space.headSha,
      ...(runtime.domains.length > 0 && { domains: runtime.domains.map((domain) => ({ ...domain })) }),
      ...(runtime.errorMessage !== undefined && { errorMessage: runtime.errorMessage }),
    };
  }

  /** `GET .../runtime` (cassette test_space_runtime). */
  private runtime(context: RequestContext, spaceId: string): HubResponse {
    const space = this.readableSpace(context, spaceId);
    const reply: HubResponse = { status: 200, json: this.runtimeJson(space) };
    // Per-poll mode: the next poll sees the next stage, so a polling client walks every stage.
    if (this.options.buildStageMs === undefined) {
      const next = space.runtime.upcomingStages.shift();
      if (next) this.enterStage(space, next);
    }
    return reply;
  }

  /** hf_api.py request_space_hardware: `{flavor, sleepTimeSeconds?}`, answers the runtime. */
  private requestHardware(context: RequestContext, spaceId: string): HubResponse {
    const space = this.writableSpace(context, spaceId);
    const body = parseJsonObject(context.body);
    const flavor = body["flavor"];
    if (!isHardwareFlavor(flavor)) throw new HubError(400, `Invalid hardware flavor ${JSON.stringify(flavor)}: expected one of ${SPACE_HARDWARE_FLAVORS.join(", ")}`);
    const sleepTimeSeconds = body["sleepTimeSeconds"];
    if (sleepTimeSeconds !== undefined && sleepTimeSeconds !== null) space.runtime.sleepTimeSeconds = this.validSleepTime(sleepTimeSeconds);
    const changed = space.runtime.hardware.requested !== flavor;
    space.runtime.hardware.requested = flavor;
    // Moving to other hardware restarts the Space on it.
    if (changed && space.runtime.stage !== "PAUSED") this.startBuild(space);
    return { status: 200, json: this.runtimeJson(space) };
  }

  private validSleepTime(seconds: unknown): number {
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || (seconds !== -1 && seconds <= 0)) {
      throw new HubError(400, `Invalid sleep time ${JSON.stringify(seconds)}: a positive number of seconds, or -1 to never sleep`);
    }
    return seconds;
  }

  /** hf_api.py set_space_sleep_time: `{seconds}` (-1 never), answers the runtime. */
  private setSleepTime(context: RequestContext, spaceId: string): HubResponse {
    const space = this.writableSpace(context, spaceId);
    space.runtime.sleepTimeSeconds = this.validSleepTime(parseJsonObject(context.body)["seconds"]);
    return { status: 200, json: this.runtimeJson(space) };
  }

  /** Answers the runtime, BUILDING (cassette test_pause_and_restart_space); the only way out of PAUSED (hf_api.py restart_space). */
  private restart(context: RequestContext, spaceId: string): HubResponse {
    const space = this.writableSpace(context, spaceId);
    // `?factory=true` (rebuild without cache) looks the same from outside: a fresh build.
    this.startBuild(space);
    return { status: 200, json: this.runtimeJson(space) };
  }

  /** Answers the runtime, PAUSED (cassette test_pause_and_restart_space); stays PAUSED until restarted (hf_api.py pause_space). */
  private pause(context: RequestContext, spaceId: string): HubResponse {
    const space = this.writableSpace(context, spaceId);
    space.runtime.upcomingStages = [];
    this.enterStage(space, { stage: "PAUSED" });
    return { status: 200, json: this.runtimeJson(space) };
  }

  /** SSE `data: {"data", "timestamp"}` events (hf_api.py fetch_space_logs). */
  private logs(context: RequestContext, spaceId: string, kind: "build" | "run"): HubResponse {
    const space = this.ownedSpace(context, spaceId);
    const timestamp = this.isoNow();
    // The Hub keeps this stream open and follows the logs; the fake sends what it has and ends.
    const events = space.logs[kind].map((line) => `data: ${JSON.stringify({ data: `${line}\n`, timestamp })}\n\n`).join("");
    return { status: 200, headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }, raw: events };
  }
}

/** Starts a fake Hub on 127.0.0.1 with an ephemeral port. Close it when done. */
export async function startFakeHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  const hub = new FakeHuggingFaceHub(options);
  await hub.listen();
  for (const user of options.users ?? []) hub.addUser(user);
  for (const org of options.orgs ?? []) hub.addOrg(org);
  for (const space of options.spaces ?? []) hub.seedSpace(space);
  return hub;
}

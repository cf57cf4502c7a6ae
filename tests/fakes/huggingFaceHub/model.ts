/**
 * The Hub's records as the fake keeps them in memory: users, organizations and their plans,
 * access tokens, and Spaces with their files, commits, secrets, variables and runtime.
 * Types only, apart from the list of hardware flavors.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */

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

/** _space_api.py SpaceStage, plus SLEEPING, which the Hub's runtime answers and wait_for_space treats as ready. */
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

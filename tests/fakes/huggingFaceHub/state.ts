/**
 * The in-memory Hub: users, organizations with their plans and members, tokens and Spaces, the
 * clock, and the test-side controls that change them directly (seeding, a commit by someone
 * else, a custom domain, build outcomes). server.ts puts HTTP in front of it; the endpoints
 * take it as `hub`.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { enterStage } from "./builds";
import { gitObjectSha1, indexTree, sha1Hex } from "./git";
import type { BuildFailure, FakeHubOptions, FakeOrgSeed, FakeUserSeed, SpaceSeed } from "./harness";
import type {
  FakeAccessToken,
  FakeHubState,
  FakeOrg,
  FakeSpace,
  FakeUser,
  SpaceCommit,
  SpaceDomain,
  SpaceSdk,
  SpaceStage,
  SpaceVisibility,
  TokenRole,
} from "./model";

/** `<owner>-<name>` lower-cased, anything but letters and digits turned into "-". */
export function spaceSubdomain(spaceId: string): string {
  return spaceId.replace("/", "-").toLowerCase().replace(/[^a-z0-9]/g, "-");
}

export function databaseId(seed: string): string {
  return sha1Hex(seed).slice(0, 24);
}

function toBuffer(content: string | Buffer): Buffer {
  return typeof content === "string" ? Buffer.from(content, "utf8") : content;
}

export class InMemoryHub {
  readonly state: FakeHubState = { users: new Map(), orgs: new Map(), tokens: new Map(), spaces: new Map() };
  url = "";
  /** Requests received so far (server.ts counts them); part of a new Space's database id. */
  requestCounter = 0;
  /** Outcomes queued by failNextBuild, consumed by the next matching build. */
  readonly buildFailures: Array<{ spaceId?: string; failure: BuildFailure }> = [];
  /** whoami-v2 calls per token, counted against `whoAmIQuota`. */
  readonly whoAmICalls = new Map<string, number>();

  constructor(readonly options: FakeHubOptions) {}

  now(): number {
    return (this.options.clock ?? Date.now)();
  }

  isoNow(): string {
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
    enterStage(this, space, { stage: seed.stage ?? (hasApp ? "RUNNING" : "NO_APP_FILE"), ...(seed.errorMessage !== undefined && { errorMessage: seed.errorMessage }) });
    return space;
  }

  space(spaceId: string): FakeSpace {
    const space = this.state.spaces.get(spaceId);
    if (!space) throw new Error(`The fake Hub has no Space "${spaceId}"`);
    return space;
  }

  newSpace(owner: string, name: string, sdk: SpaceSdk, visibility: SpaceVisibility, files: Map<string, Buffer>, title: string, author: string): FakeSpace {
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

  recordCommit(space: FakeSpace, files: Map<string, Buffer>, title: string, description: string, author: string): SpaceCommit {
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

  // -- build outcomes --------------------------------------------------------------------------

  failNextBuild(failure: BuildFailure, spaceId?: string): void {
    this.buildFailures.push({ failure, ...(spaceId !== undefined && { spaceId }) });
  }

  advanceBuild(spaceId: string, steps = Number.POSITIVE_INFINITY): SpaceStage {
    const space = this.space(spaceId);
    for (let step = 0; step < steps; step++) {
      const next = space.runtime.upcomingStages.shift();
      if (!next) break;
      enterStage(this, space, next);
    }
    return space.runtime.stage;
  }
}

/**
 * Space repositories: `POST /api/repos/create`, `DELETE /api/repos/delete`, the repo info
 * (`GET /api/spaces/{repo}` and `.../revision/{rev}`), `PUT .../settings` (visibility) and
 * `GET .../auth-check[/write]`, with the checks create makes and the order it makes them in.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { canWrite, planOf, readableSpace, requireUser, writableSpace } from "./access";
import { startBuild } from "./builds";
import { HubError } from "./errors";
import { filesAt } from "./files";
import type { SpaceSdk, SpaceVisibility } from "./model";
import { isSpaceSdk, readFrontMatter, SPACE_SDKS } from "./readme";
import { decodeContent, optionalString, parseJsonObject, requireString, validateRepoFilePath, type HubResponse, type RequestContext } from "./requests";
import { runtimeJson } from "./runtime";
import { spaceSubdomain, type InMemoryHub } from "./state";

// Same rule as the Hub's repo names: no leading/trailing "-" or ".", no "--" or "..", 96 chars max.
const REPO_NAME = /^(?![-.])(?!.*(?:--|\.\.))[A-Za-z0-9._-]{1,96}(?<![-.])$/;
const PAID_PLAN_SDKS: readonly SpaceSdk[] = ["docker", "gradio"];

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

export function createSpace(hub: InMemoryHub, context: RequestContext): HubResponse {
  const caller = requireUser(context);
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
  const visibility = requestedVisibility(body);
  const spaceId = `${namespace}/${name}`;
  const spaceUrl = `${hub.url}/spaces/${spaceId}`;
  // The order of the checks is what upstream saw. Rights come before "exists": a read token, or a
  // namespace the user cannot write to, gets 403 even for an existing repo (PR #1364, #2419).
  // UNVERIFIED: whether the rights check also comes before the plan check.
  if (!canWrite(hub, caller, namespace)) throw new HubError(403, "You don't have the rights to create a space under this namespace");
  // The plan check comes before "exists": a free account gets 402 for a Space that exists (hub#4535,
  // with this text; PR #4539 makes create_repo(exist_ok=True) look the repo up after 401/402/403).
  if (planOf(hub, namespace) === "free") {
    // docs spaces-overview: Gradio and Docker Spaces need PRO (user) or Team/Enterprise (org).
    if (PAID_PLAN_SDKS.includes(sdk)) {
      throw new HubError(402, "Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription.");
    }
    // UNVERIFIED: that protected visibility needs a paid plan, and this answer.
    if (visibility === "protected") throw new HubError(402, "Protected Spaces require a PRO subscription.");
  }
  // Body recorded in cassette test_manage_secrets; that answer has no X-Error-Message header.
  if (hub.state.spaces.has(spaceId)) throw new HubError(409, "You already created this space repo", { extraBody: { url: spaceUrl }, withoutMessageHeader: true });

  const files = new Map<string, Buffer>([
    [".gitattributes", Buffer.from(DEFAULT_GITATTRIBUTES)],
    ["README.md", Buffer.from(defaultReadme(name, sdk))],
  ]);
  const initialFiles = body["files"];
  if (initialFiles !== undefined) {
    if (!Array.isArray(initialFiles)) throw new HubError(400, '"files" must be an array');
    for (const file of initialFiles as unknown[]) {
      const entry = file !== null && typeof file === "object" ? (file as Record<string, unknown>) : {};
      files.set(validateRepoFilePath(entry["path"]), decodeContent(entry));
    }
  }
  const space = hub.newSpace(namespace, name, sdk, visibility, files, "initial commit", caller.user.name);
  if (files.has("Dockerfile") || sdk !== "docker") startBuild(hub, space);
  return { status: 200, json: { url: spaceUrl, name: spaceId, id: space.internalId } };
}

function requestedVisibility(body: Record<string, unknown>): SpaceVisibility {
  const visibility = body["visibility"];
  if (visibility === "public" || visibility === "private" || visibility === "protected") return visibility;
  if (visibility !== undefined && visibility !== null) throw new HubError(400, `Invalid visibility ${JSON.stringify(visibility)}: expected public, private or protected`);
  // Older clients send the boolean `private` instead.
  return body["private"] === true ? "private" : "public";
}

/** `DELETE /api/repos/delete` answers a plain `OK` (cassettes); a missing repo is 404 (hf_api.py delete_repo, missing_ok). */
export function deleteSpace(hub: InMemoryHub, context: RequestContext): HubResponse {
  const caller = requireUser(context);
  const body = parseJsonObject(context.body);
  const name = requireString(body, "name");
  const namespace = optionalString(body, "organization") ?? caller.user.name;
  if ((body["type"] ?? "model") !== "space") throw new HubError(400, `This fake Hub only hosts spaces, not "${String(body["type"] ?? "model")}" repos`);
  // UNVERIFIED wording, modelled on the create answer.
  if (!canWrite(hub, caller, namespace)) throw new HubError(403, "You don't have the rights to delete a space under this namespace");
  const spaceId = `${namespace}/${name}`;
  if (!hub.state.spaces.delete(spaceId)) throw new HubError(404, "Repository not found", { errorCode: "RepoNotFound" });
  return { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" }, raw: "OK" };
}

/**
 * Fields as hf.js types/api/api-space.ts (ApiSpaceInfo) and hf_api.py SpaceInfo read them; `?expand=`
 * answers only the expanded fields plus ids (cassettes: `?expand=xetEnabled`).
 * Visibility is only `private`: neither client models a `visibility` field here, so a protected
 * Space (files private, app public) answers `private: true` like a private one. UNVERIFIED
 * beyond that: how the real Hub reports a protected Space.
 */
export function spaceInfo(hub: InMemoryHub, context: RequestContext, spaceId: string, revision: string): HubResponse {
  const space = readableSpace(hub, context, spaceId);
  const { sha, files } = filesAt(space, revision);
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
    runtime: runtimeJson(space),
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
export function updateSettings(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = writableSpace(hub, context, spaceId);
  const body = parseJsonObject(context.body);
  if (body["visibility"] === undefined && body["private"] === undefined && body["gated"] === undefined) {
    throw new HubError(400, "At least one setting must be updated");
  }
  if (body["gated"] !== undefined && !["auto", "manual", false].includes(body["gated"] as string | boolean)) {
    throw new HubError(400, `Invalid gated value ${JSON.stringify(body["gated"])}`);
  }
  if (body["visibility"] !== undefined || body["private"] !== undefined) {
    const visibility = requestedVisibility(body);
    // UNVERIFIED, as on create: that protected needs a paid plan, and this answer.
    if (visibility === "protected" && planOf(hub, space.owner) === "free") throw new HubError(402, "Protected Spaces require a PRO subscription.");
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
export function authCheck(hub: InMemoryHub, context: RequestContext, spaceId: string, write: boolean): HubResponse {
  const space = readableSpace(hub, context, spaceId);
  if (write) {
    const caller = requireUser(context);
    if (!canWrite(hub, caller, space.owner)) throw new HubError(403, `You don't have write access to "${space.id}"`);
  }
  return { status: 200, json: {} };
}

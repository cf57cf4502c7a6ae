/**
 * A Space's files: the tree listing (paged), file download (with ranges), preupload and the
 * NDJSON commit, and which revisions can be read.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { readableSpace, requireUser, writableSpace } from "./access";
import { startBuild } from "./builds";
import { HubError } from "./errors";
import { gitBlobSha1, indexTree } from "./git";
import type { FakeSpace } from "./model";
import { isSpaceSdk, readFrontMatter } from "./readme";
import { decodeContent, parseJsonObject, validateRepoFilePath, type HubResponse, type RequestContext } from "./requests";
import type { InMemoryHub } from "./state";

/** The file tree at a revision: `main`/`HEAD`/the HEAD sha, or any older commit sha. */
export function filesAt(space: FakeSpace, revision: string): { sha: string; files: ReadonlyMap<string, Buffer> } {
  if (revision === "main" || revision === "HEAD" || revision === space.headSha) return { sha: space.headSha, files: space.files };
  const commit = revision.length >= 7 ? space.commits.find((candidate) => candidate.oid.startsWith(revision)) : undefined;
  if (!commit) throw new HubError(404, `Invalid rev id: ${revision}`, { errorCode: "RevisionNotFound" });
  return { sha: commit.oid, files: commit.files };
}

function requireMainBranch(revision: string): void {
  if (revision !== "main") throw new HubError(404, `Invalid rev id: ${revision}`, { errorCode: "RevisionNotFound" });
}

/** Answer shape recorded in the cassettes; `oid` of an existing file (test_pause_and_restart_space). */
export function preupload(hub: InMemoryHub, context: RequestContext, spaceId: string, revision: string): HubResponse {
  const space = writableSpace(hub, context, spaceId);
  requireMainBranch(revision);
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

/** NDJSON as hf.js lib/commit.ts sends it; answer as the cassettes record it. Every commit rebuilds (docs spaces-overview). */
export function commit(hub: InMemoryHub, context: RequestContext, spaceId: string, revision: string): HubResponse {
  const caller = requireUser(context);
  const space = writableSpace(hub, context, spaceId);
  requireMainBranch(revision);
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
        next.set(validateRepoFilePath(fields["path"]), decodeContent(fields));
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
  const commit = hub.recordCommit(space, next, header.summary, header.description, caller.user.name);
  const frontMatter = readFrontMatter(next.get("README.md"));
  // The README's front matter is what configures a Space, sdk included.
  if (frontMatter.kind === "valid" && isSpaceSdk(frontMatter.data["sdk"])) space.sdk = frontMatter.data["sdk"];
  startBuild(hub, space);
  return { status: 200, json: { success: true, commitOid: commit.oid, commitUrl: `${hub.url}/spaces/${space.id}/commit/${commit.oid}`, hookOutput: "" } };
}

/** Paged by a `Link: <...>; rel="next"` header, which hf.js lib/list-files.ts follows. */
export function listTree(hub: InMemoryHub, context: RequestContext, spaceId: string, revision: string, directory: string): HubResponse {
  const space = readableSpace(hub, context, spaceId);
  const { files } = filesAt(space, revision);
  const tree = indexTree(files);
  const root = tree.get(directory);
  if (!root || root.type !== "directory") throw new HubError(404, `Entry not found: ${directory}`, { errorCode: "EntryNotFound" });
  const recursive = context.url.searchParams.get("recursive") === "true" || context.url.searchParams.get("recursive") === "1";
  const prefix = directory === "" ? "" : `${directory}/`;
  const listed = [...tree.values()]
    .filter((entry) => entry.path !== "" && entry.path.startsWith(prefix) && (recursive || !entry.path.slice(prefix.length).includes("/")))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const pageSize = hub.options.treePageSize ?? 1000;
  const cursor = context.url.searchParams.get("cursor");
  const offset = cursor === null ? 0 : Number.parseInt(Buffer.from(cursor, "base64url").toString("utf8"), 10);
  if (!Number.isInteger(offset) || offset < 0) throw new HubError(400, "Invalid cursor");
  const page = listed.slice(offset, offset + pageSize);
  const headers: Record<string, string> = {};
  if (offset + pageSize < listed.length) {
    const nextUrl = new URL(context.url.pathname + context.url.search, hub.url);
    nextUrl.searchParams.set("cursor", Buffer.from(String(offset + pageSize)).toString("base64url"));
    headers["Link"] = `<${nextUrl.toString()}>; rel="next"`;
  }
  return { status: 200, headers, json: page.map(({ type, oid, size, path }) => ({ type, oid, size, path })) };
}

/** hf.js lib/download-file.ts and file-download-info.ts need Range, Content-Range and ETag. */
export function downloadFile(hub: InMemoryHub, context: RequestContext, spaceId: string, revision: string, filePath: string): HubResponse {
  const space = readableSpace(hub, context, spaceId);
  const { sha, files } = filesAt(space, revision);
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

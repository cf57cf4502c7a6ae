/**
 * The fake Hub must answer like the real one: the real `@huggingface/hub` client is used wherever
 * it covers the call, plain fetch for the Space settings endpoints the client does not cover.
 */
import {
  commit,
  createRepo,
  deleteRepo,
  downloadFile,
  fileExists,
  HubApiError,
  listFiles,
  repoExists,
  spaceInfo,
  uploadFiles,
  whoAmI,
} from "@huggingface/hub";
import { afterEach, describe, expect, it, vi } from "vitest";
import { gitBlobSha1, startFakeHub, type FakeHub, type FakeHubOptions } from "./huggingFaceHub";

const ALICE_WRITE = "hf_alice_write";
const ALICE_READ = "hf_alice_read";
const BOB_WRITE = "hf_bob_write";
const FREE_WRITE = "hf_frugal_write";

const DOCKERFILE = "FROM ghcr.io/berriai/litellm:main-stable\nUSER 1000\n";
const README = "---\ntitle: proxy\nsdk: docker\napp_port: 4000\n---\n\nLiteLLM proxy\n";

let hub: FakeHub | undefined;

afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** alice (PRO, member of the paid org "acme"), bob (PRO), frugal (free). */
async function startHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  hub = await startFakeHub({
    users: [
      { name: "alice", plan: "pro", tokens: [{ token: ALICE_WRITE, role: "write" }, { token: ALICE_READ, role: "read" }] },
      { name: "bob", plan: "pro", tokens: [{ token: BOB_WRITE, role: "write" }] },
      { name: "frugal", plan: "free", tokens: [{ token: FREE_WRITE, role: "write" }] },
    ],
    orgs: [{ name: "acme", plan: "pro", members: ["alice"] }],
    ...options,
  });
  return hub;
}

function seedProxySpace(target: FakeHub, id = "alice/proxy"): void {
  target.seedSpace({ id, visibility: "private", files: { "README.md": README, Dockerfile: DOCKERFILE } });
}

async function callHub(
  target: FakeHub,
  path: string,
  init: { method?: string; token?: string | null; body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const token = init.token === undefined ? ALICE_WRITE : init.token;
  return fetch(`${target.url}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(token !== null && { Authorization: `Bearer ${token}` }),
      ...(init.body !== undefined && { "Content-Type": "application/json" }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    ...(init.signal && { signal: init.signal }),
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<HubApiError> {
  const outcome = await promise.then(
    () => new Error("expected the Hub call to fail"),
    (error: unknown) => error,
  );
  if (!(outcome instanceof HubApiError)) throw outcome;
  return outcome;
}

async function runtimeStage(target: FakeHub, spaceId: string): Promise<{ stage: string; errorMessage?: string; domains?: Array<{ domain: string; stage: string }> }> {
  const response = await callHub(target, `/api/spaces/${spaceId}/runtime`);
  expect(response.status).toBe(200);
  return (await response.json()) as { stage: string; errorMessage?: string };
}

function ndjson(...lines: unknown[]): string {
  return lines.map((line) => JSON.stringify(line)).join("\n");
}

async function postCommit(target: FakeHub, spaceId: string, body: string): Promise<Response> {
  return fetch(`${target.url}/api/spaces/${spaceId}/commit/main`, {
    method: "POST",
    headers: { Authorization: `Bearer ${ALICE_WRITE}`, "Content-Type": "application/x-ndjson" },
    body,
  });
}

describe("identity and authentication", () => {
  it("whoAmI returns the user, its organizations and the token's role", async () => {
    const target = await startHub();
    const identity = await whoAmI({ accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(identity).toMatchObject({ type: "user", name: "alice", isPro: true, orgs: [{ name: "acme" }] });
    expect(identity.auth.accessToken?.role).toBe("write");
    expect((await whoAmI({ accessToken: ALICE_READ, hubUrl: target.url })).auth.accessToken?.role).toBe("read");
  });

  it("an unknown token gets 401 with the Hub's message in the body and in X-Error-Message", async () => {
    const target = await startHub();
    const response = await callHub(target, "/api/whoami-v2", { token: "hf_unknown" });
    expect(response.status).toBe(401);
    expect(response.headers.get("x-error-message")).toBe("Invalid credentials in Authorization header");
    expect(await response.json()).toEqual({ error: "Invalid credentials in Authorization header" });
    const error = await rejectionOf(whoAmI({ accessToken: "hf_unknown", hubUrl: target.url }));
    expect(error.statusCode).toBe(401);
    expect(error.message).toContain("Invalid credentials in Authorization header");
  });

  it("answers 429 once whoami-v2 is called beyond its quota", async () => {
    const target = await startHub({ whoAmIQuota: 1 });
    await whoAmI({ accessToken: ALICE_WRITE, hubUrl: target.url });
    const error = await rejectionOf(whoAmI({ accessToken: ALICE_WRITE, hubUrl: target.url }));
    expect(error.statusCode).toBe(429);
  });
});

describe("repositories", () => {
  it("createRepo makes a Docker Space with the Hub's initial files, and spaceInfo describes it", async () => {
    const target = await startHub();
    const created = await createRepo({ repo: "spaces/alice/My_Proxy.v2", sdk: "docker", visibility: "private", accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(created.repoUrl).toBe(`${target.url}/spaces/alice/My_Proxy.v2`);

    const space = target.space("alice/My_Proxy.v2");
    expect(created.id).toBe(space.internalId);
    expect([...space.files.keys()].sort()).toEqual([".gitattributes", "README.md"]);
    expect(space.runtime.stage).toBe("NO_APP_FILE");

    const info = await spaceInfo({ name: "alice/My_Proxy.v2", accessToken: ALICE_WRITE, hubUrl: target.url, additionalFields: ["sha", "subdomain", "author", "runtime"] });
    expect(info).toMatchObject({ id: space.internalId, name: "alice/My_Proxy.v2", sdk: "docker", private: true, sha: space.headSha, subdomain: "alice-my-proxy-v2", author: "alice" });
    expect(info.runtime?.stage).toBe("NO_APP_FILE");
    expect(info.updatedAt).toBeInstanceOf(Date);
  });

  it("the full info carries siblings, runtime and the README's front matter as cardData", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const response = await callHub(target, "/api/spaces/alice/proxy");
    const info = (await response.json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      id: "alice/proxy",
      author: "alice",
      private: true,
      sdk: "docker",
      subdomain: "alice-proxy",
      siblings: [{ rfilename: "Dockerfile" }, { rfilename: "README.md" }],
      runtime: { stage: "RUNNING", domains: [{ domain: "alice-proxy.hf.space", stage: "READY" }] },
      cardData: { title: "proxy", sdk: "docker", app_port: 4000 },
    });
  });

  it("creating an existing Space is a 409 carrying its url", async () => {
    const target = await startHub();
    await createRepo({ repo: "spaces/alice/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url });
    const error = await rejectionOf(createRepo({ repo: "spaces/alice/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url }));
    expect(error.statusCode).toBe(409);
    expect(error.message).toContain("You already created this space repo");
    expect(error.data).toEqual({ error: "You already created this space repo", url: `${target.url}/spaces/alice/proxy` });
  });

  it("a free account creating a Docker Space gets 402 with the Hub's text (huggingface_hub#4535)", async () => {
    const target = await startHub();
    const error = await rejectionOf(createRepo({ repo: "spaces/frugal/proxy", sdk: "docker", accessToken: FREE_WRITE, hubUrl: target.url }));
    expect(error.statusCode).toBe(402);
    expect(error.message).toContain("Static Spaces are free for everyone, but hosting Gradio and Docker Spaces on free cpu-basic requires a PRO subscription.");
    expect(target.state.spaces.has("frugal/proxy")).toBe(false);
    await createRepo({ repo: "spaces/frugal/static-page", sdk: "static", accessToken: FREE_WRITE, hubUrl: target.url });
  });

  it("checks the plan before it checks that the Space exists: 402, not 409, for an existing Space", async () => {
    const target = await startHub();
    target.seedSpace({ id: "frugal/proxy", files: { "README.md": README, Dockerfile: DOCKERFILE } });
    const error = await rejectionOf(createRepo({ repo: "spaces/frugal/proxy", sdk: "docker", accessToken: FREE_WRITE, hubUrl: target.url }));
    expect(error.statusCode).toBe(402);
    // The case of the issue: the Space exists as static, and the client asks for another sdk.
    target.seedSpace({ id: "frugal/page", sdk: "static" });
    expect((await rejectionOf(createRepo({ repo: "spaces/frugal/page", sdk: "gradio", accessToken: FREE_WRITE, hubUrl: target.url }))).statusCode).toBe(402);
    expect((await rejectionOf(createRepo({ repo: "spaces/frugal/page", sdk: "static", accessToken: FREE_WRITE, hubUrl: target.url }))).statusCode).toBe(409);
  });

  it("the 409 has the recorded body and no X-Error-Message header", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const response = await callHub(target, "/api/repos/create", { method: "POST", body: { name: "proxy", organization: "alice", type: "space", sdk: "docker" } });
    expect(response.status).toBe(409);
    expect(response.headers.get("x-error-message")).toBeNull();
    expect(await response.json()).toEqual({ error: "You already created this space repo", url: `${target.url}/spaces/alice/proxy` });
  });

  it("accepts the legacy private flag, and needs sdk for a Space", async () => {
    const target = await startHub();
    const legacy = await callHub(target, "/api/repos/create", { method: "POST", body: { name: "old", type: "space", sdk: "docker", private: true } });
    expect(legacy.status).toBe(200);
    expect(target.space("alice/old").visibility).toBe("private");
    const withoutSdk = await callHub(target, "/api/repos/create", { method: "POST", body: { name: "nosdk", type: "space" } });
    expect(withoutSdk.status).toBe(400);
  });

  it("refuses a read token (403), another user's namespace (403), but lets org members create", async () => {
    const target = await startHub();
    expect((await rejectionOf(createRepo({ repo: "spaces/alice/proxy", sdk: "docker", accessToken: ALICE_READ, hubUrl: target.url }))).statusCode).toBe(403);
    expect((await rejectionOf(createRepo({ repo: "spaces/bob/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url }))).statusCode).toBe(403);
    await createRepo({ repo: "spaces/acme/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(target.space("acme/proxy").owner).toBe("acme");
  });

  it("a missing Space is 404 RepoNotFound, and repoExists reads it as false", async () => {
    const target = await startHub();
    const response = await callHub(target, "/api/spaces/alice/nothing");
    expect(response.status).toBe(404);
    expect(response.headers.get("x-error-code")).toBe("RepoNotFound");
    expect(await repoExists({ repo: "spaces/alice/nothing", accessToken: ALICE_WRITE, hubUrl: target.url })).toBe(false);
    seedProxySpace(target);
    expect(await repoExists({ repo: "spaces/alice/proxy", accessToken: ALICE_WRITE, hubUrl: target.url })).toBe(true);
  });

  it("a public Space and its runtime can be read without a token", async () => {
    const target = await startHub();
    target.seedSpace({ id: "bob/demo", visibility: "public", files: { "README.md": README, Dockerfile: DOCKERFILE } });
    const info = await spaceInfo({ name: "bob/demo", hubUrl: target.url });
    expect(info).toMatchObject({ name: "bob/demo", private: false });
    expect((await callHub(target, "/api/spaces/bob/demo/runtime", { token: null })).status).toBe(200);
    expect((await callHub(target, "/api/spaces/bob/demo/secrets", { token: null })).status).toBe(401);
    expect(target.findRequests({ pathPattern: /^\/api\/spaces\/bob\/demo/ }).every((request) => request.user === undefined)).toBe(true);
  });

  it("a private Space is 401 without a token, 404 for outsiders, and 403 when an outsider writes", async () => {
    const target = await startHub();
    seedProxySpace(target);
    expect((await callHub(target, "/api/spaces/alice/proxy", { token: null })).status).toBe(401);
    const outsiderRead = await callHub(target, "/api/spaces/alice/proxy", { token: BOB_WRITE });
    expect(outsiderRead.status).toBe(404);
    expect(outsiderRead.headers.get("x-error-code")).toBe("RepoNotFound");
    const outsiderWrite = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", token: BOB_WRITE, body: { key: "X", value: "y" } });
    expect(outsiderWrite.status).toBe(403);
  });

  it("deleteRepo removes the Space with a plain OK, and a second delete is 404", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const response = await callHub(target, "/api/repos/delete", { method: "DELETE", body: { name: "proxy", organization: "alice", type: "space" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("OK");
    seedProxySpace(target);
    await deleteRepo({ repo: "spaces/alice/proxy", accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(target.state.spaces.has("alice/proxy")).toBe(false);
    expect((await rejectionOf(deleteRepo({ repo: "spaces/alice/proxy", accessToken: ALICE_WRITE, hubUrl: target.url }))).statusCode).toBe(404);
  });
});

describe("visibility and write access", () => {
  it("PUT settings changes the visibility as update_repo_settings sends it, for members who can write", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const toPublic = await callHub(target, "/api/spaces/alice/proxy/settings", { method: "PUT", body: { visibility: "public" } });
    expect(toPublic.status).toBe(200);
    expect(target.space("alice/proxy").visibility).toBe("public");
    await callHub(target, "/api/spaces/alice/proxy/settings", { method: "PUT", body: { visibility: "protected" } });
    expect(target.space("alice/proxy").visibility).toBe("protected");
    // Protected keeps the files private: the info answers private, as for a private Space.
    expect(((await (await callHub(target, "/api/spaces/alice/proxy")).json()) as { private: boolean }).private).toBe(true);
    expect((await callHub(target, "/api/spaces/alice/proxy/settings", { method: "PUT", body: { visibility: "hidden" } })).status).toBe(400);
    expect((await callHub(target, "/api/spaces/alice/proxy/settings", { method: "PUT", body: {} })).status).toBe(400);
    expect((await callHub(target, "/api/spaces/alice/proxy/settings", { method: "PUT", token: ALICE_READ, body: { visibility: "public" } })).status).toBe(403);
    expect((await callHub(target, "/api/spaces/alice/nothing/settings", { method: "PUT", body: { visibility: "public" } })).status).toBe(404);
  });

  it("protected visibility needs a paid plan, on create and on settings", async () => {
    const target = await startHub();
    target.seedSpace({ id: "frugal/page", sdk: "static" });
    expect((await callHub(target, "/api/spaces/frugal/page/settings", { method: "PUT", token: FREE_WRITE, body: { visibility: "protected" } })).status).toBe(402);
    expect((await callHub(target, "/api/spaces/frugal/page/settings", { method: "PUT", token: FREE_WRITE, body: { visibility: "private" } })).status).toBe(200);
    const create = await callHub(target, "/api/repos/create", { method: "POST", token: FREE_WRITE, body: { name: "p2", type: "space", sdk: "static", visibility: "protected" } });
    expect(create.status).toBe(402);
  });

  it("auth-check/write answers 200 to whoever can write, 403 to a read token, a reader of the org or a fine-grained token without repo.write", async () => {
    const target = await startHub();
    target.addOrg({ name: "club", plan: "free", members: ["bob"], roles: { alice: "read" } });
    target.addToken("hf_alice_fine_acme", "alice", "fineGrained", { acme: ["repo.content.read", "repo.write"] });
    seedProxySpace(target);
    target.seedSpace({ id: "club/proxy", files: { "README.md": README, Dockerfile: DOCKERFILE } });
    target.seedSpace({ id: "acme/proxy", files: { "README.md": README, Dockerfile: DOCKERFILE } });
    const check = async (space: string, token: string, write = true) => (await callHub(target, `/api/spaces/${space}/auth-check${write ? "/write" : ""}`, { token })).status;
    expect(await check("alice/proxy", ALICE_WRITE)).toBe(200);
    expect(await check("alice/proxy", ALICE_READ)).toBe(403);
    expect(await check("alice/proxy", ALICE_READ, false)).toBe(200);
    expect(await check("club/proxy", BOB_WRITE)).toBe(200);
    expect(await check("club/proxy", ALICE_WRITE)).toBe(403);
    expect(await check("acme/proxy", "hf_alice_fine_acme")).toBe(200);
    expect(await check("alice/proxy", "hf_alice_fine_acme")).toBe(403);
    expect(await check("alice/missing", ALICE_WRITE)).toBe(404);
    // Writes follow the same rule.
    expect((await callHub(target, "/api/spaces/club/proxy/secrets", { method: "POST", token: ALICE_WRITE, body: { key: "K", value: "v" } })).status).toBe(403);
  });

  it("whoami-v2 lists a fine-grained token's scoped permissions and each org role", async () => {
    const target = await startHub();
    target.addOrg({ name: "club", plan: "free", roles: { alice: "read" } });
    target.addToken("hf_alice_fine", "alice", "fineGrained", { alice: ["repo.write"] });
    const response = await callHub(target, "/api/whoami-v2", { token: "hf_alice_fine" });
    const me = (await response.json()) as { orgs: { name: string; roleInOrg: string }[]; auth: { accessToken: { role: string; fineGrained: { scoped: { entity: { name: string; type: string }; permissions: string[] }[] } } } };
    expect(me.auth.accessToken.role).toBe("fineGrained");
    expect(me.auth.accessToken.fineGrained.scoped).toEqual([{ entity: expect.objectContaining({ name: "alice", type: "user" }), permissions: ["repo.write"] }]);
    expect(me.orgs.find((org) => org.name === "club")?.roleInOrg).toBe("read");
  });
});

describe("files and commits", () => {
  it("uploadFiles commits through preupload + NDJSON, moves HEAD and starts a build", async () => {
    const target = await startHub();
    await createRepo({ repo: "spaces/alice/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url });
    const before = target.space("alice/proxy").headSha;

    const output = await uploadFiles({
      repo: "spaces/alice/proxy",
      files: [
        { path: "Dockerfile", content: new Blob([DOCKERFILE]) },
        { path: "README.md", content: new Blob([README]) },
        { path: "config/proxy.yaml", content: new Blob(["model_list: []\n"]) },
      ],
      commitTitle: "Deploy the proxy",
      accessToken: ALICE_WRITE,
      hubUrl: target.url,
    });

    const space = target.space("alice/proxy");
    expect(output?.commit.oid).toBe(space.headSha);
    expect(space.headSha).not.toBe(before);
    expect(output?.commit.url).toBe(`${target.url}/spaces/alice/proxy/commit/${space.headSha}`);
    expect(space.commits.at(-1)).toMatchObject({ title: "Deploy the proxy", parentOid: before, author: "alice" });
    expect(space.files.get("config/proxy.yaml")?.toString()).toBe("model_list: []\n");
    expect(space.runtime.stage).toBe("BUILDING");
    expect(target.countRequests({ method: "POST", pathPattern: /\/preupload\/main$/ })).toBe(1);
    expect(target.countRequests({ isWrite: true, pathPattern: /\/commit\/main$/ })).toBe(1);
  });

  it("preupload reports the existing git blob SHA-1 and HEAD", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const response = await callHub(target, "/api/spaces/alice/proxy/preupload/main", {
      method: "POST",
      body: { files: [{ path: "Dockerfile", size: 10, sample: "" }, { path: "new.txt", size: 1, sample: "" }] },
    });
    expect(await response.json()).toEqual({
      files: [
        { path: "Dockerfile", uploadMode: "regular", shouldIgnore: false, oid: gitBlobSha1(DOCKERFILE) },
        { path: "new.txt", uploadMode: "regular", shouldIgnore: false },
      ],
      commitOid: target.space("alice/proxy").headSha,
    });
  });

  it("a stale parentCommit is a 412 and changes nothing; the current one commits", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const space = target.space("alice/proxy");
    const stale = space.headSha;
    target.commitAsSomeoneElse("alice/proxy", { "NOTES.md": "hello" });
    const head = space.headSha;

    const error = await rejectionOf(
      commit({ repo: "spaces/alice/proxy", title: "Update", parentCommit: stale, operations: [{ operation: "addOrUpdate", path: "a.txt", content: new Blob(["a"]) }], accessToken: ALICE_WRITE, hubUrl: target.url }),
    );
    expect(error.statusCode).toBe(412);
    expect(space.headSha).toBe(head);
    expect(space.files.has("a.txt")).toBe(false);

    await commit({ repo: "spaces/alice/proxy", title: "Update", parentCommit: head, operations: [{ operation: "delete", path: "NOTES.md" }], accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(space.files.has("NOTES.md")).toBe(false);
  });

  it("validates the NDJSON payload: summary required, deleting a missing file is EntryNotFound", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const withoutSummary = await postCommit(target, "alice/proxy", ndjson({ key: "header", value: { summary: "" } }));
    expect(withoutSummary.status).toBe(400);
    const missingFile = await postCommit(target, "alice/proxy", ndjson({ key: "header", value: { summary: "rm" } }, { key: "deletedFile", value: { path: "nope.txt" } }));
    expect(missingFile.status).toBe(404);
    expect(missingFile.headers.get("x-error-code")).toBe("EntryNotFound");
    const utf8 = await postCommit(target, "alice/proxy", ndjson({ key: "header", value: { summary: "add" } }, { key: "file", value: { path: "b.txt", content: Buffer.from("héllo").toString("base64"), encoding: "base64" } }));
    expect(await utf8.json()).toMatchObject({ success: true, hookOutput: "" });
    expect(target.space("alice/proxy").files.get("b.txt")?.toString()).toBe("héllo");
  });

  it("listFiles walks every page through the Link header, directories included", async () => {
    const target = await startHub({ treePageSize: 2 });
    target.seedSpace({ id: "alice/proxy", files: { "README.md": README, Dockerfile: DOCKERFILE, "config/a.yaml": "a", "config/nested/b.yaml": "bb" } });
    const entries = [];
    for await (const entry of listFiles({ repo: "spaces/alice/proxy", recursive: true, accessToken: ALICE_WRITE, hubUrl: target.url })) entries.push(entry);
    expect(entries.map((entry) => `${entry.type}:${entry.path}`)).toEqual([
      "file:Dockerfile",
      "file:README.md",
      "directory:config",
      "file:config/a.yaml",
      "directory:config/nested",
      "file:config/nested/b.yaml",
    ]);
    expect(entries.find((entry) => entry.path === "config/nested/b.yaml")).toMatchObject({ oid: gitBlobSha1("bb"), size: 2 });
    expect(target.countRequests({ pathPattern: /\/tree\/main$/ })).toBe(3);

    const firstPage = await callHub(target, "/api/spaces/alice/proxy/tree/main?recursive=true");
    expect(firstPage.headers.get("link")).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/api\/spaces\/alice\/proxy\/tree\/main\?recursive=true&cursor=[^>]+>; rel="next"$/);

    const shallow = [];
    for await (const entry of listFiles({ repo: "spaces/alice/proxy", path: "config", accessToken: ALICE_WRITE, hubUrl: target.url })) shallow.push(entry.path);
    expect(shallow).toEqual(["config/a.yaml", "config/nested"]);
  });

  it("downloadFile and fileExists work, with Range, Content-Range and ETag as the client needs", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const blob = await downloadFile({ repo: "spaces/alice/proxy", path: "Dockerfile", accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(await blob?.text()).toBe(DOCKERFILE);
    expect(await downloadFile({ repo: "spaces/alice/proxy", path: "missing.txt", accessToken: ALICE_WRITE, hubUrl: target.url })).toBeNull();
    expect(await fileExists({ repo: "spaces/alice/proxy", path: "README.md", accessToken: ALICE_WRITE, hubUrl: target.url })).toBe(true);
    expect(await fileExists({ repo: "spaces/alice/proxy", path: "missing.txt", accessToken: ALICE_WRITE, hubUrl: target.url })).toBe(false);

    const probe = await fetch(`${target.url}/spaces/alice/proxy/resolve/main/Dockerfile`, { headers: { Authorization: `Bearer ${ALICE_WRITE}`, Range: "bytes=0-0" } });
    expect(probe.status).toBe(206);
    expect(probe.headers.get("content-range")).toBe(`bytes 0-0/${Buffer.byteLength(DOCKERFILE)}`);
    expect(probe.headers.get("etag")).toBe(`"${gitBlobSha1(DOCKERFILE)}"`);
    expect(await probe.text()).toBe("F");
    const missing = await callHub(target, "/spaces/alice/proxy/resolve/main/missing.txt");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-code")).toBe("EntryNotFound");
  });

  it("older revisions stay readable by commit sha", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const first = target.space("alice/proxy").headSha;
    target.commitAsSomeoneElse("alice/proxy", { Dockerfile: "FROM scratch\n" });
    const old = await downloadFile({ repo: "spaces/alice/proxy", path: "Dockerfile", revision: first, accessToken: ALICE_WRITE, hubUrl: target.url });
    expect(await old?.text()).toBe(DOCKERFILE);
    const unknown = await callHub(target, "/api/spaces/alice/proxy/tree/0123456789abcdef");
    expect(unknown.headers.get("x-error-code")).toBe("RevisionNotFound");
  });
});

describe("secrets and variables", () => {
  it("secrets are added, overwritten, listed without values and deleted idempotently", async () => {
    const target = await startHub({ clock: () => Date.parse("2026-08-01T10:00:00Z") });
    seedProxySpace(target);
    const add = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", body: { key: "LITELLM_MASTER_KEY", value: "sk-1", description: "master key" } });
    expect(add.status).toBe(200);
    expect(await add.json()).toEqual({});
    await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", body: { key: "LITELLM_MASTER_KEY", value: "sk-2" } });
    expect(target.space("alice/proxy").secrets.get("LITELLM_MASTER_KEY")?.value).toBe("sk-2");

    const listed = await callHub(target, "/api/spaces/alice/proxy/secrets");
    const listedText = await listed.text();
    expect(JSON.parse(listedText)).toEqual({ LITELLM_MASTER_KEY: { updatedAt: "2026-08-01T10:00:00.000Z" } });
    expect(listedText).not.toContain("sk-2");

    for (const key of ["LITELLM_MASTER_KEY", "NEVER_SET"]) {
      const removed = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "DELETE", body: { key } });
      expect(removed.status).toBe(200);
      expect(await removed.json()).toEqual({});
    }
    expect(target.space("alice/proxy").secrets.size).toBe(0);
    expect(target.countRequests({ method: "POST", pathPattern: /\/secrets$/ })).toBe(2);
    expect(target.countRequests({ isWrite: true, pathPattern: /\/secrets$/ })).toBe(4);
  });

  it("rejects invalid key names (400) and read tokens (403)", async () => {
    const target = await startHub();
    seedProxySpace(target);
    for (const key of ["1ST", "HAS-DASH", "with space", ""]) {
      const response = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", body: { key, value: "v" } });
      expect(response.status, key).toBe(400);
    }
    const variable = await callHub(target, "/api/spaces/alice/proxy/variables", { method: "POST", body: { key: "9LIVES", value: "v" } });
    expect(variable.status).toBe(400);
    const readToken = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", token: ALICE_READ, body: { key: "OK_KEY", value: "v" } });
    expect(readToken.status).toBe(403);
  });

  it("every variables call answers with the whole map", async () => {
    const target = await startHub({ clock: () => Date.parse("2026-08-01T10:00:00Z") });
    seedProxySpace(target);
    const afterAdd = await callHub(target, "/api/spaces/alice/proxy/variables", { method: "POST", body: { key: "PORT", value: "4000", description: "app port" } });
    expect(await afterAdd.json()).toEqual({ PORT: { value: "4000", description: "app port", updatedAt: "2026-08-01T10:00:00.000Z" } });
    await callHub(target, "/api/spaces/alice/proxy/variables", { method: "POST", body: { key: "LOG_LEVEL", value: "INFO" } });
    const afterDelete = await callHub(target, "/api/spaces/alice/proxy/variables", { method: "DELETE", body: { key: "PORT" } });
    expect(Object.keys((await afterDelete.json()) as object)).toEqual(["LOG_LEVEL"]);
    expect(await (await callHub(target, "/api/spaces/alice/proxy/variables")).json()).toEqual({ LOG_LEVEL: { value: "INFO", updatedAt: "2026-08-01T10:00:00.000Z" } });
  });
});

describe("runtime", () => {
  async function deploy(target: FakeHub): Promise<void> {
    await createRepo({ repo: "spaces/alice/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url });
    await uploadFiles({ repo: "spaces/alice/proxy", files: [{ path: "Dockerfile", content: new Blob([DOCKERFILE]) }, { path: "README.md", content: new Blob([README]) }], accessToken: ALICE_WRITE, hubUrl: target.url });
  }

  it("a polling client sees BUILDING, APP_STARTING, then RUNNING with its domain", async () => {
    const target = await startHub();
    await deploy(target);
    const first = await runtimeStage(target, "alice/proxy");
    // As recorded: the Space's own domain is READY while the first build is still running.
    expect(first).toMatchObject({ stage: "BUILDING", replicas: { requested: 1 }, domains: [{ domain: "alice-proxy.hf.space", stage: "READY" }] });
    expect(first).not.toHaveProperty("replicas.current");
    expect(first.domains?.[0]).not.toHaveProperty("isCustom");
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("APP_STARTING");
    const running = await runtimeStage(target, "alice/proxy");
    expect(running).toMatchObject({ stage: "RUNNING", hardware: { current: "cpu-basic", requested: "cpu-basic" }, replicas: { current: 1, requested: 1 }, gcTimeout: 172800, domains: [{ domain: "alice-proxy.hf.space", stage: "READY" }] });
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("RUNNING");
  });

  it("advances by elapsed clock time when buildStageMs is set", async () => {
    let now = Date.parse("2026-08-01T10:00:00Z");
    const target = await startHub({ buildStageMs: 1000, clock: () => now });
    await deploy(target);
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("BUILDING");
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("BUILDING");
    now += 1000;
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("APP_STARTING");
    now += 5000;
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("RUNNING");
  });

  it("rebuilds of a running Space can go through RUNNING_BUILDING", async () => {
    const target = await startHub({ rebuildWhileRunning: true });
    seedProxySpace(target);
    const restart = await callHub(target, "/api/spaces/alice/proxy/restart", { method: "POST" });
    expect(((await restart.json()) as { stage: string }).stage).toBe("RUNNING_BUILDING");
    expect(target.advanceBuild("alice/proxy", 1)).toBe("RUNNING_APP_STARTING");
    expect(target.advanceBuild("alice/proxy")).toBe("RUNNING");
  });

  it.each([
    { stage: "BUILD_ERROR", seen: ["BUILDING", "BUILD_ERROR"] },
    { stage: "RUNTIME_ERROR", seen: ["BUILDING", "APP_STARTING", "RUNTIME_ERROR"] },
    { stage: "CONFIG_ERROR", seen: ["CONFIG_ERROR"] },
  ] as const)("an injected $stage ends the next build with its errorMessage", async ({ stage, seen }) => {
    const target = await startHub();
    target.failNextBuild({ stage, errorMessage: `boom: ${stage}` }, "alice/proxy");
    await deploy(target);
    const stages = [];
    for (const _ of seen) stages.push(await runtimeStage(target, "alice/proxy"));
    expect(stages.map((runtime) => runtime.stage)).toEqual(seen);
    expect(stages.at(-1)?.errorMessage).toBe(`boom: ${stage}`);

    const logs = await callHub(target, `/api/spaces/alice/proxy/logs/${stage === "RUNTIME_ERROR" ? "run" : "build"}`);
    expect(logs.headers.get("content-type")).toBe("text/event-stream");
    if (stage !== "CONFIG_ERROR") expect(await logs.text()).toContain(`boom: ${stage}`);

    // The failure was one-shot: a restart builds cleanly.
    await callHub(target, "/api/spaces/alice/proxy/restart?factory=true", { method: "POST" });
    expect(target.advanceBuild("alice/proxy")).toBe("RUNNING");
  });

  it("a README without front matter is a CONFIG_ERROR and a Docker Space without Dockerfile is NO_APP_FILE", async () => {
    const target = await startHub();
    seedProxySpace(target);
    await postCommit(target, "alice/proxy", ndjson({ key: "header", value: { summary: "break" } }, { key: "file", value: { path: "README.md", content: Buffer.from("no front matter").toString("base64"), encoding: "base64" } }));
    expect(await runtimeStage(target, "alice/proxy")).toMatchObject({ stage: "CONFIG_ERROR", errorMessage: "Missing configuration in README" });
    await postCommit(target, "alice/proxy", ndjson({ key: "header", value: { summary: "fix" } }, { key: "file", value: { path: "README.md", content: Buffer.from(README).toString("base64"), encoding: "base64" } }, { key: "deletedFile", value: { path: "Dockerfile" } }));
    expect((await runtimeStage(target, "alice/proxy")).stage).toBe("NO_APP_FILE");
  });

  it("a custom domain is listed before the Space's own domain, marked isCustom", async () => {
    const target = await startHub();
    seedProxySpace(target);
    target.addCustomDomain("alice/proxy", "llm.example.com", "PENDING");
    expect((await runtimeStage(target, "alice/proxy")).domains).toEqual([
      { domain: "llm.example.com", isCustom: true, stage: "PENDING" },
      { domain: "alice-proxy.hf.space", stage: "READY" },
    ]);
  });

  it("logs are server-sent events with one data line per log line", async () => {
    const target = await startHub();
    await deploy(target);
    target.advanceBuild("alice/proxy");
    const run = await (await callHub(target, "/api/spaces/alice/proxy/logs/run")).text();
    const events = run.split("\n\n").filter(Boolean);
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) expect(JSON.parse(event.replace(/^data: /, ""))).toMatchObject({ data: expect.any(String), timestamp: expect.any(String) });
  });

  it("hardware, sleep time and pause answer with the runtime", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const sleep = await callHub(target, "/api/spaces/alice/proxy/sleeptime", { method: "POST", body: { seconds: -1 } });
    expect(await sleep.json()).toMatchObject({ stage: "RUNNING", gcTimeout: -1 });
    expect((await callHub(target, "/api/spaces/alice/proxy/sleeptime", { method: "POST", body: { seconds: 0 } })).status).toBe(400);

    const hardware = await callHub(target, "/api/spaces/alice/proxy/hardware", { method: "POST", body: { flavor: "cpu-upgrade" } });
    expect(await hardware.json()).toMatchObject({ stage: "BUILDING", hardware: { current: "cpu-basic", requested: "cpu-upgrade" } });
    expect(target.advanceBuild("alice/proxy")).toBe("RUNNING");
    expect(target.space("alice/proxy").runtime.hardware.current).toBe("cpu-upgrade");
    expect((await callHub(target, "/api/spaces/alice/proxy/hardware", { method: "POST", body: { flavor: "quantum" } })).status).toBe(400);

    const paused = await callHub(target, "/api/spaces/alice/proxy/pause", { method: "POST" });
    expect(await paused.json()).toMatchObject({ stage: "PAUSED", hardware: { current: null } });
    const restarted = await callHub(target, "/api/spaces/alice/proxy/restart", { method: "POST" });
    expect(((await restarted.json()) as { stage: string }).stage).toBe("BUILDING");
  });
});

describe("fault injection", () => {
  it("a 429 carries RateLimit and Retry-After, counts in the log, and is one-shot", async () => {
    const target = await startHub();
    seedProxySpace(target);
    target.injectFault({ kind: "rateLimit", resetSeconds: 55, retryAfterSeconds: 55 }, { method: "POST", pathPattern: /\/secrets$/ });
    const limited = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", body: { key: "A", value: "1" } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("ratelimit")).toBe('"api";r=0;t=55');
    expect(limited.headers.get("retry-after")).toBe("55");
    expect(target.space("alice/proxy").secrets.has("A")).toBe(false);
    const retried = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", body: { key: "A", value: "1" } });
    expect(retried.status).toBe(200);
    expect(target.countRequests({ method: "POST", pathPattern: /\/secrets$/ })).toBe(2);
    expect(target.findRequests({ status: 429 })).toMatchObject([{ fault: "rateLimit", isWrite: true }]);
  });

  it("the client surfaces a 429 as HubApiError and does not retry it", async () => {
    const target = await startHub();
    target.injectFault({ kind: "rateLimit" }, { pathPattern: /\/repos\/create$/ });
    expect((await rejectionOf(createRepo({ repo: "spaces/alice/proxy", sdk: "docker", accessToken: ALICE_WRITE, hubUrl: target.url }))).statusCode).toBe(429);
    expect(target.countRequests({ pathPattern: /\/repos\/create$/ })).toBe(1);
  });

  it.each([500, 502, 503] as const)("server error %i", async (status) => {
    const target = await startHub();
    target.injectFault({ kind: "serverError", status });
    const response = await callHub(target, "/api/whoami-v2");
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(status === 500 ? /^application\/json/ : /^text\/html/);
    expect((await callHub(target, "/api/whoami-v2")).status).toBe(200);
  });

  it("a slow answer lets a client timeout fire, while the write still lands", async () => {
    const target = await startHub();
    seedProxySpace(target);
    target.injectFault({ kind: "slowResponse", delayMs: 150 }, { pathPattern: /\/variables$/ });
    const call = callHub(target, "/api/spaces/alice/proxy/variables", { method: "POST", body: { key: "SLOW", value: "1" }, signal: AbortSignal.timeout(30) });
    await expect(call).rejects.toThrow(/abort|timeout/i);
    expect(target.space("alice/proxy").variables.has("SLOW")).toBe(false);
    await vi.waitFor(() => expect(target.findRequests({ pathPattern: /\/variables$/ })).toMatchObject([{ status: 200, fault: "slowResponse" }]), { timeout: 2000, interval: 10 });
    expect(target.space("alice/proxy").variables.has("SLOW")).toBe(true);
  });

  it("headMoved answers a commit with 412 after someone else's commit moved HEAD", async () => {
    const target = await startHub();
    seedProxySpace(target);
    const space = target.space("alice/proxy");
    const head = space.headSha;
    target.injectFault({ kind: "headMoved" }, { pathPattern: /\/commit\/main$/ });
    const error = await rejectionOf(uploadFiles({ repo: "spaces/alice/proxy", files: [{ path: "a.txt", content: new Blob(["a"]) }], accessToken: ALICE_WRITE, hubUrl: target.url }));
    expect(error.statusCode).toBe(412);
    expect(space.headSha).not.toBe(head);
    expect(space.commits.at(-1)?.author).toBe("someone-else");
    const preupload = await callHub(target, "/api/spaces/alice/proxy/preupload/main", { method: "POST", body: { files: [] } });
    expect(((await preupload.json()) as { commitOid: string }).commitOid).toBe(space.headSha);
  });

  it("conflictingOperation is a 409 with the Hub's message", async () => {
    const target = await startHub();
    seedProxySpace(target);
    target.injectFault({ kind: "conflictingOperation" }, { method: "POST", pathPattern: /\/restart$/ });
    const response = await callHub(target, "/api/spaces/alice/proxy/restart", { method: "POST" });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: "Cannot create repo: another conflicting operation is in progress" });
  });

  it("dropConnection makes fetch fail like a network error, and is logged without a status", async () => {
    const target = await startHub();
    target.injectFault({ kind: "dropConnection" }, { pathPattern: /whoami/ });
    await expect(whoAmI({ accessToken: ALICE_WRITE, hubUrl: target.url })).rejects.toThrow(/fetch failed/);
    expect(target.findRequests({ pathPattern: /whoami/ })).toMatchObject([{ status: null, fault: "dropConnection" }]);
    expect((await whoAmI({ accessToken: ALICE_WRITE, hubUrl: target.url })).name).toBe("alice");
  });

  it("echoRequest answers with the whole request quoted, headers included (a stand-in, not a Hub behaviour)", async () => {
    const target = await startHub();
    target.injectFault({ kind: "echoRequest" }, { pathPattern: /\/secrets$/ });
    const response = await callHub(target, "/api/spaces/alice/proxy/secrets", { method: "POST", body: { key: "K", value: "secret-value" } });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain(ALICE_WRITE);
    expect(text).toContain("secret-value");
  });

  it("a recurring fault hits every N-th matching request", async () => {
    const target = await startHub();
    target.injectRecurringFault({ kind: "serverError", status: 503 }, { every: 3, pathPattern: /whoami/ });
    const statuses = [];
    for (let call = 0; call < 6; call++) statuses.push((await callHub(target, "/api/whoami-v2")).status);
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
    target.clearFaults();
    expect((await callHub(target, "/api/whoami-v2")).status).toBe(200);
  });
});

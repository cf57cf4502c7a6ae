/**
 * The Hub client on its own, against the fake Hub: timeouts, retries and the errors it raises.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHubClient, isHubError } from "../../components/hfspaces/hub";
import { changedFiles, deriveSubdomain, gitBlobSha1, renderDockerfile, renderSpaceReadme, SPACE_APP_PORT } from "../../components/hfspaces/spaceFiles";
import { FakeHub, gitBlobSha1 as fakeHubBlobSha1, startFakeHub } from "../fakes/huggingFaceHub";

const TOKEN = "hf_clienttesttoken00000000000000000";
let hub: FakeHub;

beforeEach(async () => {
    hub = await startFakeHub({ users: [{ name: "alice", plan: "pro", tokens: [{ token: TOKEN, role: "write" }] }] });
    hub.seedSpace({ id: "alice/demo", sdk: "docker", secrets: { A: "1" } });
});

afterEach(async () => {
    await hub.close();
});

const client = (options: Partial<Parameters<typeof createHubClient>[0]> = {}) =>
    createHubClient({ endpoint: hub.url, token: TOKEN, retryBaseDelayMs: 20, ...options });

describe("the Hub client", () => {
    it("gives up on a slow answer after its timeout, then retries", async () => {
        hub.injectFault({ kind: "slowResponse", delayMs: 1500 }, { method: "GET", pathPattern: /\/secrets$/ });
        const started = Date.now();
        expect(Object.keys(await client({ requestTimeoutMs: 300 }).listSecrets("alice/demo"))).toEqual(["A"]);
        expect(Date.now() - started).toBeLessThan(1400);
        expect(hub.countRequests({ method: "GET", pathPattern: /\/secrets$/ })).toBe(2);
    });

    it("reports a timeout in words when every attempt times out", async () => {
        hub.injectRecurringFault({ kind: "slowResponse", delayMs: 1000 }, { every: 1, pathPattern: /\/runtime$/ });
        const error = await client({ requestTimeoutMs: 100, maxRetries: 1 })
            .runtime("alice/demo")
            .catch((e: unknown) => e);
        expect(isHubError(error)).toBe(true);
        expect(String((error as Error).message)).toMatch(/no answer within 100 ms \(after 2 attempts\)/);
    });

    it("waits as long as the RateLimit header asks when there is no Retry-After", async () => {
        hub.injectFault({ kind: "rateLimit", resetSeconds: 1 }, { pathPattern: /\/variables$/ });
        const started = Date.now();
        await client().listVariables("alice/demo");
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        expect(hub.countRequests({ status: 429 })).toBe(1);
    });

    it("does not wait longer than it is allowed to: the 429 surfaces as an error", async () => {
        hub.injectFault({ kind: "rateLimit", resetSeconds: 55, retryAfterSeconds: 55 }, { pathPattern: /\/variables$/ });
        const error = await client({ maxRetryWaitMs: 5000 })
            .listVariables("alice/demo")
            .catch((e: unknown) => e);
        expect(isHubError(error, 429)).toBe(true);
    });

    it("gives up on persistent server errors with the status, and never shows the token", async () => {
        hub.injectRecurringFault({ kind: "serverError", status: 500 }, { every: 1, pathPattern: /\/secrets$/ });
        const error = (await client({ maxRetries: 2 })
            .putSecret("alice/demo", "B", "value")
            .catch((e: unknown) => e)) as Error;
        expect(error.message).toMatch(/writing secret B of Space alice\/demo failed \(HTTP 500\)/);
        expect(error.message).not.toContain(TOKEN);
        expect(hub.countRequests({ method: "POST", pathPattern: /\/secrets$/ })).toBe(3);
    });

    it("does not retry what will not change: a 403", async () => {
        hub.addUser({ name: "bob", plan: "pro", tokens: [{ token: "hf_bobwrite000000000000000000000000", role: "write" }] });
        const error = await createHubClient({ endpoint: hub.url, token: "hf_bobwrite000000000000000000000000" })
            .putSecret("alice/demo", "B", "value")
            .catch((e: unknown) => e);
        expect(isHubError(error, 403)).toBe(true);
        expect(hub.countRequests({ method: "POST" })).toBe(1);
    });

    it("tells an existing Space apart from a created one, and a missing Space from an error", async () => {
        expect(await client().createSpace("alice/demo", "public")).toBe("exists");
        expect(await client().createSpace("alice/new", "public")).toBe("created");
        expect(await client().spaceInfo("alice/missing")).toBeUndefined();
    });

    it("reads every file's blob SHA-1 across pages of the tree listing", async () => {
        await hub.close();
        hub = await startFakeHub({ users: [{ name: "alice", plan: "pro", tokens: [{ token: TOKEN, role: "write" }] }], treePageSize: 2 });
        hub.seedSpace({ id: "alice/demo", sdk: "docker", files: { "a.txt": "a", "b.txt": "b", "c/d.txt": "d", "Dockerfile": "FROM x" } });
        const oids = await client().fileOids("alice/demo");
        expect(oids["c/d.txt"]).toBe(gitBlobSha1("d"));
        expect(oids.Dockerfile).toBe(gitBlobSha1("FROM x"));
    });
});

describe("creating a Space that may already exist (huggingface_hub create_repo since PR #4539)", () => {
    const FREE = "hf_frugalwrite0000000000000000000";
    beforeEach(() => {
        hub.addUser({ name: "frugal", plan: "free", tokens: [{ token: FREE, role: "write" }] });
        hub.addOrg({ name: "club", plan: "free", members: ["frugal"], roles: { alice: "read" } });
    });

    it("adopts it after a 402 when the Space is there and the token can write to it", async () => {
        hub.seedSpace({ id: "frugal/proxy", files: { Dockerfile: "FROM x" } });
        expect(await createHubClient({ endpoint: hub.url, token: FREE }).createSpace("frugal/proxy", "public")).toBe("exists");
        expect(hub.findRequests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
            "POST /api/repos/create 402",
            "GET /api/spaces/frugal/proxy 200",
            "GET /api/spaces/frugal/proxy/auth-check/write 200",
        ]);
    });

    it("says it exists but cannot be written to when the write check refuses the token", async () => {
        hub.seedSpace({ id: "club/proxy", files: { Dockerfile: "FROM x" } });
        expect(await client().createSpace("club/proxy", "public")).toBe("exists-read-only");
    });

    it("keeps the 402 when there is no such Space", async () => {
        const error = await createHubClient({ endpoint: hub.url, token: FREE })
            .createSpace("frugal/proxy", "public")
            .catch((e: unknown) => e);
        expect(isHubError(error, 402)).toBe(true);
        expect(hub.countRequests({ pathPattern: /auth-check/ })).toBe(0);
    });
});

describe("redaction: no error of the client shows the token or a secret it was given", () => {
    const fragments = (value: string) => [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), ...value.split(/[\u0000-\u001f\u007f\s]+/).filter((piece) => piece.length >= 4)];
    const expectNoneOf = (message: string, values: string[]) => {
        for (const value of values) {
            for (const fragment of fragments(value)) {
                expect(message, `"${JSON.stringify(fragment)}" in: ${message}`).not.toContain(fragment);
            }
        }
    };

    it.each([
        ["a newline", "hf_tokenwithnewline\nafterthebreak0000"],
        ["a carriage return", "hf_tokenwithreturn\rafterthebreak00000"],
        ["a NUL", "hf_tokenwithnul\u0000afterthenul00000000"],
        ["a DEL", "hf_tokenwithdel\u007fafterthedel00000000"],
        ["another control character", "hf_tokenwithsoh\u0001afterthesoh00000000"],
    ])("a token with %s: fetch refuses the header, the error names the cause, not the token, and nothing is retried", async (_, token) => {
        hub.addToken(token.trim(), "alice", "write");
        const hubClient = createHubClient({ endpoint: hub.url, token, retryBaseDelayMs: 20 });
        for (const call of [() => hubClient.listSecrets("alice/demo"), () => hubClient.whoAmI(), () => hubClient.putSecret("alice/demo", "K", "v")]) {
            const error = (await call().catch((e: unknown) => e)) as Error;
            expect(isHubError(error)).toBe(true);
            expectNoneOf(error.message, [token]);
            expectNoneOf(error.stack ?? "", [token]);
            expect(error.message).toMatch(/hfToken contains a character[\s\S]*pulumi config set --secret hfToken/);
        }
        expect(hub.countRequests()).toBe(0);
    });

    it("a token with only a trailing newline (what `< file` can leave) works: fetch trims header values", async () => {
        expect(Object.keys(await client({ token: `${TOKEN}\n` }).listSecrets("alice/demo"))).toEqual(["A"]);
    });

    it("a token with a space reaches the Hub, which refuses it; the error does not show it", async () => {
        const token = "hf_token with space 000000000000000";
        const error = (await createHubClient({ endpoint: hub.url, token }).listSecrets("alice/demo").catch((e: unknown) => e)) as Error;
        expect(isHubError(error, 401)).toBe(true);
        expectNoneOf(error.message, [token]);
    });

    it("secret values with control characters stay out of errors, whatever the answer quotes", async () => {
        const secrets = ["sk-secret\nwith-a-newline-000000", "pw\u0000nul-inside-the-value", "tab\tseparated\tsecret-value", "ends-with-newline-secret\n"];
        const hubClient = client({ maxRetries: 0 });
        for (const secret of secrets) {
            hub.injectFault({ kind: "echoRequest" }, { method: "POST", pathPattern: /\/secrets$/ });
            const error = (await hubClient.putSecret("alice/demo", "DB_PASSWORD", secret).catch((e: unknown) => e)) as Error;
            expect(isHubError(error, 400)).toBe(true);
            expect(error.message).toContain("writing secret DB_PASSWORD of Space alice/demo failed (HTTP 400)");
            expectNoneOf(error.message, [TOKEN, secret]);
        }
        // Later errors of the same client still hide every secret it was given.
        hub.injectFault({ kind: "echoRequest", status: 500 }, { pathPattern: /\/variables$/ });
        const later = (await hubClient.listVariables("alice/demo").catch((e: unknown) => e)) as Error;
        expectNoneOf(later.message, [TOKEN, ...secrets]);
    });

    it("errors raised through @huggingface/hub (whoami, commit, create) are redacted too", async () => {
        const hubClient = client({ maxRetries: 0 });
        hub.injectFault({ kind: "echoRequest" }, { pathPattern: /whoami-v2$/ });
        const whoami = (await hubClient.whoAmI().catch((e: unknown) => e)) as Error;
        expect(isHubError(whoami, 400)).toBe(true);
        expectNoneOf(whoami.message, [TOKEN]);

        hub.injectFault({ kind: "echoRequest" }, { pathPattern: /\/commit\// });
        const commit = (await hubClient.commitFiles("alice/demo", { "config.yaml": "x: 1\n" }, undefined, "Update").catch((e: unknown) => e)) as Error;
        expect(isHubError(commit, 400)).toBe(true);
        expectNoneOf(commit.message, [TOKEN]);

        hub.injectFault({ kind: "echoRequest", status: 403 }, { pathPattern: /\/repos\/create$/ });
        const create = (await hubClient.createSpace("alice/other", "public").catch((e: unknown) => e)) as Error;
        expectNoneOf(create.message, [TOKEN]);
    });
});

describe("Space files", () => {
    it("hash content as git does (git hash-object)", () => {
        const directory = mkdtempSync(join(tmpdir(), "blob-"));
        const content = "model_list: []\nunicode: é ✓\n";
        writeFileSync(join(directory, "f"), content);
        const expected = execFileSync("git", ["hash-object", join(directory, "f")]).toString().trim();
        expect(gitBlobSha1(content)).toBe(expected);
        expect(fakeHubBlobSha1(content)).toBe(expected);
    });

    it("commit only what differs from the Space", () => {
        const desired = { Dockerfile: "FROM a", "config.yaml": "x: 1\n", "README.md": "r" };
        const remote = { Dockerfile: gitBlobSha1("FROM a"), "config.yaml": gitBlobSha1("x: 2\n") };
        expect(changedFiles(desired, remote)).toEqual(["README.md", "config.yaml"]);
        expect(changedFiles(desired, { Dockerfile: gitBlobSha1("FROM a"), "config.yaml": gitBlobSha1("x: 1\n"), "README.md": gitBlobSha1("r") })).toEqual([]);
    });

    it("derive the app's subdomain as the Hub does", () => {
        expect(deriveSubdomain("Alice", "aiterm_LiteLLM.v2")).toBe("alice-aiterm-litellm-v2");
    });

    it("agree on the port: Dockerfile EXPOSE and CMD, README app_port", () => {
        expect(renderDockerfile("img@sha256:" + "a".repeat(64))).toContain(`EXPOSE ${SPACE_APP_PORT}`);
        expect(renderSpaceReadme({ title: "t", appPort: SPACE_APP_PORT })).toMatch(new RegExp(`^app_port: ${SPACE_APP_PORT}$`, "m"));
        expect(renderSpaceReadme({ title: "t", appPort: SPACE_APP_PORT })).toMatch(/^sdk: docker$/m);
    });
});

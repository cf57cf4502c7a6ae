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

/**
 * The LiteLLM admin-API client on its own (components/litellm/adminClient.ts): readiness in both
 * body shapes, the key hash from both /key/generate shapes, and that no error it raises carries a
 * secret it knows, including the errors fetch itself throws.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
    adminConnection,
    callAdminApi,
    generateKey,
    hashOfKey,
    headerValueProblem,
    issuedKeyHash,
    readinessDetails,
    redactSecrets,
    waitUntilReady,
} from "../../../components/litellm/adminClient";
import { hashKey, startFakeLiteLLM, type FakeLiteLLM } from "../../fakes/litellmKeyApi";

const MASTER_KEY = "sk-admin-client-master-0123456789";
const RAW_KEY = "sk-raw-virtual-key-abcdefghijklmnop";

let fakes: FakeLiteLLM[] = [];
let servers: Server[] = [];

afterEach(async () => {
    vi.unstubAllGlobals();
    await Promise.all(fakes.map((fake) => fake.close()));
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    fakes = [];
    servers = [];
});

async function fake(options: Partial<Parameters<typeof startFakeLiteLLM>[0]> = {}): Promise<FakeLiteLLM> {
    const started = await startFakeLiteLLM({ masterKey: MASTER_KEY, ...options });
    fakes.push(started);
    return started;
}

/** A server that answers every request with the status and a body quoting the request's Authorization header. */
async function echoingServer(status: number): Promise<string> {
    const server = createServer((req, res) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { message: `bad request from ${req.headers.authorization} for ${RAW_KEY}` } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected the promise to reject");
}

describe("redaction", () => {
    it("removes a master key with a line break from Node's own fetch error, every piece of it", async () => {
        const masterKey = "sk-first-half-0123\nsecond-half-4567";
        // What Node 20's fetch throws for such a header: it quotes the value.
        const thrown = await rejection(fetch("http://127.0.0.1:9/", { headers: { Authorization: `Bearer ${masterKey}` } }));
        expect(thrown.message).toContain("second-half-4567");

        const redacted = redactSecrets(thrown.message, [masterKey]);
        expect(redacted).toContain("[redacted]");
        expect(redacted).not.toMatch(/first-half|second-half|0123|4567/);
        expect(redactSecrets(JSON.stringify({ m: masterKey }), [masterKey])).not.toMatch(/half/);
        expect(redactSecrets(`?key=${encodeURIComponent(masterKey)}`, [masterKey])).not.toMatch(/half/);
    });

    it("refuses to send a master key that fetch would quote in its error, without calling the proxy or showing the key", async () => {
        const proxy = await fake();
        const masterKey = "sk-newline-in-the-key\nrest-of-the-key";
        const conn = adminConnection({ proxyUrl: proxy.url, masterKey });

        const error = await rejection(generateKey(conn, { key_alias: "x" }));

        expect(error.message).toContain("contains a line break, so it cannot be sent in an HTTP header");
        expect(error.message).not.toMatch(/newline-in|rest-of/);
        expect(proxy.requests).toHaveLength(0);
        expect(headerValueProblem("sk-€")).toBe("contains a character beyond Latin-1");
        expect(headerValueProblem(MASTER_KEY)).toBeUndefined();
    });

    it("removes the master key and raw keys from errors fetch throws, message and cause alike", async () => {
        vi.stubGlobal("fetch", async () => {
            const error = new TypeError(`fetch failed for Bearer ${MASTER_KEY}`) as TypeError & { cause?: unknown };
            error.cause = { code: "UND_ERR_SOCKET", message: `socket closed while sending ${RAW_KEY}` };
            throw error;
        });
        const conn = adminConnection({ proxyUrl: "http://127.0.0.1:9", masterKey: MASTER_KEY, secrets: [RAW_KEY], requestTimeoutSeconds: 1 });

        const error = await rejection(callAdminApi(conn, "GET", `/key/info?key=${RAW_KEY}`));

        expect(error.message).toContain("Could not reach the LiteLLM proxy at http://127.0.0.1:9 (GET /key/info)");
        expect(error.message).toContain("UND_ERR_SOCKET");
        expect(error.message).not.toContain(MASTER_KEY);
        expect(error.message).not.toContain(RAW_KEY);
        expect(error.message).not.toContain("sk-admin");
    });

    it("removes them from what the proxy answers, also a proxy that echoes the request", async () => {
        const url = await echoingServer(400);
        const conn = adminConnection({ proxyUrl: url, masterKey: MASTER_KEY, secrets: [RAW_KEY] });

        const answer = await callAdminApi(conn, "POST", "/key/update", { key: RAW_KEY });

        expect(answer.status).toBe(400);
        expect(answer.message).toContain("bad request from Bearer [redacted]");
        expect(answer.message).not.toContain(MASTER_KEY);
        expect(answer.message).not.toContain(RAW_KEY);
    });

    it("says the master key was rejected on 401, without the key or its echo", async () => {
        const url = await echoingServer(401);
        const error = await rejection(callAdminApi(adminConnection({ proxyUrl: url, masterKey: MASTER_KEY }), "GET", "/key/info?key=abc"));
        expect(error.message).toContain("rejected the master key (HTTP 401 on GET /key/info)");
        expect(error.message).not.toContain(MASTER_KEY);
        expect(error.message).not.toContain("key=abc");
    });
});

describe("readiness", () => {
    it("waits for 200 on the current low-detail body, which has no db field", async () => {
        const proxy = await fake({ notReady: 2 });
        expect(await waitUntilReady(adminConnection({ proxyUrl: proxy.url, masterKey: MASTER_KEY, readyTimeoutSeconds: 5 }))).toEqual({ db: undefined });
        expect(proxy.requests.filter((r) => r.path === "/health/readiness").map((r) => r.status)).toEqual([503, 503, 200]);
    });

    it("reads db from the older detailed body", async () => {
        const proxy = await fake({ readinessShape: "detailed" });
        expect(await waitUntilReady(adminConnection({ proxyUrl: proxy.url, masterKey: MASTER_KEY }))).toEqual({ db: "connected" });
    });

    it("gets the details from the authenticated endpoint", async () => {
        const proxy = await fake();
        const answer = await readinessDetails(adminConnection({ proxyUrl: proxy.url, masterKey: MASTER_KEY }));
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ status: "healthy", db: "connected", litellm_version: "fake" });
        expect(proxy.requests.at(-1)?.authorization).toBe(`Bearer ${MASTER_KEY}`);
    });
});

describe("the hash of an issued key", () => {
    it("comes from token_id or token only when it is a hash, never the raw key", async () => {
        const hash = hashKey(RAW_KEY);
        expect(await hashOfKey(RAW_KEY)).toBe(hash);
        expect(await issuedKeyHash({ key: RAW_KEY, token: hash, token_id: hash }, RAW_KEY)).toBe(hash); // LiteLLM 1.104
        expect(await issuedKeyHash({ key: RAW_KEY, token: RAW_KEY, token_id: hash }, RAW_KEY)).toBe(hash); // before the remap
        expect(await issuedKeyHash({ key: RAW_KEY, token: RAW_KEY }, RAW_KEY)).toBe(hash); // no token_id
        expect(await issuedKeyHash({ key: RAW_KEY, token: hash }, RAW_KEY)).toBe(hash); // token only
        // a raw key that happens to look like a hash is still never taken for it
        const hexKey = "a".repeat(64);
        expect(await issuedKeyHash({ key: hexKey, token: hexKey }, hexKey)).toBe(hashKey(hexKey));
    });
});

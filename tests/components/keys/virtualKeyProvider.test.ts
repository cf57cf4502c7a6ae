/**
 * The virtual key provider against a fake of LiteLLM's key API: what `pulumi up`, `refresh` and
 * `destroy` do to a key, what they do when the proxy is slow, gone or holds another master key,
 * and that the provider survives the trip to the engine (closure serialization).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ReadResponse } from "@pulumi/pulumi/proto/provider_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { liteLLMErrorMessage } from "../../../components/litellm/adminClient";
import {
    changedKeyFields,
    diffVirtualKey,
    updateBody,
    validateVirtualKeyInputs,
    virtualKeyProvider,
    type VirtualKeyInputs,
    type VirtualKeyOutputs,
} from "../../../components/keys/virtualKeyProvider";
import { hashKey, reservePort, startFakeLiteLLM, type FakeLiteLLM, type FakeLiteLLMOptions } from "../../fakes/litellmKeyApi";
import { DynamicEngine } from "../../support/dynamicEngine";
import { loadModuleNatively } from "../../support/nativeProgram";
import { installMocks, isSecretValue, reveal, valueOf } from "../../support/pulumiMocks";

const MASTER_KEY = "sk-master-0123456789abcdefghij";
const provider = virtualKeyProvider as Required<pulumi.dynamic.ResourceProvider<VirtualKeyInputs, VirtualKeyOutputs>>;
const projectRequire = createRequire(join(process.cwd(), "package.json"));

let fakes: FakeLiteLLM[] = [];

afterEach(async () => {
    vi.unstubAllGlobals();
    await Promise.all(fakes.map((fake) => fake.close()));
    fakes = [];
});

async function startProxy(options: Partial<FakeLiteLLMOptions> = {}): Promise<FakeLiteLLM> {
    const fake = await startFakeLiteLLM({ masterKey: MASTER_KEY, ...options });
    fakes.push(fake);
    return fake;
}

function keyInputs(proxy: { url: string } | string, overrides: Partial<VirtualKeyInputs> = {}): VirtualKeyInputs {
    return {
        resourceKind: "LiteLLMVirtualKey",
        proxyUrl: typeof proxy === "string" ? proxy : proxy.url,
        masterKey: MASTER_KEY,
        alias: "aiterm-dev",
        models: ["gpt-4o-mini"],
        maxBudget: 5,
        budgetDuration: "30d",
        rpmLimit: 60,
        metadata: { app: "aiterm" },
        readyTimeoutSeconds: 2,
        requestTimeoutSeconds: 2,
        ...overrides,
    };
}

/** What the engine does with a create result: outputs must survive its wire format (no undefined). */
function throughTheWire<T>(outs: T): T {
    return Struct.fromJavaScript(outs as Record<string, never>).toJavaScript() as T;
}

async function created(proxy: FakeLiteLLM, overrides: Partial<VirtualKeyInputs> = {}): Promise<{ id: string; outs: VirtualKeyOutputs }> {
    const result = await provider.create(keyInputs(proxy, overrides));
    return { id: result.id, outs: throughTheWire(result.outs!) };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected the promise to reject");
}

async function chat(proxy: FakeLiteLLM, key: string, model = "gpt-4o-mini"): Promise<Response> {
    return fetch(`${proxy.url}/v1/chat/completions`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "ls -la, explained" }] }),
    });
}

describe("check", () => {
    it("accepts a complete set of inputs and leaves them as they are", async () => {
        const inputs = keyInputs("http://127.0.0.1:4000");
        expect(await provider.check(inputs, inputs)).toEqual({ inputs, failures: [] });
        expect(validateVirtualKeyInputs(keyInputs("https://proxy.example", { models: [], budgetDuration: "1mo" }))).toEqual([]);
    });

    it("names each invalid property and why, without echoing the master key", () => {
        const failures = validateVirtualKeyInputs({
            ...keyInputs("localhost:4000"),
            masterKey: "sk-pasted-with-a-newline\nsecret-value",
            alias: "aiterm dev",
            maxBudget: -1,
            budgetDuration: "30 days",
            rpmLimit: 1.5,
            metadata: { app: 3 } as never,
            readyTimeoutSeconds: 0,
        });
        expect(failures.map((f) => f.property)).toEqual([
            "proxyUrl",
            "masterKey",
            "alias",
            "maxBudget",
            "rpmLimit",
            "readyTimeoutSeconds",
            "budgetDuration",
            "metadata",
        ]);
        expect(failures.find((f) => f.property === "budgetDuration")?.reason).toMatch(/"30d"/);
        expect(failures.find((f) => f.property === "alias")?.reason).toMatch(/letters, digits/);
        expect(failures.find((f) => f.property === "masterKey")?.reason).toMatch(/line break/);
        expect(JSON.stringify(failures)).not.toMatch(/pasted-with|secret-value/);
        expect(validateVirtualKeyInputs({ proxyUrl: "http://x", masterKey: MASTER_KEY }).map((f) => f.property)).toEqual(["alias"]);
    });

    it("accepts a master key without the sk- prefix: LiteLLM's key API compares the master key before any prefix", async () => {
        // user_api_key_auth.py: compare_digest(api_key, master_key) first; the sk- check is for virtual keys
        const plain = "plain-master-key-0123456789abcdef";
        expect(validateVirtualKeyInputs(keyInputs("http://127.0.0.1:4000", { masterKey: plain }))).toEqual([]);
        const proxy = await startProxy({ masterKey: plain });
        const { id } = await created(proxy, { masterKey: plain });
        expect(proxy.keys.has(id)).toBe(true);
    });

    it("refuses a blank master key and one that cannot travel in a header", () => {
        for (const masterKey of ["", "   ", "sk-tail\r", "sk-\u0000nul", "sk-€uro"]) {
            const failures = validateVirtualKeyInputs(keyInputs("http://x", { masterKey }));
            expect(failures.map((f) => f.property), JSON.stringify(masterKey)).toEqual(["masterKey"]);
        }
    });

    it("skips values a preview does not know yet", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        expect(validateVirtualKeyInputs({ ...keyInputs("http://x"), proxyUrl: unknown, masterKey: unknown, models: [unknown] })).toEqual([]);
    });
});

describe("diff", () => {
    const state: VirtualKeyOutputs = {
        ...keyInputs("http://127.0.0.1:4000"),
        key: "sk-raw",
        token: "f".repeat(64),
        spend: 0.5,
        expires: null,
        createdAt: null,
    };

    it("finds nothing to do when nothing changed (model order and a trailing slash do not count)", async () => {
        expect(await provider.diff(state.token, state, { ...keyInputs("http://127.0.0.1:4000/") })).toMatchObject({ changes: false, replaces: [] });
        const twoModels = { ...state, models: ["gpt-4o-mini", "qwen-coder"] };
        expect(diffVirtualKey(twoModels, keyInputs("http://127.0.0.1:4000", { models: ["qwen-coder", "gpt-4o-mini"] })).changes).toBe(false);
    });

    it("updates limits, models, metadata and the alias in place", () => {
        for (const change of [{ maxBudget: 10 }, { rpmLimit: undefined }, { models: [] }, { metadata: {} }, { alias: "aiterm-laptop" }, { budgetDuration: "1d" }]) {
            const result = diffVirtualKey(state, keyInputs("http://127.0.0.1:4000", change));
            expect(result, JSON.stringify(change)).toEqual({ changes: true, replaces: [], stables: ["token", "key"], deleteBeforeReplace: false });
        }
        expect(changedKeyFields(state, keyInputs("http://127.0.0.1:4000", { maxBudget: 10, rpmLimit: undefined }))).toEqual(["max_budget", "rpm_limit"]);
    });

    it("replaces the key for another proxy", () => {
        expect(diffVirtualKey(state, keyInputs("http://127.0.0.1:4001"))).toEqual({
            changes: true,
            replaces: ["proxyUrl"],
            stables: [],
            deleteBeforeReplace: false,
        });
    });

    it("treats a new master key as no change to the key, only to the state (no replacement)", () => {
        const rotated = diffVirtualKey(state, keyInputs("http://127.0.0.1:4000", { masterKey: "sk-rotated-master-key-000000" }));
        expect(rotated.replaces).toEqual([]);
        expect(changedKeyFields(state, keyInputs("http://127.0.0.1:4000", { masterKey: "sk-rotated-master-key-000000" }))).toEqual([]);
        // Reported as an update so the state's outputs (all that refresh and destroy get) carry
        // the new master key; the update makes no /key/update call (tested below).
        expect(rotated.changes).toBe(true);
    });

    it("sends only changed fields to /key/update, removed limits as null", () => {
        expect(updateBody("tok", state, keyInputs("http://x", { maxBudget: 10, rpmLimit: undefined, metadata: undefined }))).toEqual({
            key: "tok",
            max_budget: 10,
            rpm_limit: null,
            metadata: {},
        });
    });
});

describe("create", () => {
    it("issues a key: the raw key is an output, the id is LiteLLM's hash of it, not the raw key", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);

        expect(outs.key).toMatch(/^sk-/);
        expect(id).toBe(hashKey(outs.key));
        expect(id).not.toContain(outs.key);
        expect(outs).toMatchObject({
            token: id,
            alias: "aiterm-dev",
            models: ["gpt-4o-mini"],
            maxBudget: 5,
            budgetDuration: "30d",
            rpmLimit: 60,
            metadata: { app: "aiterm" },
            spend: 0,
            proxyUrl: proxy.url,
            masterKey: MASTER_KEY,
            resourceKind: "LiteLLMVirtualKey",
        });
        expect(outs).not.toHaveProperty("tpmLimit");
        expect(typeof outs.createdAt).toBe("string");

        const issued = proxy.keys.get(id)!;
        expect(issued).toMatchObject({ key: outs.key, keyAlias: "aiterm-dev", models: ["gpt-4o-mini"], maxBudget: 5, rpmLimit: 60, tpmLimit: null });
        const generate = proxy.requests.find((r) => r.path === "/key/generate")!;
        expect(generate.authorization).toBe(`Bearer ${MASTER_KEY}`);
        expect(generate.body).toEqual({
            key_alias: "aiterm-dev",
            models: ["gpt-4o-mini"],
            max_budget: 5,
            budget_duration: "30d",
            rpm_limit: 60,
            metadata: { app: "aiterm" },
        });
        expect((await chat(proxy, outs.key)).status).toBe(200);
    });

    it.each(["current", "raw-key-in-token", "no-token-id"] as const)(
        "takes the hash for the id whatever /key/generate's shape (%s), never the raw key",
        async (generateShape) => {
            const proxy = await startProxy({ generateShape });
            const { id, outs } = await created(proxy);
            expect(id).toBe(hashKey(outs.key));
            expect(outs.token).toBe(id);
            expect(id).not.toBe(outs.key);
            const body = proxy.requests.find((r) => r.path === "/key/generate" && r.status === 200);
            expect(body).toBeDefined();
        },
    );

    it("replaces a key left with the same alias by an interrupted run (the raw key cannot be recovered)", async () => {
        const proxy = await startProxy();
        const stale = proxy.issueOutOfBand("aiterm-dev");

        const { id, outs } = await created(proxy);

        expect(proxy.keys.has(stale.token)).toBe(false);
        expect(id).not.toBe(stale.token);
        expect(proxy.keyByAlias("aiterm-dev")?.token).toBe(id);
        expect(proxy.requests.filter((r) => r.path.startsWith("/key/")).map((r) => `${r.path} ${r.status}`)).toEqual([
            "/key/generate 400",
            "/key/delete 200",
            "/key/generate 200",
        ]);
        expect(proxy.requests.find((r) => r.path === "/key/delete")?.body).toEqual({ key_aliases: ["aiterm-dev"] });
        expect((await chat(proxy, stale.key)).status).toBe(401);
        expect((await chat(proxy, outs.key)).status).toBe(200);
    });

    it("retries a 500, and a 429 after its Retry-After", async () => {
        const proxy = await startProxy();
        proxy.inject({ method: "POST", path: "/key/generate", status: 500 });
        proxy.inject({ method: "POST", path: "/key/generate", status: 429, retryAfterSeconds: 0 });

        const { id } = await created(proxy);

        expect(proxy.requests.filter((r) => r.path === "/key/generate").map((r) => r.status)).toEqual([500, 429, 200]);
        expect(proxy.keys.size).toBe(1);
        expect(proxy.keys.has(id)).toBe(true);
    });

    it("retries a dropped connection", async () => {
        const proxy = await startProxy();
        proxy.inject({ method: "POST", path: "/key/delete", dropConnection: true });
        const { id, outs } = await created(proxy);

        await provider.delete(id, outs);

        expect(proxy.requests.filter((r) => r.path === "/key/delete").map((r) => r.status)).toEqual([null, 200]);
        expect(proxy.keys.size).toBe(0);
    });

    it("gives up on a proxy that keeps failing, with the status and LiteLLM's message", async () => {
        const proxy = await startProxy();
        proxy.inject({ method: "POST", path: "/key/generate", status: 429, retryAfterSeconds: 0, times: 4 });

        const error = await rejection(provider.create(keyInputs(proxy)));

        expect(error.message).toContain(`the proxy at ${proxy.url} answered HTTP 429 to POST /key/generate: Injected fault: HTTP 429`);
        expect(proxy.count("POST", "/key/generate")).toBe(4);
    });

    it("says clearly that the proxy rejected the master key, without any secret in the message", async () => {
        const proxy = await startProxy();
        const staleMasterKey = "sk-stale-master-key-9876543210";

        const error = await rejection(provider.create(keyInputs(proxy, { masterKey: staleMasterKey })));

        expect(error.message).toContain(`The proxy at ${proxy.url} rejected the master key (HTTP 401 on POST /key/generate)`);
        expect(error.message).toContain("LITELLM_MASTER_KEY");
        expect(error.message).toContain("pulumi stack output --show-secrets masterKey");
        expect(error.message).not.toContain(staleMasterKey);
        expect(error.message).not.toContain(MASTER_KEY);
        expect(error.message).not.toMatch(/Bearer/);
        expect(proxy.count("POST", "/key/generate")).toBe(1); // a 401 is not retried
    });
});

describe("a proxy that is not ready yet", () => {
    it("is polled on /health/readiness until it answers 200, then the key is created", async () => {
        const proxy = await startProxy({ notReady: 1 });

        const { id } = await created(proxy);

        expect(proxy.count("GET", "/health/readiness")).toBe(2);
        expect(proxy.keys.has(id)).toBe(true);
        const firstKeyCall = proxy.requests.findIndex((r) => r.path.startsWith("/key/"));
        expect(proxy.requests.slice(0, firstKeyCall).every((r) => r.path === "/health/readiness")).toBe(true);
    });

    it.each(["minimal", "detailed"] as const)("reads both readiness bodies (%s): only the status decides", async (readinessShape) => {
        const proxy = await startProxy({ notReady: 1, readinessShape });
        const { id } = await created(proxy);
        expect(proxy.count("GET", "/health/readiness")).toBe(2);
        expect(proxy.keys.has(id)).toBe(true);
    });

    it("is waited for while nothing listens yet (connection refused)", async () => {
        const port = await reservePort();
        const url = `http://127.0.0.1:${port}`;
        const creating = provider.create(keyInputs(url));
        await new Promise((resolve) => setTimeout(resolve, 150));
        const proxy = await startProxy({ port });

        const result = await creating;

        expect(proxy.keys.has(result.id)).toBe(true);
    });

    it("fails after readyTimeoutSeconds, naming the URL and what the proxy last answered", async () => {
        const proxy = await startProxy({ notReady: true });
        const started = Date.now();

        const error = await rejection(provider.create(keyInputs(proxy, { readyTimeoutSeconds: 0.5 })));

        expect(Date.now() - started).toBeLessThan(1000);
        expect(error.message).toContain(`The LiteLLM proxy at ${proxy.url} did not become ready within 0.5 s`);
        expect(error.message).toContain("HTTP 503");
        expect(proxy.count("POST", "/key/generate")).toBe(0);
    });

    it("reports a refused connection as such", async () => {
        const url = `http://127.0.0.1:${await reservePort()}`;
        const error = await rejection(provider.create(keyInputs(url, { readyTimeoutSeconds: 0.3 })));
        expect(error.message).toContain(`The LiteLLM proxy at ${url} did not become ready within 0.3 s`);
        expect(error.message).toContain("connection refused");
    });
});

describe("read (pulumi refresh)", () => {
    it("reports the spend after the key was used, keeping the raw key from the state", async () => {
        const proxy = await startProxy({ spendPerRequest: 0.25 });
        const { id, outs } = await created(proxy);
        await chat(proxy, outs.key);
        await chat(proxy, outs.key);

        const result = await provider.read(id, outs);

        expect(result.id).toBe(id);
        expect(throughTheWire(result.props)).toEqual({ ...outs, spend: 0.5 });
        expect(proxy.requests.find((r) => r.path === "/key/info")?.query).toEqual({ key: id });
    });

    it("reports changes made in the dashboard, which the next diff then undoes", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);
        Object.assign(proxy.keys.get(id)!, { maxBudget: 100, rpmLimit: null, models: [] });

        const result = await provider.read(id, outs);

        expect(result.props).toMatchObject({ maxBudget: 100, models: [] });
        expect(result.props).not.toHaveProperty("rpmLimit");
        expect(changedKeyFields(result.props!, keyInputs(proxy))).toEqual(["models", "max_budget", "rpm_limit"]);
    });

    it("drops a key deleted outside Pulumi from the state; the next create issues a new one", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);
        proxy.deleteOutOfBand(id);

        const result = await provider.read(id, outs);

        expect(result).toEqual({});
        // No id: the dynamic provider host passes it on (`resp.setId(result.id)`) and an empty id
        // is what the engine reads as "the resource is gone" (provider_plugin.go, Read).
        const response = new ReadResponse();
        response.setId(result.id as string);
        response.setProperties(Struct.fromJavaScript({ ...result.props, __provider: "serialized provider" }));
        expect(ReadResponse.deserializeBinary(response.serializeBinary()).getId()).toBe("");
        const again = await created(proxy);
        expect(again.id).not.toBe(id);
        expect(proxy.keyByAlias("aiterm-dev")?.token).toBe(again.id);
    });

    it("does not take a rejected master key for a deleted key", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);

        const error = await rejection(provider.read(id, { ...outs, masterKey: "sk-someone-elses-master-key" }));

        expect(error.message).toContain("rejected the master key (HTTP 401 on GET /key/info)");
        expect(error.message).not.toContain(id);
    });
});

describe("update", () => {
    it("changes the budget in place: same key, same token", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);

        const news = keyInputs(proxy, { maxBudget: 10, rpmLimit: undefined });
        const result = await provider.update(id, outs, news);

        const update = proxy.requests.find((r) => r.path === "/key/update")!;
        expect(update.body).toEqual({ key: id, max_budget: 10, rpm_limit: null });
        expect(proxy.keys.get(id)).toMatchObject({ maxBudget: 10, rpmLimit: null, key: outs.key });
        const after = throughTheWire(result.outs!);
        expect(after).toMatchObject({ key: outs.key, token: id, maxBudget: 10 });
        expect(after).not.toHaveProperty("rpmLimit");
        expect(proxy.count("POST", "/key/generate")).toBe(1);
    });

    it("records a rotated master key without touching the key, after checking the proxy accepts it", async () => {
        const rotated = "sk-rotated-master-key-0000000000";
        // The proxy now runs with the rotated master key; its keys survive that.
        const proxy = await startProxy({ masterKey: rotated });
        const existing = proxy.issueOutOfBand("aiterm-dev", ["gpt-4o-mini"]);
        const old: VirtualKeyOutputs = { ...keyInputs(proxy), key: existing.key, token: existing.token, spend: 0, expires: null, createdAt: null };

        const result = await provider.update(old.token, old, keyInputs(proxy, { masterKey: rotated }));

        expect(proxy.count("POST", "/key/update")).toBe(0);
        expect(proxy.requests.find((r) => r.path === "/key/info")?.authorization).toBe(`Bearer ${rotated}`);
        expect(result.outs?.masterKey).toBe(rotated);
        expect(result.outs?.token).toBe(old.token);
    });

    it("tells the user to refresh when the key was deleted outside Pulumi", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);
        proxy.deleteOutOfBand(id);

        const error = await rejection(provider.update(id, outs, keyInputs(proxy, { maxBudget: 10 })));

        expect(error.message).toContain(`The virtual key "aiterm-dev" no longer exists on the proxy at ${proxy.url}`);
        expect(error.message).toContain("pulumi refresh");
    });
});

describe("delete", () => {
    it("deletes the key, and succeeds for a key that is already gone", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);

        await provider.delete(id, outs);
        expect(proxy.keys.size).toBe(0);
        expect(proxy.requests.find((r) => r.path === "/key/delete")?.body).toEqual({ keys: [id] });
        expect((await chat(proxy, outs.key)).status).toBe(401);

        await provider.delete(id, outs);
        expect(proxy.requests.filter((r) => r.path === "/key/delete").map((r) => r.status)).toEqual([200, 404]);
    });
});

describe("the fake key API answers as LiteLLM 1.104 does", () => {
    it("issues token = token_id = the hash (key_management_endpoints.py remaps token to token_id)", async () => {
        const proxy = await startProxy();
        const response = await fetch(`${proxy.url}/key/generate`, {
            method: "POST",
            headers: { Authorization: `Bearer ${MASTER_KEY}`, "Content-Type": "application/json" },
            body: JSON.stringify({ key_alias: "shape" }),
        });
        const body = (await response.json()) as Record<string, string>;
        expect(body.token).toBe(hashKey(body.key));
        expect(body.token_id).toBe(body.token);
    });

    it("keeps the public readiness low-detail and puts the details behind a key", async () => {
        const proxy = await startProxy();
        const publicBody = await (await fetch(`${proxy.url}/health/readiness`)).json();
        expect(publicBody).toEqual({ status: "healthy" });
        expect((await fetch(`${proxy.url}/health/readiness/details`)).status).toBe(401);
        const details = await fetch(`${proxy.url}/health/readiness/details`, { headers: { Authorization: `Bearer ${MASTER_KEY}` } });
        expect(details.status).toBe(200);
        expect(await details.json()).toMatchObject({ status: "healthy", db: "connected" });
        proxy.notReady();
        const down = await fetch(`${proxy.url}/health/readiness`);
        expect(down.status).toBe(503);
        expect(await down.json()).toEqual({ status: "healthy" });
    });

    it("refuses a chat over the key's budget with 422 budget_exceeded", async () => {
        const proxy = await startProxy({ spendPerRequest: 1 });
        const { outs } = await created(proxy, { maxBudget: 1 });
        expect((await chat(proxy, outs.key)).status).toBe(200);
        const refused = await chat(proxy, outs.key);
        expect(refused.status).toBe(422);
        expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("budget_exceeded");
    });
});

describe("secrets in the provider's errors", () => {
    it("never shows a master key that cannot be sent, and does not call the proxy with it", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);
        const broken = "sk-broken-master\nkey-tail-9876";

        for (const attempt of [provider.read(id, { ...outs, masterKey: broken }), provider.delete(id, { ...outs, masterKey: broken })]) {
            const error = await rejection(attempt);
            expect(error.message).toMatch(/line break/);
            expect(error.message).not.toMatch(/broken-master|key-tail/);
            expect(error.message).not.toContain(outs.key);
        }
        expect(proxy.requests.filter((r) => r.authorization?.includes("broken"))).toHaveLength(0);
    });

    it("never shows the raw key or the master key when fetch itself fails", async () => {
        const proxy = await startProxy();
        const { id, outs } = await created(proxy);
        vi.stubGlobal("fetch", async (_url: string, init?: RequestInit) => {
            throw new TypeError(`fetch failed: ${JSON.stringify(init?.headers)} ${outs.key}`);
        });
        const error = await rejection(provider.read(id, { ...outs, requestTimeoutSeconds: 1 }));
        expect(error.message).toContain("Could not reach the LiteLLM proxy");
        expect(error.message).not.toContain(MASTER_KEY);
        expect(error.message).not.toContain(outs.key);
    });
});

describe("LiteLLM's error shapes", () => {
    it("reads the message from each of them", () => {
        expect(liteLLMErrorMessage({ error: { message: "Key not found in database", type: "not_found_error" } }, "")).toBe("Key not found in database");
        expect(liteLLMErrorMessage({ detail: { error: "No keys found" } }, "")).toBe("No keys found");
        expect(liteLLMErrorMessage({ detail: "Not Found" }, "")).toBe("Not Found");
        expect(liteLLMErrorMessage(undefined, "<html>Bad Gateway</html>")).toBe("<html>Bad Gateway</html>");
    });
});

describe("closure serialization (how Pulumi ships the provider to the engine)", () => {
    const unserializable = /__vi_|__vite_ssr_import|vitest|node:http|@pulumi\/pulumi|with\(\{ exports/;

    /** Loads a serialized closure the way the engine's dynamic provider host does (require-from-string). */
    function deserialize(text: string): typeof provider {
        const requireFromString = projectRequire("require-from-string") as (code: string) => { handler: () => typeof provider };
        return requireFromString(text).handler();
    }

    /** The provider as `pulumi up` compiles it (ts-node, CommonJS), with the admin client it imports. */
    function nativeProvider(): typeof provider {
        return loadModuleNatively<{ virtualKeyProvider: typeof provider }>("components/keys/virtualKeyProvider.ts").virtualKeyProvider;
    }

    it("serializes with the admin client captured by value, nothing unserializable, no secret, no require of project code", async () => {
        const native = nativeProvider();
        const serialized = await pulumi.runtime.serializeFunction(() => native);

        expect(serialized.text).not.toMatch(unserializable);
        expect(serialized.text).not.toMatch(/require\(["'][./]/); // project modules travel as code, not as paths
        expect(serialized.text).toContain("fetch(");
        expect(serialized.text).toContain("/key/generate");
        expect(serialized.text).not.toMatch(/sk-[A-Za-z0-9]{20}/);
    });

    it("works once deserialized: create, read, update, delete against the fake key API", async () => {
        const native = nativeProvider();
        const copy = deserialize((await pulumi.runtime.serializeFunction(() => native)).text);
        const proxy = await startProxy();

        const { id, outs } = await copy.create(keyInputs(proxy));
        expect(id).toBe(hashKey(outs!.key));
        expect((await copy.read(id, outs)).props).toMatchObject({ token: id, key: outs!.key });
        const updated = await copy.update(id, outs!, keyInputs(proxy, { maxBudget: 10 }));
        expect(proxy.keys.get(id)?.maxBudget).toBe(10);
        await copy.delete(id, updated.outs!);
        expect(proxy.keys.size).toBe(0);
        // the deserialized client still redacts: a rejected master key never shows up in the error
        const rejected = await rejection(copy.create(keyInputs(proxy, { masterKey: "sk-deserialized-wrong-master-key" })));
        expect(rejected.message).toContain("rejected the master key");
        expect(rejected.message).not.toContain("sk-deserialized-wrong-master-key");
    });

    it("also serializes when vitest's module runner loaded it (the admin client's module object travels by value)", async () => {
        const loaded = virtualKeyProvider;
        const copy = deserialize((await pulumi.runtime.serializeFunction(() => loaded)).text);
        const proxy = await startProxy();
        const { id } = await copy.create(keyInputs(proxy));
        expect(proxy.keys.has(id)).toBe(true);
    });

    it("runs through up, refresh and destroy the way the engine drives it (VirtualKey's serialized __provider)", async () => {
        const proxy = await startProxy();
        const engine = new DynamicEngine();
        installMocks({ stack: "dev", provision: engine.provision });
        engine.beginRun();
        const { VirtualKey } = loadModuleNatively<typeof import("../../../components/keys/virtualKey")>("components/keys/virtualKey.ts");
        const key = new VirtualKey("aiterm", { proxyUrl: proxy.url, masterKey: MASTER_KEY, models: ["gpt-4o-mini"], readyTimeoutSeconds: 5 });
        const [raw, token] = await engine.settle([key.key, key.token]);
        await engine.finishRun();

        expect(token).toBe(hashKey(raw));
        expect(proxy.keyByAlias("aiterm")?.token).toBe(token);
        proxy.deleteOutOfBand(token);
        await engine.refresh();
        expect(engine.state.size).toBe(0);
        expect(engine.callsTo("read")).toHaveLength(1);
    });
});

describe("VirtualKey under Pulumi's mocks", () => {
    /**
     * The mock monitor ignores additionalSecretOutputs; the engine marks those outputs secret.
     * This does the engine's part, so that the test shows what the resource asks for.
     */
    function honourAdditionalSecretOutputs(): Map<string, string[]> {
        const requested = new Map<string, string[]>();
        const prototype = MockMonitor.prototype as unknown as {
            registerResource(req: any, callback: (err: unknown, resp: any) => void): Promise<void>;
        };
        const original = prototype.registerResource;
        prototype.registerResource = function (this: unknown, req: any, callback: (err: unknown, resp: any) => void) {
            const names: string[] = req.getAdditionalsecretoutputsList();
            requested.set(req.getName(), names);
            return original.call(this, req, (err: unknown, resp: any) => {
                if (resp && names.length > 0) {
                    const state = resp.getObject().toJavaScript() as Record<string, unknown>;
                    for (const name of names) {
                        if (name in state && !isSecretValue(state[name])) {
                            state[name] = { [specialSigKey]: specialSecretSig, value: state[name] };
                        }
                    }
                    resp.setObject(Struct.fromJavaScript(state as Record<string, never>));
                }
                callback(err, resp);
            });
        };
        return requested;
    }

    it("keeps the raw key and the master key secret, and carries resourceKind", async () => {
        const registered: pulumi.runtime.MockResourceArgs[] = [];
        await pulumi.runtime.setMocks(
            {
                newResource(args) {
                    registered.push(args);
                    // What the provider's create returns, realistically shaped.
                    const key = "sk-mocked-virtual-key-000000";
                    return { id: hashKey(key), state: { ...args.inputs, key, token: hashKey(key), spend: 0, expires: null, createdAt: null } };
                },
                call: (args) => args.inputs,
            },
            "aiterm-litellm",
            "dev",
        );
        const requested = honourAdditionalSecretOutputs();
        const { VirtualKey } = await import("../../../components/keys/virtualKey");

        const aiterm = new VirtualKey("aiterm", { proxyUrl: "http://127.0.0.1:4000", masterKey: MASTER_KEY, models: ["gpt-4o-mini"], maxBudget: 5 });

        expect(await valueOf(aiterm.key)).toBe("sk-mocked-virtual-key-000000");
        expect(await pulumi.isSecret(aiterm.key)).toBe(true);
        expect(await valueOf(aiterm.token)).toBe(hashKey("sk-mocked-virtual-key-000000"));
        expect(await pulumi.isSecret(aiterm.token)).toBe(false);
        expect(await valueOf(aiterm.alias)).toBe("aiterm");
        expect(await valueOf(aiterm.spend)).toBe(0);
        expect(requested.get("aiterm")).toEqual(expect.arrayContaining(["key", "masterKey"]));

        const [resource] = registered;
        expect(resource.type).toBe("pulumi-nodejs:dynamic:Resource");
        expect(resource.inputs.resourceKind).toBe("LiteLLMVirtualKey");
        expect(isSecretValue(resource.inputs.masterKey)).toBe(true);
        expect(reveal(resource.inputs)).toMatchObject({
            proxyUrl: "http://127.0.0.1:4000",
            masterKey: MASTER_KEY,
            alias: "aiterm",
            models: ["gpt-4o-mini"],
            maxBudget: 5,
            readyTimeoutSeconds: 300,
            requestTimeoutSeconds: 30,
        });
        expect(typeof resource.inputs.__provider).toBe("string");
        expect(String(resource.inputs.__provider)).not.toContain(MASTER_KEY);
    });
});

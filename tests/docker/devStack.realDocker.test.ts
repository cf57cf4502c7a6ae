/**
 * The `dev` stack on a real Docker engine: the graph the program declares, created for real
 * (tests/docker/realDockerEngine.ts) from the local test images (tests/images/), and exercised
 * the way a user would: deploy, use, change, crash, tear down.
 *
 * Needs a Docker engine and the test images (`bash tests/images/build.sh`); `.ci/run` provides
 * both. Outside CI, without them, the suite says so and is skipped; in CI their absence fails it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DynamicEngine } from "../support/dynamicEngine";
import { loadProgramNatively } from "../support/nativeProgram";
import { installMocks } from "../support/pulumiMocks";
import { containerExists, dockerCall, inspectContainer, objectExists } from "./dockerApi";
import { RealDockerEngine } from "./realDockerEngine";

type Program = typeof import("../../index");

const STACK = "dev";
const PREFIX = `litellm-${STACK}`;
const PORT = 14000;
const BASE = `http://127.0.0.1:${PORT}`;
const REFS = join(__dirname, "..", "images", ".refs.json");
const inCI = process.env.CI === "true";

/** Asked synchronously, so that the suite can be declared (or skipped) before it runs. */
function dockerAnswers(): boolean {
    const probe = `require("http").get({ socketPath: "/var/run/docker.sock", path: "/_ping" }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`;
    return spawnSync(process.execPath, ["-e", probe], { timeout: 5000 }).status === 0;
}

const dockerUp = dockerAnswers();
const imagesBuilt = existsSync(REFS);
const ready = dockerUp && imagesBuilt;
if (!ready) {
    const why = !dockerUp ? "no Docker engine answers on /var/run/docker.sock" : "the test images are not built (bash tests/images/build.sh)";
    if (inCI) {
        throw new Error(`The real-Docker tests must run in CI, but ${why}. .ci/run installs and starts both.`);
    }
    console.warn(`\n[real-Docker tests SKIPPED] ${why}. Run \`bash .ci/run\`, or start dockerd and build the images, to run them.\n`);
}

/** The dev stack's own config file, with the test images and a port of its own. */
function devConfig(): Record<string, string> {
    const refs = JSON.parse(readFileSync(REFS, "utf8")) as { litellmImage: string; postgresImage: string };
    const file = parse(readFileSync(join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const config = Object.fromEntries(
        Object.entries(file.config).map(([key, value]) => [key.replace(/^aiterm-litellm:/, ""), typeof value === "string" ? value : JSON.stringify(value)]),
    );
    return {
        ...config,
        hfToken: "hf_realdockertesttoken000000000000",
        litellmImage: refs.litellmImage,
        postgresImage: refs.postgresImage,
        port: String(PORT),
        startupTimeoutSeconds: "120",
    };
}

/** One stack's state, as `pulumi up` / `pulumi destroy` would keep it. */
class DevStack {
    readonly dynamic = new DynamicEngine();
    readonly docker = new RealDockerEngine(this.dynamic);
    program!: Program;

    constructor(public config: Record<string, string>) {}

    async up(changes: Record<string, string> = {}): Promise<Program> {
        this.config = { ...this.config, ...changes };
        installMocks({ stack: STACK, config: this.config, secretKeys: ["hfToken"], provision: this.docker.provision });
        this.docker.beginRun();
        this.program = loadProgramNatively<Program>();
        await this.dynamic.settle([this.program.url, this.program.aitermSetup, this.program.virtualKeys as pulumi.Output<unknown>], 150_000);
        await this.docker.finishRun();
        return this.program;
    }

    destroy(): Promise<void> {
        return this.docker.destroy();
    }
}

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

/** Removes whatever a run left behind, whatever state it ended in. */
async function sweep(includeVolume: boolean): Promise<void> {
    for (const role of ["proxy", "db"]) {
        await dockerCall("DELETE", `/containers/${PREFIX}-${role}?force=true&v=true`).catch(() => undefined);
    }
    for (const network of ["backend", "frontend"]) {
        await dockerCall("DELETE", `/networks/${PREFIX}-${network}`).catch(() => undefined);
    }
    if (includeVolume) {
        await dockerCall("DELETE", `/volumes/${PREFIX}-data`).catch(() => undefined);
    }
}

async function api(path: string, key: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${BASE}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
    });
    return { status: response.status, json: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

const chat = (key: string, model = "default") => api("/v1/chat/completions", key, { model, messages: [{ role: "user", content: "hello" }] });

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
        try {
            const value = await probe();
            if (value !== undefined) {
                return value;
            }
        } catch (error) {
            lastError = error;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${what} did not happen within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ""}`);
}

/**
 * The public /health/readiness is low-detail since LiteLLM 1.104 ({"status":"healthy"}, 503 while
 * the database is down); the database's state is on the authenticated /health/readiness/details
 * (litellm/proxy/health_endpoints/_health_endpoints.py).
 */
async function readiness(masterKey: string): Promise<Record<string, unknown> | undefined> {
    const response = await fetch(`${BASE}/health/readiness/details`, { headers: { Authorization: `Bearer ${masterKey}` }, signal: AbortSignal.timeout(3000) });
    return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
}

/** Listening TCP sockets on the host for a port: addresses as /proc/net/tcp{,6} show them. */
function hostListeners(port: number): string[] {
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
        readFileSync(file, "utf8")
            .split("\n")
            .slice(1)
            .map((line) => line.trim().split(/\s+/))
            .filter((cols) => cols.length > 3 && cols[1].endsWith(`:${hexPort}`) && cols[3] === "0A")
            .map((cols) => cols[1]),
    );
}

/** Simulates a crash: SIGKILL to the container's main process from the host (not `docker kill`). */
async function crash(container: string): Promise<number> {
    const before = await inspectContainer(container);
    process.kill(before.State.Pid, "SIGKILL");
    return before.RestartCount;
}

describe.runIf(ready)("the dev stack on a real Docker engine", { timeout: 180_000 }, () => {
    let stack: DevStack;
    let issuedKey: string;

    beforeAll(async () => {
        if (!inCI && (await containerExists(`${PREFIX}-proxy`))) {
            throw new Error(`A ${PREFIX} deployment already runs on this engine; these tests use the same names. Destroy it first (pulumi destroy --stack dev).`);
        }
        await sweep(true);
        stack = new DevStack(devConfig());
        await stack.up();
    }, 300_000);

    afterAll(async () => {
        await stack?.destroy().catch(() => undefined);
        await sweep(true);
    }, 120_000);

    it("deploys both containers healthy; the proxy reaches the database by its alias; a generated key serves a chat completion", async () => {
        for (const role of ["db", "proxy"]) {
            expect((await inspectContainer(`${PREFIX}-${role}`)).State.Health?.Status, role).toBe("healthy");
        }
        const health = await readiness(await valueOf(stack.program.masterKey));
        expect(health?.db).toBe("connected");
        const proxyEnv = (await inspectContainer(`${PREFIX}-proxy`)).Config.Env;
        expect(proxyEnv.find((e) => e.startsWith("DATABASE_URL="))).toMatch(/@litellm-db:5432\/litellm$/);

        const masterKey = await valueOf(stack.program.masterKey);
        const generated = await api("/key/generate", masterKey, { models: ["default"], max_budget: 5.0, budget_duration: "30d" });
        expect(generated.status).toBe(200);
        issuedKey = String(generated.json.key);
        const reply = await chat(issuedKey);
        expect(reply.status).toBe(200);
        expect(JSON.stringify(reply.json)).toContain("hello");
    });

    it("publishes the proxy on 127.0.0.1 only, and the database nowhere, on internal networks only", async () => {
        expect(hostListeners(PORT).length).toBeGreaterThan(0);
        // 0100007F is 127.0.0.1 in /proc/net/tcp: nothing listens on 0.0.0.0 or the host's own addresses.
        expect(hostListeners(PORT).every((address) => address.startsWith("0100007F:"))).toBe(true);
        const proxy = await inspectContainer(`${PREFIX}-proxy`);
        expect(proxy.HostConfig.PortBindings).toEqual({ "4000/tcp": [{ HostIp: "127.0.0.1", HostPort: String(PORT) }] });

        const database = await inspectContainer(`${PREFIX}-db`);
        expect(Object.keys(database.HostConfig.PortBindings ?? {})).toEqual([]);
        const attached = Object.keys(database.NetworkSettings.Networks);
        expect(attached).toEqual([`${PREFIX}-backend`]);
        for (const name of attached) {
            const network = await dockerCall<{ Internal: boolean }>("GET", `/networks/${name}`);
            expect(network.Internal, name).toBe(true);
        }
        expect(database.NetworkSettings.Networks[`${PREFIX}-backend`].Aliases).toContain("litellm-db");
    });

    it("creates the aiterm key from config, updates its budget in place, and revokes it when removed", async () => {
        const keys = (await valueOf(stack.program.virtualKeys)) as Record<string, string>;
        const aiterm = keys.aiterm;
        expect(aiterm).toMatch(/^sk-/);
        expect((await chat(aiterm)).status).toBe(200);
        expect(await valueOf(stack.program.aitermSetup)).toContain(`aiterm config set api_token ${aiterm}`);
        const masterKey = await valueOf(stack.program.masterKey);

        const original = stack.dynamic.state.get("keys-aiterm")?.id;
        await stack.up({ virtualKeys: JSON.stringify([{ alias: "aiterm", models: ["default"], maxBudget: 7.5, budgetDuration: "30d" }]) });
        expect(stack.dynamic.callsTo("update", "keys-aiterm")).toHaveLength(1);
        expect(stack.dynamic.state.get("keys-aiterm")?.id).toBe(original);
        const info = await api(`/key/info?key=${encodeURIComponent(aiterm)}`, masterKey);
        expect((info.json.info as Record<string, unknown>).max_budget).toBe(7.5);
        expect((await chat(aiterm)).status).toBe(200);

        await stack.up({ virtualKeys: "[]" });
        expect(stack.dynamic.callsTo("delete", "keys-aiterm")).toHaveLength(1);
        expect((await chat(aiterm)).status).toBe(401);
        await stack.up({ virtualKeys: JSON.stringify([{ alias: "aiterm", models: ["default"], maxBudget: 5, budgetDuration: "30d" }]) });
    });

    it("replaces only the proxy container when the model list changes; a key issued before still works", async () => {
        const databaseBefore = (await inspectContainer(`${PREFIX}-db`)).Id;
        const proxyBefore = (await inspectContainer(`${PREFIX}-proxy`)).Id;
        await stack.up({
            models: JSON.stringify([
                { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
                { name: "coder-large", model: "huggingface/Qwen/Qwen2.5-Coder-7B-Instruct", apiKeyEnv: "HF_TOKEN" },
            ]),
        });
        expect((await inspectContainer(`${PREFIX}-db`)).Id).toBe(databaseBefore);
        expect((await inspectContainer(`${PREFIX}-proxy`)).Id).not.toBe(proxyBefore);
        expect(stack.docker.log.filter((l) => l.action === "replace").map((l) => l.resource)).toEqual(["local-proxy"]);
        const models = await api("/v1/models", await valueOf(stack.program.masterKey));
        expect((models.json.data as { id: string }[]).map((m) => m.id)).toEqual(["default", "coder-large"]);
        expect((await chat(issuedKey)).status).toBe(200);
    });

    it("restarts a crashed database by policy, and the proxy's readiness recovers", async () => {
        const restarts = await crash(`${PREFIX}-db`);
        await eventually("the database restarting", async () => ((await inspectContainer(`${PREFIX}-db`)).RestartCount > restarts ? true : undefined));
        await eventually("the database healthy again", async () => ((await inspectContainer(`${PREFIX}-db`)).State.Health?.Status === "healthy" ? true : undefined));
        const health = await eventually("readiness reporting the database", async () => {
            const body = await readiness(await valueOf(stack.program.masterKey));
            return body?.db === "connected" ? body : undefined;
        });
        expect(health.db).toBe("connected");
        expect((await chat(issuedKey)).status).toBe(200);
    });

    it("restarts a crashed proxy by policy", async () => {
        const restarts = await crash(`${PREFIX}-proxy`);
        await eventually("the proxy restarting", async () => ((await inspectContainer(`${PREFIX}-proxy`)).RestartCount > restarts ? true : undefined));
        const masterKey = await valueOf(stack.program.masterKey);
        await eventually("the proxy answering again", () => readiness(masterKey));
        expect((await chat(issuedKey)).status).toBe(200);
    });

    it("tears down containers and networks but keeps the data volume; a fresh deploy on it still knows the old key", async () => {
        await stack.destroy();
        expect(await containerExists(`${PREFIX}-proxy`)).toBe(false);
        expect(await containerExists(`${PREFIX}-db`)).toBe(false);
        expect(await objectExists("networks", `${PREFIX}-backend`)).toBe(false);
        expect(await objectExists("networks", `${PREFIX}-frontend`)).toBe(false);
        expect(await objectExists("volumes", `${PREFIX}-data`)).toBe(true);

        // A new stack: new state, so new generated secrets, including a new database password.
        stack = new DevStack(devConfig());
        await stack.up();
        expect((await chat(issuedKey)).status).toBe(200);
    });

    it("removes the data volume too when keepDataOnDestroy is false", async () => {
        await stack.up({ keepDataOnDestroy: "false" });
        await stack.destroy();
        expect(await objectExists("volumes", `${PREFIX}-data`)).toBe(false);
        expect(await containerExists(`${PREFIX}-db`)).toBe(false);
    });
});

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
import { until } from "../support/polling";
import { installMocks } from "../support/pulumiMocks";
import { containerExists, dockerCall, execInContainer, inspectContainer, objectExists } from "./dockerApi";
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

const MIB = 1024 * 1024;

/** The parts of `docker inspect` that say how a container is confined. */
interface Confinement {
    Config: { User: string };
    HostConfig: {
        CapAdd: string[] | null;
        CapDrop: string[] | null;
        SecurityOpt: string[] | null;
        ReadonlyRootfs: boolean;
        Tmpfs: Record<string, string> | null;
        Memory: number;
        MemorySwap: number;
        NanoCpus: number;
        CpuShares: number;
        ShmSize: number;
        RestartPolicy: { Name: string; MaximumRetryCount: number };
        Privileged: boolean;
    };
}

const confinementOf = (container: string) => dockerCall<Confinement>("GET", `/containers/${container}/json`);

/** What the kernel says about a process in the container: its user, capabilities and no_new_privs. */
async function processStatus(container: string, pid: string): Promise<Record<string, string>> {
    const { output } = await execInContainer(container, ["cat", `/proc/${pid}/status`]);
    return Object.fromEntries(
        output
            .split("\n")
            .filter((line) => /^(Uid|Gid|CapEff|CapPrm|CapBnd|NoNewPrivs):/.test(line))
            .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]),
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

    it("confines the proxy: UID 1000, no capability, no new privileges, read-only root with a tmpfs on /tmp, memory without swap, CPU weight, on-failure:5, not privileged", async () => {
        const { Config, HostConfig } = await confinementOf(`${PREFIX}-proxy`);
        expect(Config.User).toBe("1000:1000");
        expect(HostConfig.CapDrop).toEqual(["ALL"]);
        expect(HostConfig.CapAdd ?? []).toEqual([]);
        expect(HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(HostConfig.ReadonlyRootfs).toBe(true);
        expect(HostConfig.Tmpfs).toEqual({ "/tmp": "rw,exec,nosuid,nodev,size=512m,mode=1777" });
        expect([HostConfig.Memory, HostConfig.MemorySwap]).toEqual([2048 * MIB, 2048 * MIB]);
        expect([HostConfig.CpuShares, HostConfig.NanoCpus]).toEqual([512, 0]);
        expect(HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 5 });
        expect(HostConfig.Privileged).toBe(false);

        // What the kernel enforces on LiteLLM itself (PID 1): no capability in any set, no_new_privs.
        expect(await processStatus(`${PREFIX}-proxy`, "1")).toMatchObject({
            Uid: "1000\t1000\t1000\t1000",
            CapEff: "0000000000000000",
            CapPrm: "0000000000000000",
            CapBnd: "0000000000000000",
            NoNewPrivs: "1",
        });
        const write = async (path: string) =>
            (await execInContainer(`${PREFIX}-proxy`, ["python3", "-c", `open(${JSON.stringify(path)}, "w").write("x")`])).output;
        expect(await write("/app/intruder")).toMatch(/Read-only file system/);
        expect(await write("/var/tmp/intruder")).toMatch(/Read-only file system/);
        expect(await write("/tmp/scratch")).toBe("");
        // config.yaml went into the tmpfs at start, readable by the proxy's user only.
        expect((await execInContainer(`${PREFIX}-proxy`, ["stat", "-c", "%a %u", "/tmp/litellm/config.yaml"])).output.trim()).toBe("600 1000");
    });

    it("confines the database: the entrypoint's four capabilities only, none left to postgres, no new privileges, read-only root, shared memory, limits, on-failure:5", async () => {
        const { Config, HostConfig } = await confinementOf(`${PREFIX}-db`);
        // The entrypoint starts as root to fix ownership, then steps down to postgres itself.
        expect(Config.User).toBe("");
        expect(HostConfig.CapDrop).toEqual(["ALL"]);
        expect([...(HostConfig.CapAdd ?? [])].sort()).toEqual(["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"]);
        expect(HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(HostConfig.ReadonlyRootfs).toBe(true);
        expect(HostConfig.Tmpfs).toEqual({
            "/var/run/postgresql": "rw,noexec,nosuid,nodev,size=1m,mode=3775",
            "/tmp": "rw,noexec,nosuid,nodev,size=16m,mode=1777",
        });
        expect(HostConfig.ShmSize).toBe(128 * MIB);
        expect([HostConfig.Memory, HostConfig.MemorySwap]).toEqual([512 * MIB, 512 * MIB]);
        expect([HostConfig.CpuShares, HostConfig.NanoCpus]).toEqual([512, 0]);
        expect(HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 5 });
        expect(HostConfig.Privileged).toBe(false);

        // The server (PID 1 after the wrapper and the entrypoint exec'd into it) runs as postgres
        // with no capability; the bounding set is the four, for the next start's entrypoint.
        const server = await processStatus(`${PREFIX}-db`, "1");
        expect(server.Uid.split("\t")[0]).not.toBe("0");
        expect(server).toMatchObject({ CapEff: "0000000000000000", CapPrm: "0000000000000000", CapBnd: "00000000000000c3", NoNewPrivs: "1" });
        // Once the password is aligned, nothing in the container runs as root but this check itself
        // (sh, awk) and, twice a second, the healthcheck Docker execs (sh, pg_isready).
        const listing = await execInContainer(`${PREFIX}-db`, ["sh", "-c", "for s in /proc/[0-9]*/status; do awk '/^Name:/ {n = $2} /^Uid:/ {print n, $2}' $s; done"]);
        const rootProcesses = listing.output
            .split("\n")
            .map((line) => line.trim().split(" "))
            .filter(([name, uid]) => uid === "0" && !["sh", "awk", "pg_isready"].includes(name));
        expect(rootProcesses).toEqual([]);
        const mounts = (await execInContainer(`${PREFIX}-db`, ["cat", "/proc/mounts"])).output;
        expect(mounts).toMatch(/^shm \/dev\/shm tmpfs [^ ]*size=131072k/m);
        expect(mounts).toMatch(/^overlay \/ overlay ro,/m);
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

    it("changes the limits and the restart policy in place: the same containers, new limits, nothing replaced", async () => {
        const before = { proxy: (await inspectContainer(`${PREFIX}-proxy`)).Id, db: (await inspectContainer(`${PREFIX}-db`)).Id };
        const logged = stack.docker.log.length;
        await stack.up({ proxyMemoryMb: "3072", proxyCpuShares: "1024", databaseMemoryMb: "768", restartPolicy: "on-failure:3" });
        expect(stack.docker.log.slice(logged).filter((l) => l.action !== "update")).toEqual([]);
        expect(stack.docker.log.slice(logged).map((l) => l.resource).sort()).toEqual(["local-database", "local-proxy"]);
        const proxy = await confinementOf(`${PREFIX}-proxy`);
        const database = await confinementOf(`${PREFIX}-db`);
        expect({ proxy: (await inspectContainer(`${PREFIX}-proxy`)).Id, db: (await inspectContainer(`${PREFIX}-db`)).Id }).toEqual(before);
        expect([proxy.HostConfig.Memory, proxy.HostConfig.MemorySwap, proxy.HostConfig.CpuShares]).toEqual([3072 * MIB, 3072 * MIB, 1024]);
        expect([database.HostConfig.Memory, database.HostConfig.MemorySwap, database.HostConfig.CpuShares]).toEqual([768 * MIB, 768 * MIB, 512]);
        expect([proxy.HostConfig.RestartPolicy, database.HostConfig.RestartPolicy]).toEqual([
            { Name: "on-failure", MaximumRetryCount: 3 },
            { Name: "on-failure", MaximumRetryCount: 3 },
        ]);
        expect((await chat(issuedKey)).status).toBe(200);
        // Back to the defaults, in place again, so the scenarios below see the stack as deployed.
        await stack.up({ proxyMemoryMb: "2048", proxyCpuShares: "512", databaseMemoryMb: "512", restartPolicy: "on-failure:5" });
        expect((await confinementOf(`${PREFIX}-proxy`)).HostConfig.Memory).toBe(2048 * MIB);
        expect((await inspectContainer(`${PREFIX}-proxy`)).Id).toBe(before.proxy);
    });

    it("restarts a crashed database by policy, and the proxy's readiness recovers", async () => {
        const restarts = await crash(`${PREFIX}-db`);
        await until("the database restarting", async () => ((await inspectContainer(`${PREFIX}-db`)).RestartCount > restarts ? true : undefined));
        await until("the database healthy again", async () => ((await inspectContainer(`${PREFIX}-db`)).State.Health?.Status === "healthy" ? true : undefined));
        const health = await until("readiness reporting the database", async () => {
            const body = await readiness(await valueOf(stack.program.masterKey));
            return body?.db === "connected" ? body : undefined;
        });
        expect(health.db).toBe("connected");
        expect((await chat(issuedKey)).status).toBe(200);
    });

    it("restarts a crashed proxy by policy", async () => {
        const restarts = await crash(`${PREFIX}-proxy`);
        await until("the proxy restarting", async () => ((await inspectContainer(`${PREFIX}-proxy`)).RestartCount > restarts ? true : undefined));
        const masterKey = await valueOf(stack.program.masterKey);
        await until("the proxy answering again", () => readiness(masterKey));
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

/**
 * The swarm program (index.ts, stack `swarm`) under the Swarm harness, and what the scenarios and
 * the bench do to it: its configuration with the local test images, requests through the front
 * door at a fixed rate (fast ones, and slow and slow streamed ones with LiteLLM's mock_response /
 * mock_delay), requests sent from inside a proxy task to each task directly, a task crashed from
 * the host, and the tasks' timings. Shared by tests/docker/swarmStack*.realDocker.test.ts and
 * bench/swarmBench.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { swarmNamePrefix } from "../../../components/swarm/names";
import { loadProgramNatively } from "../../support/nativeProgram";
import { until } from "../../support/polling";

export { until };
import { dockerCall, execInContainer } from "../dockerApi";
import type { SwarmTarget } from "../realSwarmEngine";
import { SwarmStack } from "./stack";

type Program = typeof import("../../../index");

export const REFS_FILE = join(__dirname, "..", "..", "images", ".refs.json");

export interface TestImages {
    litellmImage: string;
    litellmNextImage: string;
    litellmBrokenImage: string;
    postgresImage: string;
    redisImage: string;
    haproxyImage: string;
}

/** The digest-pinned refs `bash tests/images/build.sh` wrote, or undefined when an image is missing. */
export function readTestImages(): TestImages | undefined {
    if (!existsSync(REFS_FILE)) {
        return undefined;
    }
    const refs = JSON.parse(readFileSync(REFS_FILE, "utf8")) as Partial<TestImages>;
    const keys: (keyof TestImages)[] = ["litellmImage", "litellmNextImage", "litellmBrokenImage", "postgresImage", "redisImage", "haproxyImage"];
    return keys.every((k) => typeof refs[k] === "string") ? (refs as TestImages) : undefined;
}

/** A made-up Hugging Face token (the double never calls a provider); its rotation is a test. */
export const HF_TOKEN = "hf_swarmscenariotoken0000000000000000";
export const DATA_NODE_LABEL = "aiterm-litellm.data";
export const MODEL = { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" };
export const SECOND_MODEL = { name: "second", model: "huggingface/Qwen/Qwen2.5-Coder-1.5B-Instruct", apiKeyEnv: "HF_TOKEN" };

/** Stack config for the swarm program with the test images, as `pulumi config set` would hold it. */
export function swarmProgramConfig(images: TestImages, options: { port: number; replicas: number }, changes: Record<string, string> = {}): Record<string, string> {
    return {
        target: "swarm",
        cacheType: "redis",
        models: JSON.stringify([MODEL]),
        hfToken: HF_TOKEN,
        litellmImage: images.litellmImage,
        swarmPostgresImage: images.postgresImage,
        swarmRedisImage: images.redisImage,
        swarmFrontDoorImage: images.haproxyImage,
        swarmPort: String(options.port),
        swarmPublicHost: "127.0.0.1",
        swarmReplicas: String(options.replicas),
        // a drain returns once nothing is in flight; this bounds a stop (stop grace period 15 s above)
        swarmGracefulShutdownSeconds: "15",
        swarmConvergeTimeoutSeconds: "240",
        swarmMigrationTimeoutSeconds: "240",
        ...changes,
    };
}

export interface DeployedOutputs {
    url: string;
    masterKey: string;
    keys: Record<string, string>;
}

/**
 * One stack of the swarm program on a Swarm target. `up` is a `pulumi up` of index.ts with the
 * config given (secrets: hfToken), through the harness; `providerConfig` is the provider's own
 * (docker:host for a multi-node engine).
 */
export class SwarmProgramStack {
    readonly stack: SwarmStack;
    config: Record<string, string>;

    constructor(
        target: SwarmTarget,
        readonly stackName: string,
        config: Record<string, string>,
        readonly providerConfig: Record<string, string> = {},
    ) {
        this.stack = new SwarmStack(target);
        this.config = config;
    }

    /** Swarm name prefix of this stack (components/swarm/names.ts swarmNamePrefix). */
    get prefix(): string {
        return swarmNamePrefix(this.stackName);
    }

    service(role: "proxy" | "front-door" | "postgres" | "redis"): string {
        return `${this.prefix}-${role}`;
    }

    async up(changes: Record<string, string> = {}, timeoutMs = 600_000): Promise<DeployedOutputs> {
        this.config = { ...this.config, ...changes };
        const [url, masterKey, keys] = (await this.stack.up(
            () => {
                const program = loadProgramNatively<Program>();
                return [program.url, program.masterKey, program.virtualKeys] as pulumi.Output<unknown>[];
            },
            { stack: this.stackName, config: this.config, secretKeys: ["hfToken"], providerConfig: this.providerConfig },
            timeoutMs,
        )) as [string, string, Record<string, string>];
        return { url, masterKey, keys };
    }

    /** The migration job's state (the dynamic resource's outputs). */
    migration(): { migrationKey: string; completedAt: string; serviceName: string; image: string } {
        const entry = [...this.stack.dynamic.state.values()].find((e) => e.outs.resourceKind === "SwarmMigrationJob");
        if (!entry) {
            throw new Error("no migration job in the stack's state");
        }
        return entry.outs as { migrationKey: string; completedAt: string; serviceName: string; image: string };
    }

    /** How many times a migration job was created (= run) so far. */
    migrationRuns(): number {
        return this.stack.dynamic.callsTo("create", "swarm-migration").length;
    }
}

// ------------------------------------------------------------------------------------ requests

export interface ChatOptions {
    model?: string;
    stream?: boolean;
    /** LiteLLM's mock_delay (seconds): a slow answer. */
    mockDelaySeconds?: number;
    timeoutMs?: number;
}

export interface ChatResult {
    status: number;
    /** x-litellm-version: which image answered. */
    version: string;
    text: string;
}

/** One chat completion through `base` (non-2xx answers resolve; transport errors reject). */
export async function chat(base: string, key: string, options: ChatOptions = {}): Promise<ChatResult> {
    const body: Record<string, unknown> = { model: options.model ?? "default", messages: [{ role: "user", content: "hello" }] };
    if (options.stream) {
        body.stream = true;
    }
    if (options.mockDelaySeconds !== undefined) {
        body.mock_response = "a slow answer";
        body.mock_delay = options.mockDelaySeconds;
    }
    const response = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    return { status: response.status, version: response.headers.get("x-litellm-version") ?? "", text };
}

/** A chat completion that counts as served: 200, and for a stream, one that ended with [DONE]. */
export function served(result: ChatResult, stream = false): boolean {
    return result.status === 200 && (!stream || result.text.trimEnd().endsWith("data: [DONE]"));
}

export async function adminPost(base: string, masterKey: string, path: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${masterKey}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
    });
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.status !== 200) {
        throw new Error(`POST ${path}: HTTP ${response.status}`);
    }
    return json;
}

export async function modelsOf(base: string, key: string): Promise<string[]> {
    const response = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(10_000) });
    const json = (await response.json()) as { data?: { id: string }[] };
    return (json.data ?? []).map((m) => m.id).sort();
}

export interface KindCounts {
    ok: number;
    failed: number;
}

export interface LoopCounts {
    fast: KindCounts;
    slow: KindCounts;
    streamed: KindCounts;
    /** What failed, first ones: `<kind> <status or error>`. */
    errors: string[];
    /** x-litellm-version of the answers, counted. */
    versions: Record<string, number>;
    /** Fast requests that could not start because the cap of concurrent ones was reached. */
    skipped: number;
}

export function totals(counts: LoopCounts): { ok: number; failed: number; total: number } {
    const ok = counts.fast.ok + counts.slow.ok + counts.streamed.ok;
    const failed = counts.fast.failed + counts.slow.failed + counts.streamed.failed;
    return { ok, failed, total: ok + failed };
}

export function describeLoop(counts: LoopCounts): string {
    const t = totals(counts);
    return (
        `${t.failed} failed of ${t.total} (fast ${counts.fast.failed}/${counts.fast.ok + counts.fast.failed}, ` +
        `slow ${counts.slow.failed}/${counts.slow.ok + counts.slow.failed}, streamed ${counts.streamed.failed}/${counts.streamed.ok + counts.streamed.failed}); ` +
        `versions ${JSON.stringify(counts.versions)}${counts.skipped ? `; ${counts.skipped} not started (cap)` : ""}${counts.errors.length ? `; first errors: ${counts.errors.slice(0, 5).join(" | ")}` : ""}`
    );
}

export interface LoopOptions {
    /** Fast (non-streamed) chat completions started per second, whatever the answers take (default 20). */
    ratePerSecond?: number;
    /** Back-to-back slow non-streamed requests (mock_delay) and slow streamed ones (default 1 each). */
    slowWorkers?: number;
    streamWorkers?: number;
    /** mock_delay of the slow ones, seconds (default 2). */
    slowDelaySeconds?: number;
    /** A bound on the requests of the loop in all (default 6000). */
    maxRequests?: number;
}

/**
 * Requests through `base` until stopped: fast chat completions started at a fixed rate (an open
 * loop: a slow answer does not slow the rate down; at most 64 at once), plus slow and slow
 * streamed ones back to back. Every request has a timeout; the loop is bounded in requests.
 */
export function requestLoop(base: string, key: string, options: LoopOptions = {}) {
    const rate = options.ratePerSecond ?? 20;
    const maxRequests = options.maxRequests ?? 6000;
    const delay = options.slowDelaySeconds ?? 2;
    const counts: LoopCounts = { fast: { ok: 0, failed: 0 }, slow: { ok: 0, failed: 0 }, streamed: { ok: 0, failed: 0 }, errors: [], versions: {}, skipped: 0 };
    let running = true;
    let sent = 0;
    let inFlight = 0;
    const pending = new Set<Promise<void>>();
    const one = async (kind: keyof Pick<LoopCounts, "fast" | "slow" | "streamed">, options: ChatOptions): Promise<void> => {
        sent++;
        try {
            const result = await chat(base, key, options);
            if (served(result, options.stream)) {
                counts[kind].ok++;
                counts.versions[result.version] = (counts.versions[result.version] ?? 0) + 1;
            } else {
                counts[kind].failed++;
                counts.errors.push(`${kind} HTTP ${result.status}: ${result.text.slice(0, 160)}`);
            }
        } catch (error) {
            counts[kind].failed++;
            const cause = (error as { cause?: { code?: string } }).cause?.code;
            counts.errors.push(`${kind} ${(error as Error).name}${cause ? ` ${cause}` : ""}: ${(error as Error).message}`);
        }
    };
    const fast = (async () => {
        const interval = 1000 / rate;
        let next = performance.now();
        while (running && sent < maxRequests) {
            if (inFlight < 64) {
                inFlight++;
                const p = one("fast", { timeoutMs: 10_000 }).finally(() => {
                    inFlight--;
                    pending.delete(p);
                });
                pending.add(p);
            } else {
                counts.skipped++;
            }
            next += interval;
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
        }
    })();
    const loop = async (kind: "slow" | "streamed") => {
        while (running && sent < maxRequests) {
            await one(kind, { mockDelaySeconds: delay, stream: kind === "streamed", timeoutMs: (delay + 20) * 1000 });
        }
    };
    const workers = [
        ...Array.from({ length: options.slowWorkers ?? 1 }, () => loop("slow")),
        ...Array.from({ length: options.streamWorkers ?? 1 }, () => loop("streamed")),
    ];
    return {
        counts,
        async stop(): Promise<LoopCounts> {
            running = false;
            await Promise.all([fast, ...workers]);
            await Promise.all([...pending]);
            return counts;
        },
    };
}

// --------------------------------------------------------------------------------------- tasks

export interface TaskInfo {
    ID: string;
    NodeID?: string;
    Slot?: number;
    CreatedAt: string;
    DesiredState: string;
    Status: { State: string; Timestamp?: string; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
    Spec: { ContainerSpec: { Image: string } };
    NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses?: string[] }[];
}

export async function serviceTasks(service: string, socket?: string, desired = "running"): Promise<TaskInfo[]> {
    const filters = encodeURIComponent(JSON.stringify({ service: [service], ...(desired ? { "desired-state": [desired] } : {}) }));
    return dockerCall<TaskInfo[]>("GET", `/tasks?filters=${filters}`, { socket });
}

export async function running(service: string, socket?: string): Promise<TaskInfo[]> {
    return (await serviceTasks(service, socket)).filter((t) => t.Status.State === "running");
}

/** The task's address on the overlay network `network` (without the prefix length). */
export function taskAddress(task: TaskInfo, network: string): string {
    const attachment = task.NetworksAttachments?.find((a) => a.Network.Spec.Name === network);
    const address = attachment?.Addresses?.[0]?.split("/")[0];
    if (!address) {
        throw new Error(`task ${task.ID} has no address on ${network}`);
    }
    return address;
}

export function containerOf(task: TaskInfo): string {
    const id = task.Status.ContainerStatus?.ContainerID;
    if (!id) {
        throw new Error(`task ${task.ID} has no container`);
    }
    return id;
}

/** A crash: SIGKILL to the task's main process from the host (docker kill would be a deliberate stop). */
export async function crashTask(task: TaskInfo, socket?: string): Promise<void> {
    const inspected = await dockerCall<{ State: { Pid: number } }>("GET", `/containers/${containerOf(task)}/json`, { socket });
    if (!(inspected.State.Pid > 0)) {
        throw new Error(`the container of task ${task.ID} has no process to kill`);
    }
    process.kill(inspected.State.Pid, "SIGKILL");
}


export async function updateState(service: string, socket?: string): Promise<string | undefined> {
    return (await dockerCall<{ UpdateStatus?: { State: string } }>("GET", `/services/${service}`, { socket })).UpdateStatus?.State;
}

export async function waitForUpdateState(service: string, states: string[], socket?: string, timeoutMs = 180_000): Promise<string> {
    return until(`the update of ${service} ending ${states.join(" or ")}`, async () => {
        const state = await updateState(service, socket);
        return state && states.includes(state) ? state : undefined;
    }, timeoutMs, 250);
}

// ------------------------------------------------------------------- requests from inside a task

/**
 * Sends requests from inside a container of the swarm (a proxy task: its image has python3), so
 * that each proxy task can be reached on its own overlay address, which the host cannot reach.
 * The requests (keys included) travel in the exec's environment, not its command line.
 */
const PROBE_SCRIPT = `
import http.client, json, os, time
spec = json.loads(os.environ["PROBE"])
out = []
if spec["mode"] == "requests":
    for r in spec["requests"]:
        c = http.client.HTTPConnection(r["host"], r["port"], timeout=15)
        try:
            c.request(r.get("method", "GET"), r["path"], body=json.dumps(r["body"]) if r.get("body") is not None else None,
                      headers={"Authorization": "Bearer " + r["key"], "Content-Type": "application/json"})
            resp = c.getresponse()
            resp.read()
            out.append({"status": resp.status, "version": resp.getheader("x-litellm-version") or ""})
        except Exception as e:
            out.append({"status": 0, "error": type(e).__name__})
        finally:
            c.close()
else:
    c = http.client.HTTPConnection(spec["host"], spec["port"], timeout=15)
    body = json.dumps(spec["body"])
    headers = {"Authorization": "Bearer " + spec["key"], "Content-Type": "application/json"}
    for i in range(spec["count"]):
        t0 = time.perf_counter()
        try:
            c.request("POST", spec["path"], body=body, headers=headers)
            resp = c.getresponse()
            resp.read()
            out.append({"ms": (time.perf_counter() - t0) * 1000, "status": resp.status})
        except Exception as e:
            out.append({"ms": (time.perf_counter() - t0) * 1000, "status": 0, "error": type(e).__name__})
            c.close()
            c = http.client.HTTPConnection(spec["host"], spec["port"], timeout=15)
print(json.dumps(out))
`;

export interface DirectRequest {
    host: string;
    port: number;
    path: string;
    key: string;
    method?: "GET" | "POST";
    body?: unknown;
}

export interface DirectAnswer {
    status: number;
    version?: string;
    error?: string;
}

async function runProbe<T>(container: string, spec: unknown, socket?: string): Promise<T> {
    const { exitCode, output } = await execInContainer(container, ["python3", "-c", PROBE_SCRIPT], undefined, socket, [`PROBE=${JSON.stringify(spec)}`]);
    if (exitCode !== 0) {
        throw new Error(`the probe in container ${container.slice(0, 12)} exited with ${exitCode}: ${output.slice(-400)}`);
    }
    return JSON.parse(output.trim().split("\n").pop() ?? "[]") as T;
}

export function probeFromTask(container: string, requests: DirectRequest[], socket?: string): Promise<DirectAnswer[]> {
    return runProbe<DirectAnswer[]>(container, { mode: "requests", requests }, socket);
}

/** `count` sequential chat completions on one kept-alive connection, each one's latency in ms. */
export async function latencyFromTask(container: string, target: { host: string; port: number }, key: string, count: number, socket?: string): Promise<number[]> {
    const answers = await runProbe<{ ms: number; status: number }[]>(
        container,
        { mode: "latency", host: target.host, port: target.port, path: "/v1/chat/completions", key, count, body: { model: "default", messages: [{ role: "user", content: "hi" }] } },
        socket,
    );
    const failed = answers.filter((a) => a.status !== 200).length;
    if (failed > 0) {
        throw new Error(`${failed} of ${count} latency requests to ${target.host}:${target.port} failed`);
    }
    return answers.map((a) => a.ms);
}

export function percentile(values: number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function median(values: number[]): number {
    return percentile(values, 50);
}

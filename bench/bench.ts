/**
 * `npm run bench`: how long from nothing to a proxy that answers /health/liveliness and a chat
 * completion, for
 *   (a) this stack's declared graph, created on the local engine by the real-Docker harness, and
 *   (b) the seed guide's docker-compose deployment (Debian's docker-compose) on the same images,
 * several runs each, interleaved, with medians and the ratio (a)/(b); the floor (each image's own
 * start-up, measured alone); and the no-change redeploy of both. Writes BENCHMARKS.md.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { dockerCall, inspectContainer } from "../tests/docker/dockerApi";
import { RealDockerEngine } from "../tests/docker/realDockerEngine";
import { DynamicEngine } from "../tests/support/dynamicEngine";
import { loadProgramNatively } from "../tests/support/nativeProgram";
import { installMocks } from "../tests/support/pulumiMocks";

type Program = typeof import("../index");

const root = join(__dirname, "..");
const runs = Number(process.env.BENCH_RUNS ?? 5);
const refs = JSON.parse(readFileSync(join(root, "tests", "images", ".refs.json"), "utf8")) as { litellmImage: string; postgresImage: string };
const STACK_PORT = 14100;
const SEED_PORT = 4000;
const MASTER_KEY = "sk-benchmark-master-key-000000000000000000";
/** A fake token: the test double never calls a provider. */
const FAKE_HF_TOKEN = "hf_fakebenchmarktoken00000000000000";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();
const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

async function answers(url: string, init?: RequestInit): Promise<boolean> {
    try {
        const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.status === 200;
    } catch {
        return false;
    }
}

/** Polls every 50 ms until the proxy is alive and has served one chat completion. */
async function untilServing(port: number, key: string, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const body = JSON.stringify({ model: "default", messages: [{ role: "user", content: "ping" }] });
    while (Date.now() < deadline) {
        if (
            (await answers(`http://127.0.0.1:${port}/health/liveliness`)) &&
            (await answers(`http://127.0.0.1:${port}/v1/chat/completions`, {
                method: "POST",
                headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
                body,
            }))
        ) {
            return;
        }
        await sleep(50);
    }
    throw new Error(`the proxy on port ${port} did not serve a chat completion within ${timeoutMs} ms`);
}

async function removeQuietly(path: string): Promise<void> {
    await dockerCall("DELETE", path).catch(() => undefined);
}

// ---------------------------------------------------------------------------------- (a) the stack
const STACK = "bench";
async function cleanStack(): Promise<void> {
    for (const role of ["proxy", "db"]) {
        await removeQuietly(`/containers/litellm-${STACK}-${role}?force=true&v=true`);
    }
    for (const network of ["backend", "frontend"]) {
        await removeQuietly(`/networks/litellm-${STACK}-${network}`);
    }
    await removeQuietly(`/volumes/litellm-${STACK}-data`);
}

async function stackUp(docker: RealDockerEngine, dynamic: DynamicEngine): Promise<Program> {
    installMocks({
        stack: STACK,
        config: {
            hfToken: FAKE_HF_TOKEN,
            litellmImage: refs.litellmImage,
            postgresImage: refs.postgresImage,
            port: String(STACK_PORT),
            keepDataOnDestroy: "false",
        },
        secretKeys: ["hfToken"],
        provision: docker.provision,
    });
    docker.beginRun();
    const program = loadProgramNatively<Program>();
    await dynamic.settle([program.url, program.aitermSetup, program.virtualKeys as pulumi.Output<unknown>], 240_000);
    await docker.finishRun();
    return program;
}

async function measureStack(): Promise<{ ready: number; redeploy: number }> {
    await cleanStack();
    const dynamic = new DynamicEngine();
    const docker = new RealDockerEngine(dynamic);
    try {
        const start = now();
        const program = await stackUp(docker, dynamic);
        const keys = (await valueOf(program.virtualKeys)) as Record<string, string>;
        await untilServing(STACK_PORT, keys.aiterm);
        const ready = now() - start;
        if (process.env.BENCH_TRACE) {
            console.log(docker.log.map((l) => `${((l.at - start) / 1000).toFixed(2)} ${l.action} ${l.resource}`).join("\n"));
        }
        const again = now();
        await stackUp(docker, dynamic);
        const redeploy = now() - again;
        return { ready, redeploy };
    } finally {
        await docker.destroy().catch(() => undefined);
        await cleanStack();
    }
}

// ----------------------------------------------------------------------------------- (b) the seed
function compose(directory: string, ...args: string[]): void {
    execFileSync("docker-compose", ["-p", "aitermseed", ...args], {
        cwd: directory,
        env: { ...process.env, LITELLM_IMAGE: refs.litellmImage, POSTGRES_IMAGE: refs.postgresImage },
        stdio: "pipe",
    });
}

async function measureSeed(): Promise<{ ready: number; redeploy: number }> {
    const directory = mkdtempSync(join(tmpdir(), "aiterm-seed-"));
    copyFileSync(join(__dirname, "seed", "docker-compose.yml"), join(directory, "docker-compose.yml"));
    copyFileSync(join(__dirname, "seed", "config.yaml"), join(directory, "config.yaml"));
    writeFileSync(join(directory, ".env"), `HF_TOKEN=${FAKE_HF_TOKEN}\nLITELLM_MASTER_KEY=${MASTER_KEY}\nLOG_LEVEL=INFO\n`);
    try {
        compose(directory, "down", "-v", "--remove-orphans");
        const start = now();
        compose(directory, "up", "-d");
        await untilServing(SEED_PORT, MASTER_KEY);
        const ready = now() - start;
        const again = now();
        compose(directory, "up", "-d");
        const redeploy = now() - again;
        return { ready, redeploy };
    } finally {
        try {
            compose(directory, "down", "-v", "--remove-orphans");
        } finally {
            rmSync(directory, { recursive: true, force: true });
        }
    }
}

// ------------------------------------------------------------------------------------ the floor
async function createAndStart(body: Record<string, unknown>, name: string): Promise<string> {
    const created = await dockerCall<{ Id: string }>("POST", `/containers/create?name=${name}`, { body });
    await dockerCall("POST", `/containers/${created.Id}/start`);
    return created.Id;
}

/** Postgres alone: `docker run` on an empty volume until pg_isready answers inside it. */
async function measurePostgresAlone(): Promise<number> {
    const name = "aiterm-floor-db";
    await removeQuietly(`/containers/${name}?force=true&v=true`);
    await removeQuietly(`/volumes/aiterm-floor-data`);
    await dockerCall("POST", "/networks/create", { body: { Name: "aiterm-floor", CheckDuplicate: true } }).catch(() => undefined);
    const start = now();
    await createAndStart(
        {
            Image: refs.postgresImage,
            Env: ["POSTGRES_USER=litellm", "POSTGRES_PASSWORD=litellm", "POSTGRES_DB=litellm"],
            HostConfig: { NetworkMode: "aiterm-floor", Mounts: [{ Type: "volume", Source: "aiterm-floor-data", Target: "/var/lib/postgresql/data" }] },
            NetworkingConfig: { EndpointsConfig: { "aiterm-floor": { Aliases: ["db"] } } },
        },
        name,
    );
    for (;;) {
        try {
            execFileSync("docker", ["exec", name, "pg_isready", "-q", "-h", (await inspectContainer(name)).NetworkSettings.Networks["aiterm-floor"].IPAddress, "-U", "litellm"], { stdio: "pipe" });
            return now() - start;
        } catch {
            await sleep(50);
        }
    }
}

/** LiteLLM alone, with its database already up: `docker run` until it serves a completion. */
async function measureLiteLLMAlone(): Promise<number> {
    const name = "aiterm-floor-proxy";
    await removeQuietly(`/containers/${name}?force=true`);
    const start = now();
    const id = await createAndStart(
        {
            Image: refs.litellmImage,
            Cmd: ["--port", "4000"],
            Env: [`LITELLM_MASTER_KEY=${MASTER_KEY}`, "DATABASE_URL=postgresql://litellm:litellm@db:5432/litellm"],
            ExposedPorts: { "4000/tcp": {} },
            HostConfig: { NetworkMode: "aiterm-floor", PortBindings: { "4000/tcp": [{ HostIp: "127.0.0.1", HostPort: "14200" }] } },
        },
        name,
    );
    try {
        await untilServingAnyModel(14200);
        return now() - start;
    } finally {
        await removeQuietly(`/containers/${id}?force=true`);
    }
}

/** Without a config file the test double has no models: liveliness and /v1/models mark it ready. */
async function untilServingAnyModel(port: number): Promise<void> {
    while (
        !(await answers(`http://127.0.0.1:${port}/health/liveliness`)) ||
        !(await answers(`http://127.0.0.1:${port}/v1/models`, { headers: { Authorization: `Bearer ${MASTER_KEY}` } }))
    ) {
        await sleep(50);
    }
}

async function measureFloor(): Promise<{ postgres: number; litellm: number }> {
    try {
        const postgres = await measurePostgresAlone();
        const litellm = await measureLiteLLMAlone();
        return { postgres, litellm };
    } finally {
        await removeQuietly("/containers/aiterm-floor-db?force=true&v=true");
        await removeQuietly("/volumes/aiterm-floor-data");
        await removeQuietly("/networks/aiterm-floor");
    }
}

// ------------------------------------------------------------------------------------- report
const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
    const stack: { ready: number; redeploy: number }[] = [];
    const seed: { ready: number; redeploy: number }[] = [];
    const floor: { postgres: number; litellm: number }[] = [];
    for (let run = 1; run <= runs; run++) {
        // Interleaved, alternating which goes first, so drift on the machine hits both alike.
        const order = run % 2 ? ["stack", "seed"] : ["seed", "stack"];
        for (const which of order) {
            if (which === "stack") {
                stack.push(await measureStack());
            } else {
                seed.push(await measureSeed());
            }
        }
        floor.push(await measureFloor());
        const last = (values: { ready: number }[]) => seconds(values[values.length - 1].ready);
        console.log(`run ${run}/${runs}: stack ${last(stack)} s, seed ${last(seed)} s, floor ${seconds(floor[run - 1].postgres + floor[run - 1].litellm)} s`);
    }
    const m = {
        stack: median(stack.map((r) => r.ready)),
        seed: median(seed.map((r) => r.ready)),
        postgres: median(floor.map((f) => f.postgres)),
        litellm: median(floor.map((f) => f.litellm)),
        stackRedeploy: median(stack.map((r) => r.redeploy)),
        seedRedeploy: median(seed.map((r) => r.redeploy)),
    };
    const floorTotal = m.postgres + m.litellm;
    const rows = [
        `| (a) this stack, from nothing to serving | ${seconds(m.stack)} s | ${stack.map((r) => seconds(r.ready)).join(", ")} |`,
        `| (b) the seed's compose, from nothing to serving | ${seconds(m.seed)} s | ${seed.map((r) => seconds(r.ready)).join(", ")} |`,
        `| floor: Postgres alone + LiteLLM alone | ${seconds(floorTotal)} s | ${floor.map((f) => seconds(f.postgres + f.litellm)).join(", ")} |`,
        `| &nbsp;&nbsp;Postgres alone (empty volume to pg_isready) | ${seconds(m.postgres)} s | ${floor.map((f) => seconds(f.postgres)).join(", ")} |`,
        `| &nbsp;&nbsp;LiteLLM alone (database up, to serving) | ${seconds(m.litellm)} s | ${floor.map((f) => seconds(f.litellm)).join(", ")} |`,
        `| (a) no-change redeploy | ${seconds(m.stackRedeploy)} s | ${stack.map((r) => seconds(r.redeploy)).join(", ")} |`,
        `| (b) no-change \`docker-compose up -d\` | ${seconds(m.seedRedeploy)} s | ${seed.map((r) => seconds(r.redeploy)).join(", ")} |`,
    ];
    const summary = [
        `- ratio (a)/(b), ready: **${(m.stack / m.seed).toFixed(2)}** (aim: at most 0.5)`,
        `- (a) minus the floor: **${seconds(m.stack - floorTotal)} s** (aim: at most 2 s)`,
        `- ratio (a)/(b), no-change redeploy: **${(m.stackRedeploy / m.seedRedeploy).toFixed(2)}**`,
    ];
    const report = [
        "## Latest run",
        "",
        `${new Date().toISOString()}, ${runs} runs each, interleaved; ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Docker ${await dockerVersion()}.`,
        "",
        "| measurement | median | runs |",
        "|---|---|---|",
        ...rows,
        "",
        ...summary,
        "",
    ].join("\n");
    console.log(`\n${report}`);
    const path = join(root, "BENCHMARKS.md");
    const existing = readFileSync(path, "utf8");
    const marker = "## Latest run";
    writeFileSync(path, `${existing.includes(marker) ? existing.slice(0, existing.indexOf(marker)) : `${existing.trimEnd()}\n\n`}${report}`);
    console.log(`written to ${path}`);
}

async function dockerVersion(): Promise<string> {
    return (await dockerCall<{ Version: string }>("GET", "/version")).Version;
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});

/**
 * The multi-instance figures of `npm run bench`: the swarm program (stack `swarm`) under the Swarm
 * harness, with the LiteLLM test double, on the local engine as a one-node swarm and on three nodes
 * (one dockerd per network namespace), as tests/docker/swarmStack*.realDocker.test.ts run it:
 *
 * - failed requests during a rolling model-list change, at a fixed rate of fast chat completions
 *   (20 a second, started whatever the answers take) plus one slow and one slow streamed request
 *   back to back (mock_delay 2 s), through the front door; target 0;
 * - time to replace a crashed replica (SIGKILL from the host) until two run healthy again;
 * - time to recover from a lost node (its link cut): Swarm marks it Down, then its replica runs on a
 *   surviving node; failed requests meanwhile;
 * - the front door's added latency: sequential chat completions from inside one proxy task, to the
 *   other replica directly and through the front door (HAProxy on the overlay network), p50 and p99.
 *
 * Every part cleans up after itself, also on a failure or a signal (bench/cleanup.ts).
 */
import { Interrupted, interrupted, throwIfInterrupted, withCleanup } from "./cleanup";
import {
    DATA_NODE_LABEL,
    LoopCounts,
    MODEL,
    SECOND_MODEL,
    SwarmProgramStack,
    TestImages,
    containerOf,
    crashTask,
    latencyFromTask,
    percentile,
    readTestImages,
    requestLoop,
    running,
    swarmProgramConfig,
    taskAddress,
    totals,
    until,
    waitForUpdateState,
} from "../tests/docker/swarm/litellmScenario";
import { LocalSwarm } from "../tests/docker/swarm/localSwarm";
import { sweepSwarmStack } from "../tests/docker/swarm/sweep";
import { SwarmNodes } from "../tests/docker/swarmNodes";
import { SWARM_NODES_PORT, SWARM_NODES_STACK, SWARM_PORT, SWARM_STACK } from "./settings";

export interface RequestTally {
    ok: number;
    failed: number;
    total: number;
    /** Fast requests per second actually started over the window. */
    fastRate: number;
}

export interface SwarmFigures {
    deployMs: number;
    rollingChanges: (RequestTally & { rolloutMs: number })[];
    replicaRecoveryMs: number[];
    replicaCrashRequests: RequestTally[];
    latency: { directP50: number; directP99: number; doorP50: number; doorP99: number; requests: number }[];
    nodes?: {
        deployMs: number;
        losses: (RequestTally & { downMs: number; recoveredMs: number; node: string })[];
    };
    notes: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const since = (t0: number) => Math.round(performance.now() - t0);

function tally(counts: LoopCounts, windowMs: number): RequestTally {
    const t = totals(counts);
    return { ...t, fastRate: Math.round(((counts.fast.ok + counts.fast.failed) / windowMs) * 10_000) / 10 };
}

/** Runs `action` under the request loop; the loop's tally over the whole window. */
async function underLoop<T>(url: string, key: string, action: () => Promise<T>): Promise<{ result: T; tally: RequestTally; errors: string[] }> {
    const loop = requestLoop(url, key, { ratePerSecond: 20, slowWorkers: 1, streamWorkers: 1, slowDelaySeconds: 2 });
    const t0 = performance.now();
    try {
        await sleep(1500);
        const result = await action();
        await sleep(1500);
        const counts = await loop.stop();
        return { result, tally: tally(counts, performance.now() - t0), errors: counts.errors.slice(0, 5) };
    } finally {
        await loop.stop();
    }
}

function images(): TestImages {
    const refs = readTestImages();
    if (!refs) {
        throw new Error("the Swarm test images are not all built: run bash tests/images/build.sh");
    }
    return refs;
}

async function oneNode(figures: SwarmFigures, runs: number): Promise<void> {
    const refs = images();
    const swarm = await LocalSwarm.acquire();
    const s = new SwarmProgramStack(swarm, SWARM_STACK, swarmProgramConfig(refs, { port: SWARM_PORT, replicas: 2 }));
    const teardown = async () => {
        await s.stack.engine.idle();
        await s.stack.destroy().catch(() => undefined);
        await sweepSwarmStack(s.prefix, { volumes: true }).catch(() => undefined);
        await swarm.release();
    };
    await withCleanup(teardown, async () => {
        await swarm.setNodeLabels({ [DATA_NODE_LABEL]: "true" });
        await sweepSwarmStack(s.prefix, { volumes: true });
        const t0 = performance.now();
        const out = await s.up();
        figures.deployMs = since(t0);
        const key = out.keys.aiterm;
        const proxy = s.service("proxy");
        console.log(`swarm, one node: deployed in ${(figures.deployMs / 1000).toFixed(1)} s`);

        for (let run = 1; run <= runs; run++) {
            throwIfInterrupted();
            const models = JSON.stringify(run % 2 ? [MODEL, SECOND_MODEL] : [MODEL]);
            const migrations = s.migrationRuns();
            const change = await underLoop(out.url, key, async () => {
                const c0 = performance.now();
                await s.up({ models });
                await waitForUpdateState(proxy, ["completed"]);
                return since(c0);
            });
            if (s.migrationRuns() !== migrations) {
                throw new Error("a model-list change ran the migration again");
            }
            figures.rollingChanges.push({ ...change.tally, rolloutMs: change.result });
            console.log(`swarm, one node: rolling model change ${run}/${runs}: ${change.tally.failed} failed of ${change.tally.total}, rollout ${(change.result / 1000).toFixed(1)} s${change.errors.length ? ` (${change.errors.join(" | ")})` : ""}`);

            const [victim] = await running(proxy);
            const crash = await underLoop(out.url, key, async () => {
                const c0 = performance.now();
                await crashTask(victim);
                await until("the crashed replica replaced", async () => {
                    const now = await running(proxy);
                    return now.length === 2 && !now.some((t) => t.ID === victim.ID) ? true : undefined;
                }, 120_000, 50);
                return since(c0);
            });
            figures.replicaRecoveryMs.push(crash.result);
            figures.replicaCrashRequests.push(crash.tally);
            console.log(`swarm, one node: crashed replica ${run}/${runs} replaced in ${(crash.result / 1000).toFixed(2)} s; ${crash.tally.failed} failed of ${crash.tally.total}`);

            const replicas = await running(proxy);
            const [door] = await running(s.service("front-door"));
            const frontend = `${s.prefix}-frontend`;
            const client = containerOf(replicas[0]);
            const direct = { host: taskAddress(replicas[1], frontend), port: 4000 };
            const viaDoor = { host: taskAddress(door, frontend), port: 8080 };
            // warm both paths, then alternate blocks so drift on the machine hits both alike
            await latencyFromTask(client, direct, out.masterKey, 20);
            await latencyFromTask(client, viaDoor, out.masterKey, 20);
            const directMs: number[] = [];
            const doorMs: number[] = [];
            for (let block = 0; block < 5; block++) {
                directMs.push(...(await latencyFromTask(client, direct, out.masterKey, 200)));
                doorMs.push(...(await latencyFromTask(client, viaDoor, out.masterKey, 200)));
            }
            const l = { directP50: percentile(directMs, 50), directP99: percentile(directMs, 99), doorP50: percentile(doorMs, 50), doorP99: percentile(doorMs, 99), requests: directMs.length };
            figures.latency.push(l);
            console.log(`swarm, one node: latency ${run}/${runs}: direct p50 ${l.directP50.toFixed(2)} ms p99 ${l.directP99.toFixed(2)} ms; front door p50 ${l.doorP50.toFixed(2)} ms p99 ${l.doorP99.toFixed(2)} ms`);
        }
    });
}

async function threeNodes(figures: SwarmFigures, runs: number): Promise<void> {
    const refs = images();
    const nodes = await SwarmNodes.start({ nodes: 3, managers: 1, registry: true });
    let s: SwarmProgramStack | undefined;
    const teardown = async () => {
        await s?.stack.engine.idle();
        await nodes.stop();
    };
    await withCleanup(teardown, async () => {
        await nodes.setNodeLabels("n1", { [DATA_NODE_LABEL]: "true" });
        await nodes.forward(nodes.node("n1").address, SWARM_NODES_PORT, SWARM_NODES_PORT);
        s = new SwarmProgramStack(nodes, SWARM_NODES_STACK, swarmProgramConfig(refs, { port: SWARM_NODES_PORT, replicas: 3 }), { "docker:host": `unix://${nodes.socket}` });
        const t0 = performance.now();
        const out = await s.up();
        const result: NonNullable<SwarmFigures["nodes"]> = { deployMs: since(t0), losses: [] };
        figures.nodes = result;
        console.log(`swarm, three nodes: deployed in ${(result.deployMs / 1000).toFixed(1)} s`);
        const proxy = s.service("proxy");
        for (let run = 1; run <= runs; run++) {
            throwIfInterrupted();
            // a worker that runs a replica now (after a loss, Swarm does not move replicas back)
            const tasks = await running(proxy, nodes.socket);
            const victim = nodes.nodes.find((n) => n.role === "worker" && tasks.some((t) => t.NodeID === n.nodeId));
            if (!victim) {
                throw new Error("no worker node runs a replica");
            }
            const loss = await underLoop(out.url, out.keys.aiterm, async () => {
                const c0 = performance.now();
                await nodes.cut(victim.name);
                await until(`${victim.name} marked Down`, async () => ((await nodes.nodeStates())[victim.name] === "down" ? true : undefined), 60_000, 100);
                const downMs = since(c0);
                await until("three replicas on the surviving nodes", async () => {
                    const now = (await running(proxy, nodes.socket)).filter((t) => t.NodeID !== victim.nodeId);
                    return now.length === 3 ? true : undefined;
                }, 120_000, 100);
                return { downMs, recoveredMs: since(c0) };
            });
            result.losses.push({ ...loss.tally, ...loss.result, node: victim.name });
            console.log(
                `swarm, three nodes: ${victim.name} lost ${run}/${runs}: Down after ${(loss.result.downMs / 1000).toFixed(1)} s, replicas back after ${(loss.result.recoveredMs / 1000).toFixed(1)} s; ` +
                    `${loss.tally.failed} failed of ${loss.tally.total}${loss.errors.length ? ` (${loss.errors.join(" | ")})` : ""}`,
            );
            await nodes.restore(victim.name);
            await until(`${victim.name} Ready again`, async () => ((await nodes.nodeStates())[victim.name] === "ready" ? true : undefined), 90_000, 250);
        }
    });
}

/** Both parts; `nodeRuns` 0 skips the three-node engine. */
export async function measureSwarm(runs: number, nodeRuns: number): Promise<SwarmFigures> {
    const figures: SwarmFigures = { deployMs: 0, rollingChanges: [], replicaRecoveryMs: [], replicaCrashRequests: [], latency: [], notes: [] };
    await oneNode(figures, runs);
    if (interrupted()) {
        throw new Interrupted();
    }
    if (nodeRuns > 0) {
        await threeNodes(figures, nodeRuns);
    }
    return figures;
}

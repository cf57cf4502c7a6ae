/**
 * The swarm program itself (index.ts, stack `swarm`) on three real Swarm nodes: one dockerd per
 * network namespace the test makes (tests/docker/swarmNodes.ts), n1 the manager and the data node,
 * every image pulled by digest from the local test registry through each node's own 127.0.0.1:5000.
 * The program's front door URL (swarmPublicHost 127.0.0.1, swarmPort) is a relay on this machine's
 * 127.0.0.1 to n1's published port, and its migration job talks to n1's engine (docker:host), as a
 * user with an SSH-forwarded manager socket and port would set them.
 *
 * Three replicas spread one per node; a worker's link is cut under a request loop through n1's
 * front door; Swarm marks it Down and starts its replica on a surviving node; the loop's failed
 * requests are counted and bounded; n2's front door serves too. Everything goes with the nodes.
 *
 * Needs root, `ip`, `nsenter`, a Docker engine (the test registry runs there) and the test images;
 * skipped outside CI without them, a failure in CI.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Forward, multiNodeEngineProblem, SwarmNodes } from "./swarmNodes";
import {
    chat,
    DATA_NODE_LABEL,
    DeployedOutputs,
    describeLoop,
    readTestImages,
    requestLoop,
    running,
    SwarmProgramStack,
    swarmProgramConfig,
    totals,
    until,
} from "./swarm/litellmScenario";

const inCI = process.env.CI === "true";
const images = readTestImages();

function prerequisites(): string | undefined {
    const engine = multiNodeEngineProblem();
    if (engine) {
        return engine;
    }
    if (!images) {
        return "the test images are not built (bash tests/images/build.sh)";
    }
    return undefined;
}

const problem = prerequisites();
if (problem) {
    if (inCI) {
        throw new Error(`The multi-node swarm stack tests must run in CI, but ${problem}. .ci/run provides everything they need.`);
    }
    console.warn(`\n[multi-node swarm stack tests SKIPPED] ${problem}.\n`);
}

const STACK = "swarm-nodes";
/** The front door's port on every node, and the local relay's port to n1's (the program's URL). */
const PORT = 14320;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (t0: number) => Math.round(performance.now() - t0);

describe.runIf(!problem)("the swarm program on three nodes (one dockerd per network namespace)", { timeout: 420_000 }, () => {
    let nodes: SwarmNodes;
    let s: SwarmProgramStack;
    let out: DeployedOutputs;
    let key: string;
    let doorN2: Forward;
    const figures: Record<string, unknown> = {};

    beforeAll(async () => {
        nodes = await SwarmNodes.start({ nodes: 3, managers: 1, registry: true });
        figures.nodesStartMs = Math.round(nodes.timings.totalMs ?? 0);
        await nodes.setNodeLabels("n1", { [DATA_NODE_LABEL]: "true" });
        await nodes.forward(nodes.node("n1").address, PORT, PORT);
        doorN2 = await nodes.forward(nodes.node("n2").address, PORT);
        s = new SwarmProgramStack(nodes, STACK, swarmProgramConfig(images!, { port: PORT, replicas: 3 }), { "docker:host": `unix://${nodes.socket}` });
    }, 180_000);

    afterAll(async () => {
        await s?.stack.engine.idle();
        // the nodes' daemons, data roots and namespaces go, and everything on them with them
        await nodes?.stop();
        console.log(`[swarm stack, three nodes] figures: ${JSON.stringify(figures)}`);
    }, 120_000);

    const nodeNameOf = (nodeId: string | undefined) => nodes.nodes.find((n) => n.nodeId === nodeId)?.name ?? String(nodeId);

    it("deploys from nothing with three replicas spread one per node, a front door on every node, the data services on the labelled node", async () => {
        const t0 = performance.now();
        out = await s.up();
        figures.deployFromNothingMs = ms(t0);
        key = out.keys.aiterm;
        const replicas = await running(s.service("proxy"), nodes.socket);
        expect(replicas).toHaveLength(3);
        expect(new Set(replicas.map((t) => nodeNameOf(t.NodeID)))).toEqual(new Set(["n1", "n2", "n3"]));
        expect(new Set((await running(s.service("front-door"), nodes.socket)).map((t) => nodeNameOf(t.NodeID)))).toEqual(new Set(["n1", "n2", "n3"]));
        for (const role of ["postgres", "redis"] as const) {
            expect((await running(s.service(role), nodes.socket)).map((t) => nodeNameOf(t.NodeID)), role).toEqual(["n1"]);
        }
        // the migration ran on the multi-node engine (docker:host), once
        expect(s.migrationRuns()).toBe(1);
        expect((await chat(out.url, key)).status).toBe(200);
        expect((await chat(doorN2.url, key)).status).toBe(200);
        console.log(`[swarm stack, three nodes] from nothing (images pulled on every node) to the aiterm key answering: ${figures.deployFromNothingMs} ms`);
    });

    it("recovers from a node cut off under a request loop: Down, its replica started on a surviving node, few requests lost", async () => {
        const proxy = s.service("proxy");
        const n3 = nodes.node("n3");
        const loop = requestLoop(out.url, key);
        await sleep(2000);
        const t0 = performance.now();
        await nodes.cut("n3");
        await until("n3 marked Down", async () => ((await nodes.nodeStates()).n3 === "down" ? true : undefined), 60_000, 250);
        figures.nodeDownAfterMs = ms(t0);
        const recovered = await until("three replicas running on the surviving nodes", async () => {
            const now = (await running(proxy, nodes.socket)).filter((t) => t.NodeID !== n3.nodeId);
            return now.length === 3 ? now : undefined;
        }, 120_000, 250);
        figures.threeReplicasBackAfterMs = ms(t0);
        await sleep(3000);
        const counts = await loop.stop();
        const t = totals(counts);
        figures.nodeLossRequests = t;
        console.log(
            `[swarm stack, three nodes] n3 cut: Down after ${figures.nodeDownAfterMs} ms, three replicas on n1/n2 after ${figures.threeReplicasBackAfterMs} ms; ${describeLoop(counts)}`,
        );
        expect(new Set(recovered.map((task) => nodeNameOf(task.NodeID)))).toEqual(new Set(["n1", "n2"]));
        // Lost: what was in flight on n3's replica when its cable went (a chat completion, a POST, is
        // never resent by the front door), and requests sent to it on kept-alive connections before
        // the front door's checks marked it down; a connection attempt to it is retried elsewhere.
        expect(t.failed, counts.errors.join("\n")).toBeLessThanOrEqual(Math.max(5, Math.ceil(t.total * 0.03)));
        expect(counts.fast.ok).toBeGreaterThan(200);
        for (let i = 0; i < 5; i++) {
            expect((await chat(doorN2.url, key)).status).toBe(200);
            expect((await chat(out.url, key)).status).toBe(200);
        }
    });

    it("takes the node back when its link returns (the replicas stay where they run: Swarm does not rebalance)", async () => {
        const t0 = performance.now();
        await nodes.restore("n3");
        await until("n3 Ready again", async () => ((await nodes.nodeStates()).n3 === "ready" ? true : undefined), 90_000, 250);
        figures.nodeReadyAgainMs = ms(t0);
        expect(await running(s.service("proxy"), nodes.socket)).toHaveLength(3);
        expect((await chat(out.url, key)).status).toBe(200);
    });
});

/**
 * The Swarm harness on three real nodes: one dockerd per network namespace the test makes
 * (tests/docker/swarmNodes.ts), images pulled by digest from the local test registry through each
 * node's own 127.0.0.1:5000. The harness's own program (tests/docker/swarm/selfTestProgram.ts)
 * with three replicas: they spread one per node; one node's link is cut under a request loop
 * through the front door and the service recovers on the other two (time to Down, time to three
 * running replicas, failed requests counted); the node comes back; a placement constraint on a node
 * label pins the tasks to that node. All traffic stays inside the test's namespaces or on
 * 127.0.0.1 (the front door is reached through a relay).
 *
 * Needs root, `ip`, `nsenter`, a Docker engine (to read images from) and the test images; skipped
 * outside CI without them, a failure in CI.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demultiplexed, dockerCall, dockerCallBuffer } from "./dockerApi";
import { declareSelfTestProgram, SelfTestConfig } from "./swarm/selfTestProgram";
import { describeCounts, getReply, requestLoop, runningTasks, updateState } from "./swarm/probes";
import { SwarmStack } from "./swarm/stack";
import { DATA_ROOT, PREFIX as STATE_PREFIX } from "./swarm/teardown";
import { until } from "../support/polling";
import { multiNodeEngineProblem, SwarmNodes } from "./swarmNodes";

const REFS = join(__dirname, "..", "images", ".refs.json");
const inCI = process.env.CI === "true";

function prerequisites(): string | undefined {
    const engine = multiNodeEngineProblem();
    if (engine) {
        return engine;
    }
    if (!existsSync(REFS)) {
        return "the test images are not built (bash tests/images/build.sh)";
    }
    return undefined;
}

const problem = prerequisites();
if (problem) {
    if (inCI) {
        throw new Error(`The multi-node Swarm tests must run in CI, but ${problem}. .ci/run provides everything they need.`);
    }
    console.warn(`\n[multi-node Swarm tests SKIPPED] ${problem}.\n`);
}
const refs = existsSync(REFS) ? (JSON.parse(readFileSync(REFS, "utf8")) as Record<string, string>) : {};

const PORT = 8088;
const PREFIX = `${STATE_PREFIX}-${process.pid}-n`;

describe.runIf(!problem)("the Swarm harness on three nodes (one dockerd per network namespace)", { timeout: 300_000 }, () => {
    let nodes: SwarmNodes;
    let stack: SwarmStack;
    let front: string;
    const app = `${PREFIX}-app`;
    const timings: Record<string, number> = {};
    const config = (changes: Partial<SelfTestConfig> = {}): SelfTestConfig => ({
        prefix: PREFIX,
        appImage: refs.litellmImage,
        frontDoorImage: refs.haproxyImage,
        replicas: 3,
        version: "1",
        healthy: true,
        secretValue: "three-nodes",
        configText: "nodes: 3\n",
        frontDoorPort: PORT,
        converge: { delay: "2s", timeout: "3m" },
        ...changes,
    });
    const up = (changes: Partial<SelfTestConfig> = {}) =>
        stack.up(() => declareSelfTestProgram(config(changes)).outputs, { stack: "swarm-selftest-nodes" }, 280_000);
    const nodeOf = (nodeId: string | undefined) => nodes.nodes.find((n) => n.nodeId === nodeId)?.name ?? "?";
    const frontDoorLog = async () => {
        const filters = encodeURIComponent(JSON.stringify({ label: [`com.docker.swarm.service.name=${PREFIX}-front`] }));
        const [container] = await dockerCall<{ Id: string }[]>("GET", `/containers/json?filters=${filters}`, { socket: nodes.socket });
        return container ? demultiplexed(await dockerCallBuffer("GET", `/containers/${container.Id}/logs?stdout=true&stderr=true&tail=40`, { socket: nodes.socket })) : "(no front door container on n1)";
    };

    beforeAll(async () => {
        const t0 = performance.now();
        nodes = await SwarmNodes.start({ nodes: 3 });
        timings.startMs = performance.now() - t0;
        Object.assign(timings, Object.fromEntries(Object.entries(nodes.timings).map(([k, v]) => [`start.${k}`, v ?? 0])));
        stack = new SwarmStack(nodes);
        front = (await nodes.forward(nodes.nodes[0].address, PORT)).url;
    }, 120_000);

    afterAll(async () => {
        await stack?.engine.idle();
        await stack?.destroy().catch(() => undefined);
        await nodes?.stop();
        console.log(`[swarm harness, three nodes] timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`);
    }, 180_000);

    it("the one-node engine's lease refuses an engine already in a swarm it did not create, and changes nothing there", async () => {
        const before = await dockerCall<{ Swarm: { NodeID: string; LocalNodeState: string } }>("GET", "/info", { socket: nodes.socket });
        const out = execFileSync(process.execPath, [join(__dirname, "swarm", "localSwarmCli.js")], {
            env: { ...process.env, DOCKER_SOCKET: nodes.socket },
            timeout: 60_000,
        }).toString();
        const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { ok: boolean; error?: string };
        expect(result.ok).toBe(false);
        expect(result.error).toMatch(/already part of a swarm .* did not create; the tests will not touch it/);
        const after = await dockerCall<{ Swarm: { NodeID: string; LocalNodeState: string } }>("GET", "/info", { socket: nodes.socket });
        expect(after.Swarm).toMatchObject({ NodeID: before.Swarm.NodeID, LocalNodeState: "active" });
    });

    it("spreads three replicas one per node; every node pulled the digest-pinned image from the registry", async () => {
        const t0 = performance.now();
        await up();
        timings.createMs = performance.now() - t0;
        const running = await runningTasks(app, nodes.socket);
        expect(running.map((t) => nodeOf(t.NodeID)).sort()).toEqual(["n1", "n2", "n3"]);
        const hosts = new Set<string>();
        for (let i = 0; i < 9; i++) {
            const reply = await getReply(front);
            hosts.add(reply.host);
            expect(reply).toMatchObject({ secret: "three-nodes", config: "nodes: 3\n" });
        }
        expect(hosts.size).toBe(3);
        for (const node of nodes.nodes) {
            const images = await dockerCall<{ RepoDigests: string[] }[]>("GET", "/images/json", { socket: node.socket });
            expect(images.flatMap((i) => i.RepoDigests), node.name).toContain(refs.litellmImage.replace(/:[^:/@]+@/, "@"));
        }
    });

    it("recovers from a node cut off: Down, its replica rescheduled, three running again; failed requests counted", async () => {
        const loop = requestLoop(front);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const cut = performance.now();
        await nodes.cut("n3");
        await until("n3 marked down", async () => ((await nodes.nodeStates()).n3 === "down" ? true : undefined), 90_000, 250);
        timings.nodeDownMs = performance.now() - cut;
        const recovered = await until(
            "three replicas running on n1 and n2",
            async () => {
                const running = (await runningTasks(app, nodes.socket)).filter((t) => nodeOf(t.NodeID) !== "n3");
                return running.length === 3 ? running : undefined;
            },
            120_000,
            250,
        );
        timings.recoveredMs = performance.now() - cut;
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const counts = await loop.stop();
        console.log(`[swarm harness, three nodes] node n3 cut: down after ${Math.round(timings.nodeDownMs)} ms, 3 replicas after ${Math.round(timings.recoveredMs)} ms; requests ${describeCounts(counts)}`);
        expect(new Set(recovered.map((t) => nodeOf(t.NodeID)))).toEqual(new Set(["n1", "n2"]));
        expect(counts.ok).toBeGreaterThan(100);
        if (counts.failed + counts.slowFailed > 0) {
            console.log(`[swarm harness, three nodes] the front door's log of what went wrong:\n${await frontDoorLog()}`);
        }
        // the front door health-checks the replicas, gives up on a silent one after 3 s and retries the
        // request on another: at most a request in a hundred is lost while a node disappears
        expect(counts.failed + counts.slowFailed, counts.errors.join("\n")).toBeLessThanOrEqual(Math.ceil((counts.ok + counts.slowOk) / 100));

        const restored = performance.now();
        await nodes.restore("n3");
        await until("n3 ready again", async () => ((await nodes.nodeStates()).n3 === "ready" ? true : undefined), 90_000, 250);
        timings.nodeBackMs = performance.now() - restored;
    });

    it("pins the replicas to a labelled node with a placement constraint (as bundled Postgres or Redis would be)", async () => {
        await nodes.setNodeLabels("n2", { "aiterm.pin": "here" });
        await up({ replicas: 2, constraints: ["node.labels.aiterm.pin==here"] });
        await until("the pinned update completed", async () => ((await updateState(app, nodes.socket)) === "completed" ? true : undefined), 180_000, 250);
        const running = await until(
            "two replicas on n2 only",
            async () => {
                const list = await runningTasks(app, nodes.socket);
                return list.length === 2 && list.every((t) => nodeOf(t.NodeID) === "n2") ? list : undefined;
            },
            120_000,
            250,
        );
        expect(running).toHaveLength(2);
    });

    it("deletes everything, then leaves no daemon, namespace or data behind", async () => {
        await stack.destroy();
        for (const kind of ["services", "secrets", "configs"]) {
            expect(await dockerCall<unknown[]>("GET", `/${kind}`, { socket: nodes.socket }), kind).toEqual([]);
        }
        const id = nodes.id;
        const t0 = performance.now();
        await nodes.stop();
        timings.stopMs = performance.now() - t0;
        expect(execFileSync("ip", ["netns", "list"]).toString()).not.toContain(`${STATE_PREFIX}-${id}-`);
        expect(existsSync(join(DATA_ROOT, id))).toBe(false);
        const ours = execFileSync("ps", ["-eo", "args"]).toString().split("\n").filter((l) => l.includes(`nodes-${id}`));
        expect(ours).toEqual([]);
    });
});

/**
 * The Swarm harness (tests/docker/realSwarmEngine.ts) on a real one-node swarm (the local engine,
 * tests/docker/swarm/localSwarm.ts), with a program of its own (tests/docker/swarm/selfTestProgram.ts):
 * create a replicated service with a secret and a config, roll it start-first under a steady request
 * loop, see a failing healthcheck roll back and fail the run with the engine's reason, replace a
 * content-named config (first the way the bridge does it for an explicit name, which the engine
 * refuses, then create-before-delete), and delete everything.
 *
 * Needs a Docker engine and the test images (`bash tests/images/build.sh`); `.ci/run` provides
 * both. Outside CI, without them, the suite says so and is skipped; in CI their absence fails it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../support/polling";
import { dockerCall } from "./dockerApi";
import { LocalSwarm } from "./swarm/localSwarm";
import { describeCounts, getReply, requestLoop as startLoop, tasksOf, updateState } from "./swarm/probes";
import { declareSelfTestProgram, SelfTestConfig, SPREAD_DESCRIPTOR } from "./swarm/selfTestProgram";
import { SwarmStack } from "./swarm/stack";
import { alive } from "./swarm/teardown";

const REFS = join(__dirname, "..", "images", ".refs.json");
const inCI = process.env.CI === "true";

/** The local engine's swarm state, asked synchronously so that the suite can be declared (or skipped). */
function localEngine(): { up: boolean; swarm: string } {
    const probe = `require("http").get({ socketPath: "/var/run/docker.sock", path: "/v1.41/info" }, (r) => { let b = ""; r.on("data", (c) => b += c); r.on("end", () => { console.log(JSON.parse(b).Swarm.LocalNodeState); }); }).on("error", () => process.exit(1))`;
    const result = spawnSync(process.execPath, ["-e", probe], { timeout: 5000 });
    return { up: result.status === 0, swarm: result.stdout?.toString().trim() ?? "" };
}

const engine = localEngine();
const refs = existsSync(REFS) ? (JSON.parse(readFileSync(REFS, "utf8")) as Record<string, string>) : {};
const imagesBuilt = Boolean(refs.litellmImage && refs.haproxyImage);
const ready = engine.up && imagesBuilt;
if (!ready) {
    const why = !engine.up ? "no Docker engine answers on /var/run/docker.sock" : "the test images are not built (bash tests/images/build.sh)";
    if (inCI) {
        throw new Error(`The Swarm harness tests must run in CI, but ${why}. .ci/run installs and starts both.`);
    }
    console.warn(`\n[Swarm harness tests SKIPPED] ${why}. Run \`bash .ci/run\`, or start dockerd and build the images, to run them.\n`);
}

const PREFIX = `aiterm-swarm-test-${process.pid}`;
const PORT = 18400 + (process.pid % 500);
const FRONT = `http://127.0.0.1:${PORT}`;

function config(changes: Partial<SelfTestConfig> = {}): SelfTestConfig {
    return {
        prefix: PREFIX,
        appImage: refs.litellmImage,
        frontDoorImage: refs.haproxyImage,
        replicas: 2,
        version: "1",
        healthy: true,
        secretValue: "token-one",
        configText: "setting: one\n",
        frontDoorPort: PORT,
        ...changes,
    };
}

/** Objects of earlier runs of this file whose process is gone (names carry the PID). */
async function sweepDeadRuns(): Promise<void> {
    const dead = (name: string) => {
        const match = /^aiterm-swarm-test-([0-9]+)-/.exec(name);
        return match !== null && !alive(Number(match[1]));
    };
    for (const s of await dockerCall<{ ID: string; Spec: { Name: string } }[]>("GET", "/services")) {
        if (dead(s.Spec.Name)) {
            await dockerCall("DELETE", `/services/${s.ID}`).catch(() => undefined);
        }
    }
    for (const kind of ["secrets", "configs"]) {
        for (const o of await dockerCall<{ ID: string; Spec: { Name: string } }[]>("GET", `/${kind}`)) {
            if (dead(o.Spec.Name)) {
                await dockerCall("DELETE", `/${kind}/${o.ID}`).catch(() => undefined);
            }
        }
    }
}

const tasks = (service: string) => tasksOf(service);
const get = (path = "/") => getReply(FRONT, path);
const requestLoop = () => startLoop(FRONT);

/** Samples how many of the service's tasks run while `action` runs. */
async function sampleRunning<T>(service: string, action: () => Promise<T>): Promise<{ result: T; min: number; max: number }> {
    let min = Infinity;
    let max = 0;
    let going = true;
    const sampler = (async () => {
        while (going) {
            const running = (await tasks(service).catch(() => [])).filter((t) => t.Status.State === "running").length;
            min = Math.min(min, running);
            max = Math.max(max, running);
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
    })();
    try {
        return { result: await action(), min, max };
    } finally {
        going = false;
        await sampler;
    }
}

describe.runIf(ready)("the Swarm harness on a one-node swarm (the local engine)", { timeout: 300_000 }, () => {
    let swarm: LocalSwarm;
    let stack: SwarmStack;
    const app = `${PREFIX}-app`;
    const timings: Record<string, number> = {};

    const up = async (changes: Partial<SelfTestConfig> = {}) => {
        const t0 = performance.now();
        try {
            return await stack.up(() => declareSelfTestProgram(config(changes)).outputs, { stack: "swarm-selftest" }, 240_000);
        } finally {
            stack.engine.log.push({ resource: "(run)", action: "warning", at: performance.now(), detail: `run took ${Math.round(performance.now() - t0)} ms` });
        }
    };

    beforeAll(async () => {
        const t0 = performance.now();
        swarm = await LocalSwarm.acquire();
        timings.acquireMs = performance.now() - t0;
        if (swarm.initMs !== undefined) {
            timings.swarmInitMs = swarm.initMs;
        }
        await sweepDeadRuns();
        stack = new SwarmStack(swarm);
    }, 180_000);

    afterAll(async () => {
        await stack?.engine.idle();
        await stack?.destroy().catch(() => undefined);
        await swarm?.release();
        console.log(`[swarm harness, one node] timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`);
    }, 180_000);

    it("creates a replicated service that reads its secret and config as files, behind a front door, converged before the run ends", async () => {
        const t0 = performance.now();
        await up();
        timings.createMs = performance.now() - t0;
        const running = (await tasks(app)).filter((t) => t.Status.State === "running");
        expect(running).toHaveLength(2);
        const hosts = new Set<string>();
        for (let i = 0; i < 6; i++) {
            const reply = await get();
            hosts.add(reply.host);
            expect(reply).toMatchObject({ version: "1", secret: "token-one", config: "setting: one\n", secretMode: "0o400" });
        }
        expect(hosts.size).toBe(2);
        const spec = (await dockerCall<{ Spec: { TaskTemplate: { ContainerSpec: { StopGracePeriod: number; Image: string }; Placement: unknown } } }>("GET", `/services/${app}`))
            .Spec.TaskTemplate;
        expect(spec.ContainerSpec.StopGracePeriod).toBe(10e9);
        expect(spec.ContainerSpec.Image).toBe(refs.litellmImage);
        // the provider's create asked the registry: the image's platforms are in the placement now
        expect(spec.Placement).toMatchObject({ Platforms: [{ Architecture: "amd64", OS: "linux" }], Preferences: [{ Spread: { SpreadDescriptor: SPREAD_DESCRIPTOR } }] });
    });

    it("updates both services once on the next run without a change (the create's platforms differ from the program), then nothing", async () => {
        stack.engine.log.length = 0;
        await up();
        const updates = stack.engine.log.filter((l) => l.action === "update");
        expect(updates.map((l) => `${l.resource}: ${l.detail}`).sort()).toEqual(["app: taskSpec.placement.platforms", "front-door: taskSpec.placement.platforms"]);
        stack.engine.log.length = 0;
        await up();
        expect(stack.engine.log.filter((l) => l.action !== "warning")).toEqual([]);
    });

    it("rolls an update start-first under a steady request loop with no failed request", async () => {
        const loop = requestLoop();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const t0 = performance.now();
        let stateWhenUpReturned: string | undefined;
        const { min } = await sampleRunning(app, async () => {
            await up({ version: "2" });
            timings.rollingUpdateUpMs = performance.now() - t0;
            // the provider's update wait ends once every slot has a running task, old or new: `pulumi up`
            // can return while the engine still updates
            stateWhenUpReturned = await updateState(app);
            await until("the rolling update completed", async () => ((await updateState(app)) === "completed" ? true : undefined), 120_000, 250);
        });
        timings.rollingUpdateMs = performance.now() - t0;
        console.log(`[swarm harness, one node] UpdateStatus when the run returned: ${stateWhenUpReturned}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const counts = await loop.stop();
        console.log(`[swarm harness, one node] start-first update: ${describeCounts(counts)}`);
        expect(counts.failed + counts.slowFailed, counts.errors.join("\n")).toBe(0);
        expect(counts.ok).toBeGreaterThan(50);
        expect([...counts.versions].sort()).toEqual(["1", "2"]);
        // start-first: a new task runs before the old one of its slot stops, so never fewer than 2 run
        expect(min).toBeGreaterThanOrEqual(2);
        for (let i = 0; i < 4; i++) {
            expect((await get()).version).toBe("2");
        }
    });

    it("rolls back an update whose healthcheck fails, and fails the run with the engine's reason; the next good run converges", async () => {
        const loop = requestLoop();
        const t0 = performance.now();
        await expect(up({ version: "3", healthy: false })).rejects.toThrow(/updating docker:index\/service:Service app: service rollback completed: /);
        timings.rollbackRunFailedMs = performance.now() - t0;
        // the provider reports "rollback completed" as soon as every slot runs during a rollback, which
        // can be before the engine says so
        await until("the rollback completed", async () => ((await updateState(app)) === "rollback_completed" ? true : undefined), 120_000, 250);
        timings.rollbackMs = performance.now() - t0;
        const counts = await loop.stop();
        console.log(`[swarm harness, one node] during the rollback: ${describeCounts(counts)}`);
        expect(counts.failed + counts.slowFailed, counts.errors.join("\n")).toBe(0);
        for (let i = 0; i < 4; i++) {
            expect((await get()).version).toBe("2");
        }
        // Pulumi recorded the failed inputs: the run after fixes it with an update
        stack.engine.log.length = 0;
        await up({ version: "3" });
        expect(stack.engine.log.filter((l) => l.action === "update").map((l) => l.resource)).toContain("app");
        await until("the update to version 3 completed", async () => ((await updateState(app)) === "completed" ? true : undefined), 120_000, 250);
        expect((await get()).version).toBe("3");
    });

    it("replaces a content-named config: delete-before-replace (the bridge's choice for an explicit name) is refused while in use; create-before-delete rolls the service and removes the old one", async () => {
        const oldConfig = stack.engine.entry("docker:index/serviceConfig:ServiceConfig", "app-conf");
        const oldId = oldConfig.id;
        await expect(up({ version: "3", configText: "setting: two\n" })).rejects.toThrow(/in use/);
        expect(await dockerCall<{ ID: string }>("GET", `/configs/${oldId}`)).toMatchObject({ ID: oldId });
        expect((await get()).config).toBe("setting: one\n");

        stack.engine.log.length = 0;
        await up({ version: "3", configText: "setting: two\n", configDeleteBeforeReplace: false });
        const actions = stack.engine.log.filter((l) => l.resource === "app-conf" || l.resource === "app").map((l) => `${l.resource}:${l.action}`);
        expect(actions).toEqual(["app-conf:replace", "app:update", "app:updated", "app-conf:delete"]);
        await expect(dockerCall("GET", `/configs/${oldId}`)).rejects.toThrow(/404/);
        await until("the config's rolling update completed", async () => ((await updateState(app)) === "completed" ? true : undefined), 120_000, 250);
        for (let i = 0; i < 4; i++) {
            expect((await get()).config).toBe("setting: two\n");
        }
    });

    it("creates volumes and images on the manager, keeps a retainOnDelete secret, and leaves an image that was there before", async () => {
        const small = new SwarmStack(swarm);
        const program = () => {
            const volume = new docker.Volume("data", { name: `${PREFIX}-data`, labels: [{ label: "aiterm.test", value: "swarm-harness" }] });
            const image = new docker.RemoteImage("redis-image", { name: refs.redisImage });
            const kept = new docker.Secret("kept", { name: `${PREFIX}-kept`, data: Buffer.from("kept").toString("base64") }, { retainOnDelete: true });
            return [volume.name, image.repoDigest, kept.id] as pulumi.Output<string>[];
        };
        const [volumeName, repoDigest, keptId] = await small.up(program, { stack: "swarm-selftest-small" });
        expect(volumeName).toBe(`${PREFIX}-data`);
        expect(repoDigest).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(await dockerCall<{ Labels: Record<string, string> }>("GET", `/volumes/${PREFIX}-data`)).toMatchObject({ Labels: { "aiterm.test": "swarm-harness" } });
        await small.destroy();
        expect(small.engine.actions("kept")).toEqual(["create", "created", "retain"]);
        await expect(dockerCall("GET", `/volumes/${PREFIX}-data`)).rejects.toThrow(/404/);
        // the registry image was on the shared engine before: the harness leaves it there
        expect(await dockerCall<{ Id: string }>("GET", `/images/${encodeURIComponent(refs.redisImage)}/json`)).toHaveProperty("Id");
        expect(await dockerCall<{ ID: string }>("GET", `/secrets/${keptId}`)).toMatchObject({ ID: keptId });
        await dockerCall("DELETE", `/secrets/${keptId}`);
    });

    it("deletes everything it created", async () => {
        const t0 = performance.now();
        await stack.destroy();
        timings.destroyMs = performance.now() - t0;
        const mine = (items: { Spec?: { Name: string }; Name?: string }[]) => items.filter((i) => (i.Spec?.Name ?? i.Name ?? "").startsWith(PREFIX));
        expect(mine(await dockerCall("GET", "/services"))).toEqual([]);
        expect(mine(await dockerCall("GET", "/secrets"))).toEqual([]);
        expect(mine(await dockerCall("GET", "/configs"))).toEqual([]);
        expect(mine(await dockerCall("GET", "/networks"))).toEqual([]);
        expect(stack.engine.state.size).toBe(0);
    });
});

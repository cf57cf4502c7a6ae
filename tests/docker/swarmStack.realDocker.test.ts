/**
 * The swarm program itself (index.ts, stack `swarm`) on a real one-node swarm: the local engine in
 * Swarm mode (tests/docker/swarm/localSwarm.ts), its declared resources created by the Swarm
 * harness (tests/docker/realSwarmEngine.ts) from the local test images (tests/images/: the LiteLLM
 * test double, its `-next` and `-broken` releases, the Postgres, Redis and HAProxy stand-ins). What
 * a user meets: deploy from nothing, a run without a change, the key on every replica, per-key rate
 * limits across replicas, a model-list change, a secret rotation and an image upgrade under a
 * steady request loop, a crashed replica and a crashed Redis, a broken release rolled back, destroy.
 *
 * Requests go to 127.0.0.1 (the front door's host-mode port) or, to reach one proxy task alone,
 * from inside a proxy task over the swarm's own overlay network. Every figure is printed.
 *
 * Needs a Docker engine and the test images (`bash tests/images/build.sh`); `.ci/run` provides both.
 * Outside CI, without them, the suite says so and is skipped; in CI their absence fails it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { containerLogs, dockerCall, execInContainer } from "./dockerApi";
import {
    adminPost,
    chat,
    containerOf,
    crashTask,
    DATA_NODE_LABEL,
    DeployedOutputs,
    describeLoop,
    DirectAnswer,
    MODEL,
    modelsOf,
    probeFromTask,
    readTestImages,
    requestLoop,
    running,
    SECOND_MODEL,
    serviceTasks,
    SwarmProgramStack,
    swarmProgramConfig,
    TaskInfo,
    taskAddress,
    totals,
    until,
    waitForUpdateState,
} from "./swarm/litellmScenario";
import { LocalSwarm } from "./swarm/localSwarm";
import { MIGRATION_JOB_SERVICE, sweepSwarmStack } from "./swarm/sweep";

const inCI = process.env.CI === "true";

function localEngineAnswers(): boolean {
    const probe = `require("http").get({ socketPath: "/var/run/docker.sock", path: "/_ping" }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`;
    return spawnSync(process.execPath, ["-e", probe], { timeout: 5000 }).status === 0;
}

const images = readTestImages();
const engineUp = localEngineAnswers();
const ready = engineUp && images !== undefined;
if (!ready) {
    const why = !engineUp ? "no Docker engine answers on /var/run/docker.sock" : "the test images are not built (bash tests/images/build.sh)";
    if (inCI) {
        throw new Error(`The swarm stack tests must run in CI, but ${why}. .ci/run installs and starts both.`);
    }
    console.warn(`\n[swarm stack tests SKIPPED] ${why}. Run \`bash .ci/run\`, or start dockerd and build the images, to run them.\n`);
}

const STACK = "swarm-onenode";
const PORT = 14310;
const BASE = `http://127.0.0.1:${PORT}`;
const SERVICE_TYPE = "docker:index/service:Service";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (t0: number) => Math.round(performance.now() - t0);

/** Whether something listens on the port on the host (the kernel's table, not a connection attempt). */
function listening(port: number): boolean {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
    return ["/proc/net/tcp", "/proc/net/tcp6"].some((file) =>
        readFileSync(file, "utf8")
            .split("\n")
            .slice(1)
            .some((line) => {
                const cols = line.trim().split(/\s+/);
                return cols.length > 3 && cols[1].endsWith(hex) && cols[3] === "0A";
            }),
    );
}

const chatBody = (model = "default") => ({ model, messages: [{ role: "user", content: "hello" }] });
const statuses = (answers: DirectAnswer[]) => answers.map((a) => a.status);
const count = (values: number[], value: number) => values.filter((v) => v === value).length;

describe.runIf(ready)("the swarm program on a one-node swarm (the local engine)", { timeout: 300_000 }, () => {
    const testImages = images!;
    let swarm: LocalSwarm;
    let s: SwarmProgramStack;
    let out: DeployedOutputs;
    let key: string;
    const figures: Record<string, unknown> = {};
    const cleanups: (() => Promise<unknown>)[] = [];
    let proxy: string;
    let frontend: string;

    const direct = (tasks: TaskInfo[], requestKey: string, rounds: number) =>
        probeFromTask(
            containerOf(tasks[0]),
            Array.from({ length: rounds }, () => tasks.map((t) => ({ host: taskAddress(t, frontend), port: 4000, path: "/v1/chat/completions", method: "POST" as const, key: requestKey, body: chatBody() }))).flat(),
        );

    /**
     * When a loop lost requests: the front door's log lines of requests that did not end in a 200 with
     * HAProxy's termination state `----` (the state says which side closed, and when), for the record.
     */
    const whyFailed = async (counts: { errors: string[] }): Promise<string> => {
        if (counts.errors.length === 0) {
            return "";
        }
        const lines = await Promise.all(
            (await running(s.service("front-door"))).map(async (task) => (await containerLogs(containerOf(task)).catch((error: unknown) => String(error))).split("\n")),
        );
        const trouble = lines.flat().filter((line) => line.includes("litellm_proxies") && !/ 200 \d+ - - ---- /.test(line));
        return `${counts.errors.join("\n")}\nthe front door's log of what went wrong:\n${trouble.slice(-40).join("\n")}`;
    };

    beforeAll(async () => {
        swarm = await LocalSwarm.acquire();
        await swarm.setNodeLabels({ [DATA_NODE_LABEL]: "true" });
        s = new SwarmProgramStack(swarm, STACK, swarmProgramConfig(testImages, { port: PORT, replicas: 2 }));
        proxy = s.service("proxy");
        frontend = `${s.prefix}-frontend`;
        // what a killed earlier run of this file left (its names only)
        const left = await sweepSwarmStack(s.prefix, { volumes: true });
        if (left.length > 0) {
            console.log(`[swarm stack, one node] removed what an earlier run left: ${left.join(", ")}`);
        }
        if (listening(PORT)) {
            throw new Error(`port ${PORT} is taken on this machine: the front door publishes it in host mode`);
        }
    }, 180_000);

    afterAll(async () => {
        for (const cleanup of cleanups.reverse()) {
            await cleanup().catch(() => undefined);
        }
        await s?.stack.engine.idle();
        await s?.stack.destroy().catch((error: unknown) => console.log(`[swarm stack, one node] destroy after the tests: ${String(error)}`));
        const left = s ? await sweepSwarmStack(s.prefix, { volumes: true }).catch(() => []) : [];
        if (left.length > 0) {
            console.log(`[swarm stack, one node] swept after the tests: ${left.join(", ")}`);
        }
        await swarm?.release();
        console.log(`[swarm stack, one node] figures: ${JSON.stringify(figures)}`);
    }, 240_000);

    it("deploys from nothing: data services, the migration once, two proxy replicas, the front door, the aiterm key through it", async () => {
        const t0 = performance.now();
        out = await s.up();
        figures.deployFromNothingMs = ms(t0);
        key = out.keys.aiterm;
        expect(out.url).toBe(BASE);
        expect(key).toMatch(/^sk-/);
        expect(await running(proxy)).toHaveLength(2);
        for (const role of ["postgres", "redis", "front-door"] as const) {
            expect(await running(s.service(role)), role).toHaveLength(1);
        }
        expect(s.migrationRuns()).toBe(1);
        const services = await dockerCall<{ Spec: { Name: string } }[]>("GET", "/services");
        expect(services.map((x) => x.Spec.Name).filter((n) => MIGRATION_JOB_SERVICE.test(n))).toEqual([]);
        const answer = await chat(BASE, key);
        expect(answer.status).toBe(200);
        expect(answer.version).toBe("test-double");
        console.log(`[swarm stack, one node] from nothing to the aiterm key answering through the front door: ${figures.deployFromNothingMs} ms`);
    });

    it("changes nothing on a run without a change (durations in read-back form, the create's platforms ignored)", async () => {
        s.stack.engine.log.length = 0;
        const calls = s.stack.dynamic.calls.length;
        const t0 = performance.now();
        await s.up();
        figures.noChangeRunMs = ms(t0);
        expect(s.stack.engine.log.filter((l) => l.action !== "warning").map((l) => `${l.resource}:${l.action}:${l.detail ?? ""}`)).toEqual([]);
        expect(s.stack.dynamic.calls.slice(calls).filter((c) => ["create", "update", "delete"].includes(c.method))).toEqual([]);
        // the create did add the image's platforms on the engine: that is what a second run must not remove
        const spec = await dockerCall<{ Spec: { TaskTemplate: { Placement?: { Platforms?: unknown[] } } } }>("GET", `/services/${proxy}`);
        expect(spec.Spec.TaskTemplate.Placement?.Platforms).toEqual([{ Architecture: "amd64", OS: "linux" }]);
    });

    it("serves a key issued through the front door on every replica, each reached directly from inside the swarm", async () => {
        const tasks = await running(proxy);
        const issued = String((await adminPost(BASE, out.masterKey, "/key/generate", { key_alias: "every-replica", models: ["default"] })).key);
        const answers = await direct(tasks, issued, 2);
        expect(statuses(answers)).toEqual([200, 200, 200, 200]);
        for (let i = 0; i < 6; i++) {
            expect((await chat(BASE, issued)).status).toBe(200);
        }
        const aiterm = await direct(tasks, key, 1);
        expect(statuses(aiterm)).toEqual([200, 200]);
        figures.replicaAddresses = tasks.map((t) => taskAddress(t, frontend));
    });

    it("holds a per-key rpm limit across replicas with the Redis cache, and per instance without it (a test-only copy of the proxy)", async () => {
        const tasks = await running(proxy);
        const shared = String((await adminPost(BASE, out.masterKey, "/key/generate", { key_alias: "rpm-shared", rpm_limit: 4 })).key);
        // alternately to each replica, 5 rounds: 10 requests for a limit of 4 a minute
        const withRedis = statuses(await direct(tasks, shared, 5));
        figures.rpm4AcrossTwoReplicasWithRedis = { ok: count(withRedis, 200), limited: count(withRedis, 429) };
        expect(count(withRedis, 200)).toBe(4);
        expect(count(withRedis, 429)).toBe(6);

        // The stack refuses cacheType local on swarm, so the other half runs a copy of the proxy service
        // made by the test: the same image, secrets, networks and start-up, two replicas, with a
        // config.yaml whose litellm_settings has no Redis cache (router_settings still point at Redis,
        // which LiteLLM does not use for key limits: BerriAI/litellm#13202).
        const live = await dockerCall<{ Spec: Record<string, unknown> & { TaskTemplate: { ContainerSpec: { Configs: { File: { Name: string }; ConfigID: string; ConfigName: string }[] } } } }>(
            "GET",
            `/services/${proxy}`,
        );
        const configRef = live.Spec.TaskTemplate.ContainerSpec.Configs.find((c) => c.File.Name === "/app/config.yaml");
        expect(configRef).toBeDefined();
        const stored = await dockerCall<{ Spec: { Data: string } }>("GET", `/configs/${configRef!.ConfigID}`);
        const document = parse(Buffer.from(stored.Spec.Data, "base64").toString("utf8"), { version: "1.1" }) as { litellm_settings: Record<string, unknown> };
        delete document.litellm_settings.cache;
        delete document.litellm_settings.cache_params;
        delete document.litellm_settings.enable_redis_auth_cache;
        const text = stringify(document, { version: "1.1", lineWidth: 0 });
        const copyName = `${s.prefix}-nocache-proxy`;
        const configName = `${s.prefix}-nocache-config-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
        const config = await dockerCall<{ ID: string }>("POST", "/configs/create", { body: { Name: configName, Data: Buffer.from(text).toString("base64") } });
        const removeConfig = () =>
            until(
                "the copy's config removed",
                () => dockerCall("DELETE", `/configs/${config.ID}`).then(() => true, (error: unknown) => (String(error).includes("HTTP 404") ? true : Promise.reject(error))),
                90_000,
                500,
            );
        cleanups.push(removeConfig);
        const copy = structuredClone(live.Spec) as typeof live.Spec & { Name: string; Labels: Record<string, string> };
        copy.Name = copyName;
        copy.Labels = { "aiterm-litellm.role": "test-only-copy" };
        copy.TaskTemplate.ContainerSpec.Configs = copy.TaskTemplate.ContainerSpec.Configs.map((c) => (c.File.Name === "/app/config.yaml" ? { ...c, ConfigID: config.ID, ConfigName: configName } : c));
        const created = await dockerCall<{ ID: string }>("POST", "/services/create", { body: copy });
        cleanups.push(() => dockerCall("DELETE", `/services/${created.ID}`));
        const copyTasks = await until("the copy's two replicas running", async () => {
            const t = await running(copyName);
            return t.length === 2 ? t : undefined;
        }, 120_000, 500);
        const perInstance = String((await adminPost(BASE, out.masterKey, "/key/generate", { key_alias: "rpm-per-instance", rpm_limit: 4 })).key);
        const withoutRedis = statuses(await direct(copyTasks, perInstance, 5));
        figures.rpm4AcrossTwoReplicasWithoutRedisCache = { ok: count(withoutRedis, 200), limited: count(withoutRedis, 429) };
        expect(count(withoutRedis, 200)).toBe(8);
        expect(count(withoutRedis, 429)).toBe(2);
        console.log(
            `[swarm stack, one node] rpm_limit 4, 10 requests alternating over two replicas: with the Redis cache ${count(withRedis, 200)} served / ${count(withRedis, 429)} refused; ` +
                `copy without it ${count(withoutRedis, 200)} served / ${count(withoutRedis, 429)} refused`,
        );
        await dockerCall("DELETE", `/services/${created.ID}`);
        // the engine refuses to remove the config while the copy's stopping tasks still reference it
        await removeConfig();
    });

    it("rolls a model-list change out under a steady request loop with no failed request, without running the migration again", async () => {
        const runs = s.migrationRuns();
        const oldConfig = s.stack.engine.state.get("swarm-config")?.id;
        expect(oldConfig).toBeDefined();
        s.stack.engine.log.length = 0;
        const loop = requestLoop(BASE, key);
        await sleep(1500);
        const t0 = performance.now();
        await s.up({ models: JSON.stringify([MODEL, SECOND_MODEL]) });
        figures.modelChangeUpMs = ms(t0);
        await waitForUpdateState(proxy, ["completed"]);
        figures.modelChangeRolloutMs = ms(t0);
        await sleep(1500);
        const counts = await loop.stop();
        figures.modelChangeRequests = totals(counts);
        console.log(`[swarm stack, one node] model-list change (up ${figures.modelChangeUpMs} ms, rollout ${figures.modelChangeRolloutMs} ms): ${describeLoop(counts)}`);
        expect(totals(counts).failed, await whyFailed(counts)).toBe(0);
        expect(counts.fast.ok).toBeGreaterThan(100);
        expect(counts.slow.ok + counts.streamed.ok).toBeGreaterThan(4);
        expect(s.migrationRuns()).toBe(runs);
        expect(await modelsOf(BASE, out.masterKey)).toEqual(["default", "second"]);
        expect((await chat(BASE, out.masterKey, { model: "second" })).status).toBe(200);
        // the aiterm key is limited to the models its settings give it
        expect((await chat(BASE, key, { model: "second" })).status).toBe(401);
        const changed = s.stack.engine.log.filter((l) => !["warning", "created", "updated"].includes(l.action)).map((l) => `${l.resource}:${l.action}`);
        expect(changed).toEqual(["swarm-config:replace", "swarm-proxy:update", "swarm-config:delete"]);
        await expect(dockerCall("GET", `/configs/${oldConfig}`)).rejects.toThrow(/404/);
    });

    it("rotates a secret (the provider key): a new Swarm secret, the proxy rolled onto it under the loop, the old one removed", async () => {
        const before = s.stack.engine.state.get("swarm-secret-hf-token");
        expect(before).toBeDefined();
        const rotated = "hf_swarmscenariorotated000000000000000";
        const loop = requestLoop(BASE, key);
        await sleep(1000);
        const t0 = performance.now();
        await s.up({ hfToken: rotated });
        await waitForUpdateState(proxy, ["completed"]);
        figures.secretRotationRolloutMs = ms(t0);
        await sleep(1000);
        const counts = await loop.stop();
        figures.secretRotationRequests = totals(counts);
        console.log(`[swarm stack, one node] secret rotation (rollout ${figures.secretRotationRolloutMs} ms): ${describeLoop(counts)}`);
        expect(totals(counts).failed, await whyFailed(counts)).toBe(0);
        const after = s.stack.engine.state.get("swarm-secret-hf-token");
        expect(after?.id).not.toBe(before?.id);
        expect(after?.physicalName).not.toBe(before?.physicalName);
        await expect(dockerCall("GET", `/secrets/${before?.id}`)).rejects.toThrow(/404/);
        // every task reads the new value (compared by hash: no secret in the test's output)
        const expected = createHash("sha256").update(rotated).digest("hex");
        for (const task of await running(proxy)) {
            const { output } = await execInContainer(containerOf(task), ["sha256sum", "/run/secrets/HF_TOKEN"]);
            expect(output.split(" ")[0]).toBe(expected);
        }
    });

    it("upgrades the image: the migration job runs and completes before any task of the new image exists, and the proxy serves it, under the loop", async () => {
        const runs = s.migrationRuns();
        const loop = requestLoop(BASE, key);
        await sleep(1000);
        const t0 = performance.now();
        await s.up({ litellmImage: testImages.litellmNextImage });
        figures.imageUpgradeUpMs = ms(t0);
        await waitForUpdateState(proxy, ["completed"]);
        figures.imageUpgradeRolloutMs = ms(t0);
        await sleep(1000);
        const counts = await loop.stop();
        figures.imageUpgradeRequests = totals(counts);
        expect(s.migrationRuns()).toBe(runs + 1);
        const job = s.migration();
        expect(job.image).toBe(testImages.litellmNextImage);
        const newTasks = (await serviceTasks(proxy, undefined, "")).filter((t) => t.Spec.ContainerSpec.Image === testImages.litellmNextImage);
        expect(newTasks.length).toBeGreaterThanOrEqual(2);
        const firstNewTask = Math.min(...newTasks.map((t) => Date.parse(t.CreatedAt)));
        figures.firstNewTaskAfterMigrationMs = firstNewTask - Date.parse(job.completedAt);
        console.log(
            `[swarm stack, one node] image upgrade: migration job completed at ${job.completedAt}, first task of the new image created at ${new Date(firstNewTask).toISOString()} ` +
                `(${figures.firstNewTaskAfterMigrationMs} ms later); up ${figures.imageUpgradeUpMs} ms, rollout ${figures.imageUpgradeRolloutMs} ms; ${describeLoop(counts)}`,
        );
        expect(firstNewTask).toBeGreaterThan(Date.parse(job.completedAt));
        expect(totals(counts).failed, await whyFailed(counts)).toBe(0);
        const services = await dockerCall<{ Spec: { Name: string } }[]>("GET", "/services");
        expect(services.map((x) => x.Spec.Name).filter((n) => MIGRATION_JOB_SERVICE.test(n))).toEqual([]);
        for (let i = 0; i < 4; i++) {
            const answer = await chat(BASE, key);
            expect(answer.status).toBe(200);
            expect(answer.version).toBe("test-double-next");
        }
    });

    it("replaces a crashed replica, the front door serving on the other meanwhile", async () => {
        const before = await running(proxy);
        const victim = before[0];
        const loop = requestLoop(BASE, key);
        await sleep(1000);
        const t0 = performance.now();
        await crashTask(victim);
        const replaced = await until("a new replica running in the crashed one's place", async () => {
            const now = await running(proxy);
            return now.length === 2 && !now.some((t) => t.ID === victim.ID) ? now : undefined;
        }, 120_000, 100);
        figures.crashedReplicaReplacedMs = ms(t0);
        await sleep(1500);
        const counts = await loop.stop();
        figures.crashedReplicaRequests = totals(counts);
        console.log(`[swarm stack, one node] crashed replica replaced and healthy after ${figures.crashedReplicaReplacedMs} ms; ${describeLoop(counts)}`);
        expect(replaced.map((t) => t.ID)).not.toContain(victim.ID);
        // what was in flight on the crashed replica is lost (a POST is never resent): a few at most
        expect(totals(counts).failed, await whyFailed(counts)).toBeLessThanOrEqual(4);
        expect(counts.fast.ok).toBeGreaterThan(50);
        expect(statuses(await direct(replaced, key, 1))).toEqual([200, 200]);
    });

    it("restarts a crashed bundled Redis on its own append-only data, and the shared rate limit works again", async () => {
        const redis = s.service("redis");
        const [task] = await running(redis);
        const listing = await execInContainer(containerOf(task), ["sh", "-c", "stat -c '%a %U %n' /data/appendonlydir"]);
        expect(listing.output.trim()).toBe("700 redis /data/appendonlydir");
        const t0 = performance.now();
        await crashTask(task);
        await until("a new Redis task running", async () => {
            const now = await running(redis);
            return now.length === 1 && now[0].ID !== task.ID ? true : undefined;
        }, 90_000, 100);
        figures.crashedRedisReplacedMs = ms(t0);
        const limited = String((await adminPost(BASE, out.masterKey, "/key/generate", { key_alias: "rpm-after-redis-restart", rpm_limit: 2 })).key);
        const answers = statuses(await direct(await running(proxy), limited, 2));
        expect(count(answers, 200)).toBe(2);
        expect(count(answers, 429)).toBe(2);
        console.log(`[swarm stack, one node] crashed Redis back on its data after ${figures.crashedRedisReplacedMs} ms; rpm_limit 2 over both replicas: ${JSON.stringify(answers)}`);
    });

    it("rolls a broken release back and fails pulumi up with Swarm's reason, the old tasks serving throughout", async () => {
        const loop = requestLoop(BASE, key);
        await sleep(1000);
        const t0 = performance.now();
        const failure = await s.up({ litellmImage: testImages.litellmBrokenImage }).then(
            () => undefined,
            (error: unknown) => error as Error,
        );
        figures.brokenReleaseUpFailedMs = ms(t0);
        expect(failure).toBeDefined();
        expect(String(failure)).toMatch(new RegExp(`updating ${SERVICE_TYPE}.* swarm-proxy: service rollback completed: .*`));
        console.log(`[swarm stack, one node] pulumi up on the broken release failed after ${figures.brokenReleaseUpFailedMs} ms with: ${String(failure).slice(0, 400)}`);
        await waitForUpdateState(proxy, ["rollback_completed"]);
        figures.brokenReleaseRolledBackMs = ms(t0);
        await sleep(1000);
        const counts = await loop.stop();
        figures.brokenReleaseRequests = totals(counts);
        console.log(`[swarm stack, one node] rolled back after ${figures.brokenReleaseRolledBackMs} ms; ${describeLoop(counts)}`);
        expect(totals(counts).failed, await whyFailed(counts)).toBe(0);
        const tasks = await running(proxy);
        expect(tasks).toHaveLength(2);
        expect(tasks.every((t) => t.Spec.ContainerSpec.Image === testImages.litellmNextImage)).toBe(true);
        expect((await chat(BASE, key)).version).toBe("test-double-next");
    });

    it("destroys everything but the data volumes, which `docker volume rm` on the data node removes", async () => {
        const t0 = performance.now();
        await s.stack.destroy();
        figures.destroyMs = ms(t0);
        const mine = (names: string[]) => names.filter((n) => n.startsWith(`${s.prefix}-`));
        expect(mine((await dockerCall<{ Spec: { Name: string } }[]>("GET", "/services")).map((x) => x.Spec.Name))).toEqual([]);
        expect(mine((await dockerCall<{ Spec: { Name: string } }[]>("GET", "/secrets")).map((x) => x.Spec.Name))).toEqual([]);
        expect(mine((await dockerCall<{ Spec: { Name: string } }[]>("GET", "/configs")).map((x) => x.Spec.Name))).toEqual([]);
        expect(mine((await dockerCall<{ Name: string }[]>("GET", "/networks")).map((x) => x.Name))).toEqual([]);
        const volumes = mine(((await dockerCall<{ Volumes: { Name: string }[] | null }>("GET", "/volumes")).Volumes ?? []).map((v) => v.Name)).sort();
        expect(volumes).toEqual([`${s.prefix}-postgres-data`, `${s.prefix}-redis-data`]);
        for (const volume of volumes) {
            await dockerCall("DELETE", `/volumes/${volume}`);
        }
        expect(mine(((await dockerCall<{ Volumes: { Name: string }[] | null }>("GET", "/volumes")).Volumes ?? []).map((v) => v.Name))).toEqual([]);
    });
});

/**
 * `npm run bench`: how long from nothing to a proxy that serves a chat completion with a virtual
 * key, and how long a model-list change interrupts it, for
 *   (a) this stack's declared graph, created on the local engine by the real-Docker harness, and
 *   (b) the guide's docker-compose deployment as published (bench/seed/, images substituted),
 * several runs each, interleaved, with medians and ratios; the floor (each image's own start-up,
 * measured alone); and the no-change redeploy of both. Writes the "Latest run" of BENCHMARKS.md.
 *
 * BENCH_RUNS (default 5) sets the number of runs; BENCH_TRACE=1 prints the stack's resource timeline;
 * BENCH_GUIDE_PORT sets the guide's LITELLM_PORT in its .env (default: the example's 4000).
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { dockerCall } from "../tests/docker/dockerApi";
import { cleanUpOnSignals, interrupted, releaseLock, takeLock } from "./cleanup";
import { checkOnlyImageDiffers, removeGuideProject } from "./compose";
import { auditEngineSince, leftovers, requireFreePorts, requireGuideNamesFree } from "./engineChecks";
import { measureFloor } from "./floor";
import { checkSeedAgainstShared, guideFiles, readSeed } from "./guideFiles";
import { measureGuide } from "./guideRun";
import { renderLatestRun, renderSwarmSection, RunResults } from "./report";
import { FAKE_HF_TOKEN, FLOOR_PORT, GUIDE_PORT, MASTER_KEY, ROOT, STACK_PORT, SWARM_NODE_RUNS, SWARM_NODES_PORT, SWARM_PORT, SWARM_RUNS, testImages } from "./settings";
import { measureStackInFreshProcess } from "./stackProcess";
import { sweepStack } from "./stackRun";
import { measureSwarm, SwarmFigures } from "./swarmBench";
import type { ChangeResult } from "./steadyRequests";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

async function main(): Promise<void> {
    if (!Number.isInteger(runs) || runs < 1) {
        throw new Error(`BENCH_RUNS must be a whole number of runs, at least 1 (got ${process.env.BENCH_RUNS})`);
    }
    if (!Number.isInteger(SWARM_RUNS) || SWARM_RUNS < 0 || !Number.isInteger(SWARM_NODE_RUNS) || SWARM_NODE_RUNS < 0) {
        throw new Error("BENCH_SWARM_RUNS and BENCH_SWARM_NODE_RUNS must be whole numbers (0 skips that part)");
    }
    const began = performance.now();
    const loadAtStart = load();
    const images = testImages();
    const seedCheck = checkSeedAgainstShared();
    console.log(seedCheck);
    const files = guideFiles({ ...images, masterKey: MASTER_KEY, hfToken: FAKE_HF_TOKEN });
    const { "docker-compose.yml": derived, ...siblings } = files;
    await checkOnlyImageDiffers(readSeed("docker-compose.yml"), derived, siblings);
    console.log("docker-compose reads the bench's compose file as the guide's, but for services.db.image");
    await requireGuideNamesFree();
    // An earlier run that was killed outright (SIGKILL) may have left objects under the bench's own
    // names, and its temporary folders (the lock says no other benchmark is running).
    await sweepStack();
    await removeGuideProject(undefined, []);
    for (const entry of readdirSync(tmpdir())) {
        if (/^aiterm-bench-(guide|stack|compose-check)-/.test(entry)) {
            rmSync(join(tmpdir(), entry), { recursive: true, force: true });
        }
    }
    requireFreePorts({
        "the stack": STACK_PORT,
        "the guide's compose (LITELLM_PORT)": GUIDE_PORT,
        "the floor's proxy": FLOOR_PORT,
        ...(SWARM_RUNS > 0 ? { "the swarm stack's front door": SWARM_PORT } : {}),
        ...(SWARM_RUNS > 0 && SWARM_NODE_RUNS > 0 ? { "the relay to the three-node swarm's front door": SWARM_NODES_PORT } : {}),
    });

    const results: RunResults = { stack: [], guide: [], floor: [] };
    for (let run = 1; run <= runs; run++) {
        // Interleaved, alternating which goes first, so drift on the machine hits both alike.
        for (const which of run % 2 ? ["stack", "guide"] : ["guide", "stack"]) {
            if (which === "stack") {
                results.stack.push(await measureStackInFreshProcess());
            } else {
                results.guide.push(await measureGuide(images));
            }
        }
        results.floor.push(await measureFloor(images));
        const [s, g, f] = [results.stack[run - 1], results.guide[run - 1], results.floor[run - 1]];
        console.log(
            `run ${run}/${runs}: ready stack ${seconds(s.readyMs)} s, guide ${seconds(g.readyMs)} s, floor ${seconds(f.postgresMs + f.litellmMs)} s; ` +
                `model change downtime stack ${seconds(s.modelChange.downtimeMs)} s (${s.modelChange.failed} failed), ` +
                `guide restart ${seconds(g.restart.downtimeMs)} s (${g.restart.failed} failed, applied: ${g.restart.applied}), ` +
                `guide up --build ${seconds(g.rebuild.downtimeMs)} s (${g.rebuild.failed} failed, applied: ${g.rebuild.applied})`,
        );
        if (process.env.BENCH_TRACE) {
            const outage = (name: string, c: ChangeResult) =>
                `${name}: command returned at ${seconds(c.changeMs)} s; last answer before the gap at ${seconds(c.lastOkBeforeMs)} s, first after at ${seconds(c.firstOkAfterMs)} s; ${c.sent} requests`;
            console.log([...s.trace, outage("stack change", s.modelChange), outage("guide restart", g.restart), outage("guide up -d --build", g.rebuild)].join("\n"));
            console.log(`guide: image built at ${seconds(g.imageBuiltMs)} s, database started at ${seconds(g.databaseStartedMs)} s, healthy at ${seconds(g.databaseHealthyMs)} s, proxy started at ${seconds(g.proxyStartedMs)} s`);
        }
    }

    let swarm: { figures: SwarmFigures; seconds: number } | undefined;
    if (SWARM_RUNS > 0) {
        const t0 = performance.now();
        swarm = { figures: await measureSwarm(SWARM_RUNS, SWARM_NODE_RUNS), seconds: 0 };
        swarm.seconds = (performance.now() - t0) / 1000;
    }

    const report = renderLatestRun(results, {
        date: new Date().toISOString(),
        runs,
        machine: `${cpus().length} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"})`,
        docker: (await dockerCall<{ Version: string }>("GET", "/version")).Version,
        compose: execFileSync("docker-compose", ["version", "--short"], { encoding: "utf8" }).trim(),
        load: `${loadAtStart} at the start, ${load()} at the end`,
        seedCheck: seedCheck.replace(ROOT, "."),
        totalSeconds: (performance.now() - began) / 1000,
    });
    const full = swarm ? `${report}\n${renderSwarmSection(swarm.figures, { runs: SWARM_RUNS, nodeRuns: SWARM_NODE_RUNS, seconds: swarm.seconds })}` : report;
    console.log(`\n${full}`);
    const path = join(ROOT, "BENCHMARKS.md");
    const existing = readFileSync(path, "utf8");
    const marker = "## Latest run";
    writeFileSync(path, `${existing.includes(marker) ? existing.slice(0, existing.indexOf(marker)) : `${existing.trimEnd()}\n\n`}${full}`);
    console.log(`written to ${path}`);
}

const startedAtEpochSeconds = Math.floor(Date.now() / 1000) - 1;

async function finish(): Promise<void> {
    const cleanup = interrupted();
    if (cleanup) {
        // The signal handler cleans up and exits.
        await cleanup;
        return;
    }
    const check = (what: Promise<string[]>) => what.catch((error: unknown) => [`(could not check: ${String(error)})`]);
    const left = [...new Set([...(await check(leftovers())), ...(await check(auditEngineSince(startedAtEpochSeconds)))])];
    if (left.length > 0) {
        console.error(`left on the engine: ${left.join("; ")}`);
        process.exitCode = 1;
    } else {
        console.log("the engine holds nothing the benchmark created (checked by name and in the engine's event log)");
    }
    releaseLock();
}

takeLock();
cleanUpOnSignals(leftovers);
main()
    .catch((error: unknown) => {
        if (!interrupted()) {
            console.error(error);
        }
        process.exitCode = 1;
    })
    .finally(() => finish().then(() => process.exit()));

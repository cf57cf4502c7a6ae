/** The "Latest run" section of BENCHMARKS.md: medians, every run's value, the ratios. */
import type { FloorFigures } from "./floor";
import type { SwarmFigures } from "./swarmBench";
import type { GuideFigures } from "./guideRun";
import type { StackFigures } from "./stackRun";
import type { ChangeResult } from "./steadyRequests";

export interface RunResults {
    stack: StackFigures[];
    guide: GuideFigures[];
    floor: FloorFigures[];
}

export interface RunContext {
    date: string;
    runs: number;
    machine: string;
    docker: string;
    compose: string;
    load: string;
    seedCheck: string;
    totalSeconds: number;
}

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const ratio = (a: number, b: number) => (a / b).toFixed(2);

function row(label: string, values: number[]): string {
    return `| ${label} | ${seconds(median(values))} s | ${values.map(seconds).join(", ")} |`;
}

function changeRow(label: string, changes: (ChangeResult & { applied: boolean })[]): string {
    const kinds: Record<string, number> = {};
    for (const change of changes) {
        for (const [kind, count] of Object.entries(change.failures)) {
            kinds[kind] = (kinds[kind] ?? 0) + count;
        }
    }
    const applied = changes.every((c) => c.applied) ? "yes" : changes.some((c) => c.applied) ? "in some runs" : "**no**";
    return [
        `| ${label}`,
        `${seconds(median(changes.map((c) => c.downtimeMs)))} s`,
        `${median(changes.map((c) => c.failed))}`,
        `${seconds(median(changes.map((c) => c.changeMs)))} s`,
        applied,
        changes.map((c) => `${seconds(c.downtimeMs)}/${c.failed}`).join(", "),
        `${Object.entries(kinds).map(([kind, count]) => `${kind} ${count}`).join(", ") || "none"} |`,
    ].join(" | ");
}

export function renderLatestRun(results: RunResults, context: RunContext): string {
    const { stack, guide, floor } = results;
    const m = {
        stack: median(stack.map((r) => r.readyMs)),
        guide: median(guide.map((r) => r.readyMs)),
        floor: median(floor.map((f) => f.postgresMs + f.litellmMs)),
        stackRedeploy: median(stack.map((r) => r.redeployMs)),
        guideRedeploy: median(guide.map((r) => r.redeployMs)),
        stackDown: median(stack.map((r) => r.modelChange.downtimeMs)),
        restartDown: median(guide.map((r) => r.restart.downtimeMs)),
        rebuildDown: median(guide.map((r) => r.rebuild.downtimeMs)),
    };
    return [
        "## Latest run",
        "",
        `${context.date}, ${context.runs} runs each, interleaved, ${context.totalSeconds.toFixed(0)} s in all; ${context.machine}, Docker ${context.docker}, docker-compose ${context.compose}; load average ${context.load}. ${context.seedCheck}.`,
        "",
        "| measurement | median | runs |",
        "|---|---|---|",
        row("(a) this stack, from nothing to serving (a fresh Node process, as `pulumi up` starts one)", stack.map((r) => r.readyMs)),
        row("&nbsp;&nbsp;(a) of which starting Node and loading the program, until the first Docker object is asked for", stack.map((r) => r.programLoadMs)),
        row("(b) the guide's compose, from nothing to serving (`docker-compose up -d`, image build included)", guide.map((r) => r.readyMs)),
        row("&nbsp;&nbsp;(b) after `up -d` started: the proxy's image built (`build: .`)", guide.map((r) => r.imageBuiltMs)),
        row("&nbsp;&nbsp;(b) after `up -d` started: the database's container started", guide.map((r) => r.databaseStartedMs)),
        row("&nbsp;&nbsp;(b) after `up -d` started: the database's first passing healthcheck", guide.map((r) => r.databaseHealthyMs)),
        row("&nbsp;&nbsp;(b) after `up -d` started: the proxy's container started (`condition: service_healthy`)", guide.map((r) => r.proxyStartedMs)),
        row("floor: Postgres alone + LiteLLM alone", floor.map((f) => f.postgresMs + f.litellmMs)),
        row("&nbsp;&nbsp;Postgres alone (empty volume to pg_isready)", floor.map((f) => f.postgresMs)),
        row("&nbsp;&nbsp;LiteLLM alone (database up, to serving)", floor.map((f) => f.litellmMs)),
        row("(a) no-change redeploy (the program run again in the same process)", stack.map((r) => r.redeployMs)),
        row("(b) no-change `docker-compose up -d`", guide.map((r) => r.redeployMs)),
        "",
        "Model-list change (a second model added) under a chat completion every 50 ms with a virtual key:",
        "",
        "| change | downtime (median) | failed requests (median) | change command took (median) | new model served | runs (downtime s / failed) | failures, all runs |",
        "|---|---|---|---|---|---|---|",
        changeRow("(a) the program rerun with the new `models`", stack.map((r) => r.modelChange)),
        changeRow("(b) edit config.yaml, `docker-compose restart litellm` (the guide's step)", guide.map((r) => r.restart)),
        changeRow("(b) then `docker-compose up -d --build` (what carries the edit)", guide.map((r) => r.rebuild)),
        "",
        `Between the two, a plain \`docker-compose up -d\` served the added model: ${guide.every((r) => !r.plainUpApplied) ? "no, in no run" : `in ${guide.filter((r) => r.plainUpApplied).length} of ${guide.length} runs`}.`,
        "",
        `- ratio (a)/(b), ready: **${ratio(m.stack, m.guide)}**`,
        `- (a) minus the floor: **${seconds(m.stack - m.floor)} s**; (b) minus the floor: **${seconds(m.guide - m.floor)} s**`,
        `- ratio (a)/(b), no-change redeploy: **${ratio(m.stackRedeploy, m.guideRedeploy)}**`,
        `- ratio (a)/(b), model-change downtime against \`up -d --build\`: **${ratio(m.stackDown, m.rebuildDown)}**; against \`restart\` (which does not apply the change): ${ratio(m.stackDown, m.restartDown)}`,
        "",
    ].join("\n");
}

const ms2 = (value: number) => value.toFixed(2);
const signedMs = (value: number) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(2)} ms`;

/** The multi-instance part of "Latest run": the swarm program on one node and on three. */
export function renderSwarmSection(figures: SwarmFigures, context: { runs: number; nodeRuns: number; seconds: number }): string {
    const changes = figures.rollingChanges;
    const crashes = figures.replicaCrashRequests;
    const lat = figures.latency;
    const failedRow = (label: string, tallies: { failed: number; total: number }[]) =>
        `| ${label} | ${median(tallies.map((t) => t.failed))} of ${Math.round(median(tallies.map((t) => t.total)))} | ${tallies.map((t) => `${t.failed}/${t.total}`).join(", ")} |`;
    const msRow = (label: string, values: number[], unit: "s" | "ms" = "s") =>
        `| ${label} | ${unit === "s" ? `${seconds(median(values))} s` : `${ms2(median(values))} ms`} | ${values.map((v) => (unit === "s" ? seconds(v) : ms2(v))).join(", ")} |`;
    const lines = [
        "### Several instances: the swarm stack",
        "",
        `The swarm program (stack \`swarm\`) created by the Swarm harness with the test images, ${context.seconds.toFixed(0)} s in all. One node: the local engine as a one-node ` +
            `swarm, 2 replicas, deployed from nothing in ${seconds(figures.deployMs)} s, ${context.runs} run(s) of each measurement (\`BENCH_SWARM_RUNS\`). ` +
            (figures.nodes ? `Three nodes (one dockerd per network namespace, 3 replicas), deployed in ${seconds(figures.nodes.deployMs)} s (images pulled on every node), ${figures.nodes.losses.length} node loss(es) (\`BENCH_SWARM_NODE_RUNS\`).` : "Three nodes: not run."),
        "",
        "| measurement | median | runs |",
        "|---|---|---|",
        failedRow("rolling model-list change: failed requests through the front door (target 0)", changes),
        `| &nbsp;&nbsp;fast requests started per second during it (target 20) | ${median(changes.map((c) => c.fastRate)).toFixed(1)} | ${changes.map((c) => c.fastRate.toFixed(1)).join(", ")} |`,
        msRow("&nbsp;&nbsp;`pulumi up` plus Swarm's update to `completed` (2 tasks start-first, 20 s monitor)", changes.map((c) => c.rolloutMs)),
        msRow("crashed replica (SIGKILL): until a replacement runs healthy", figures.replicaRecoveryMs),
        failedRow("&nbsp;&nbsp;failed requests meanwhile (in flight on the crashed one)", crashes),
    ];
    if (figures.nodes && figures.nodes.losses.length > 0) {
        const losses = figures.nodes.losses;
        lines.push(
            msRow("lost node (link cut): until Swarm marks it Down", losses.map((l) => l.downMs)),
            msRow("lost node: until its replica runs on a surviving node (3 running)", losses.map((l) => l.recoveredMs)),
            failedRow("&nbsp;&nbsp;failed requests meanwhile", losses),
        );
    }
    lines.push(
        msRow("latency, one replica directly, p50", lat.map((l) => l.directP50), "ms"),
        msRow("latency, through the front door, p50", lat.map((l) => l.doorP50), "ms"),
        msRow("latency, one replica directly, p99", lat.map((l) => l.directP99), "ms"),
        msRow("latency, through the front door, p99", lat.map((l) => l.doorP99), "ms"),
        "",
        `- front door's added latency: p50 **${signedMs(median(lat.map((l) => l.doorP50 - l.directP50)))}** (ratio ${ratio(median(lat.map((l) => l.doorP50)), median(lat.map((l) => l.directP50)))}), ` +
            `p99 **${signedMs(median(lat.map((l) => l.doorP99 - l.directP99)))}** (ratio ${ratio(median(lat.map((l) => l.doorP99)), median(lat.map((l) => l.directP99)))}); ${lat[0]?.requests ?? 0} sequential chat completions each way per run, from inside a proxy task`,
        `- failed requests in all rolling model changes: **${changes.reduce((a, c) => a + c.failed, 0)} of ${changes.reduce((a, c) => a + c.total, 0)}**`,
        ...figures.notes.map((n) => `- ${n}`),
        "",
    );
    return lines.join("\n");
}

/** The "Latest run" section of BENCHMARKS.md: medians, every run's value, the ratios. */
import type { FloorFigures } from "./floor";
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

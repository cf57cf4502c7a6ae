/**
 * A steady stream of chat completions against a proxy, one after another at a fixed cadence, in a
 * worker thread of its own: the harness and docker-compose calls in the main thread (program
 * loading, synchronous work) cannot delay a request or the moment its answer is seen.
 */
import { Worker } from "node:worker_threads";

export interface RequestRecord {
    /** Epoch milliseconds (performance.timeOrigin + performance.now(), comparable across threads). */
    start: number;
    end: number;
    ok: boolean;
    /** The HTTP status, or what failed (ECONNREFUSED, ECONNRESET, TimeoutError, ...). */
    outcome: string;
}

export interface SteadyRequestOptions {
    url: string;
    key: string;
    model: string;
    /** Time from one request's start to the next one's (the next starts at once if a request takes longer). */
    intervalMs: number;
    /** Per-request timeout. */
    timeoutMs: number;
    /** Upper bound on requests sent, whatever happens. */
    maxRequests: number;
}

export const epochNow = (): number => performance.timeOrigin + performance.now();

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, key, model, intervalMs, timeoutMs, maxRequests } = workerData;
let stopped = false;
parentPort.on("message", (message) => { if (message === "stop") stopped = true; });
const clock = () => performance.timeOrigin + performance.now();
const body = JSON.stringify({ model, messages: [{ role: "user", content: "ping" }] });
(async () => {
    for (let sent = 0; sent < maxRequests && !stopped; sent++) {
        const start = clock();
        let ok = false;
        let outcome;
        try {
            const response = await fetch(url, {
                method: "POST",
                headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" },
                body,
                signal: AbortSignal.timeout(timeoutMs),
            });
            await response.arrayBuffer();
            ok = response.status === 200;
            outcome = String(response.status);
        } catch (error) {
            outcome = (error && error.cause && error.cause.code) || (error && error.name) || "error";
        }
        parentPort.postMessage({ start, end: clock(), ok, outcome });
        const wait = start + intervalMs - clock();
        if (wait > 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    parentPort.postMessage("done");
})();
`;

export class SteadyRequests {
    readonly records: RequestRecord[] = [];
    private readonly worker: Worker;
    private done = false;
    private stopped = false;
    private waiters: (() => void)[] = [];

    constructor(options: SteadyRequestOptions) {
        this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: options });
        this.worker.on("message", (message: RequestRecord | "done") => {
            if (message === "done") {
                this.done = true;
            } else {
                this.records.push(message);
            }
            this.waiters.forEach((wake) => wake());
        });
        this.worker.on("error", () => {
            this.done = true;
            this.waiters.forEach((wake) => wake());
        });
    }

    /** Resolves once `condition` holds for the records so far; fails when the loop ended or time ran out first. */
    async until(what: string, condition: (records: RequestRecord[]) => boolean, timeoutMs: number): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        while (!condition(this.records)) {
            if (this.done || Date.now() > deadline) {
                throw new Error(`${what} did not happen (${this.records.length} requests sent, ${this.done ? "request bound reached" : `${timeoutMs} ms passed`})`);
            }
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, 200);
                this.waiters.push(() => {
                    clearTimeout(timer);
                    resolve();
                });
            });
            this.waiters = [];
        }
    }

    async stop(): Promise<RequestRecord[]> {
        if (this.stopped) {
            return this.records;
        }
        this.stopped = true;
        this.worker.postMessage("stop");
        await this.until("the request loop stopping", () => this.done, 10_000).catch(() => undefined);
        await this.worker.terminate();
        return this.records;
    }
}

/** True when the last `count` requests all succeeded and all started after `after`. */
export function succeededSince(records: RequestRecord[], after: number, count: number): boolean {
    const last = records.slice(-count);
    return last.length === count && last.every((r) => r.ok && r.start >= after);
}

export interface Downtime {
    /** Longest time between two consecutive successful answers, from the last one before the change on. */
    downtimeMs: number;
    /** When the last answer before that gap and the first after it came, relative to the change's start. */
    lastOkBeforeMs: number;
    firstOkAfterMs: number;
    /** Requests after the last success before the change that did not succeed, by outcome. */
    failed: number;
    failures: Record<string, number>;
    sent: number;
}

/**
 * Downtime of a change that started at `changeStart`: the longest gap between consecutive
 * successful answers (by the time each answer arrived), counted from the last success before the
 * change. Without an outage that is about one request interval.
 */
export function downtimeOf(records: RequestRecord[], changeStart: number): Downtime {
    const sorted = [...records].sort((a, b) => a.start - b.start);
    const before = sorted.filter((r) => r.ok && r.end <= changeStart);
    if (before.length === 0) {
        throw new Error("no successful request before the change: the loop did not reach a steady state");
    }
    const from = before[before.length - 1];
    const window = sorted.filter((r) => r.start >= from.start);
    const successes = window.filter((r) => r.ok).sort((a, b) => a.end - b.end);
    let gap = { from, to: from };
    for (let i = 1; i < successes.length; i++) {
        if (successes[i].end - successes[i - 1].end > gap.to.end - gap.from.end) {
            gap = { from: successes[i - 1], to: successes[i] };
        }
    }
    if (gap.to === from) {
        throw new Error("no successful request after the change");
    }
    const failedRecords = window.filter((r) => !r.ok);
    const failures: Record<string, number> = {};
    for (const r of failedRecords) {
        failures[r.outcome] = (failures[r.outcome] ?? 0) + 1;
    }
    return {
        downtimeMs: gap.to.end - gap.from.end,
        lastOkBeforeMs: gap.from.end - changeStart,
        firstOkAfterMs: gap.to.end - changeStart,
        failed: failedRecords.length,
        failures,
        sent: records.length,
    };
}

export interface ChangeResult extends Downtime {
    /** How long the change itself took, from its start until its command returned. */
    changeMs: number;
    /** When it started (epoch ms), to place other logs against it. */
    changeStart: number;
}

/**
 * Runs `change` under a steady request loop: waits for a steady state first (five successes in
 * a row), then for ten successes in a row that started after the change returned.
 */
export async function downtimeDuring(options: SteadyRequestOptions, change: () => Promise<void>): Promise<ChangeResult> {
    const loop = new SteadyRequests(options);
    try {
        await loop.until("five successful requests before the change", (records) => succeededSince(records, 0, 5), 30_000);
        const changeStart = epochNow();
        await change();
        const changeEnd = epochNow();
        await loop.until("ten successful requests in a row after the change", (records) => succeededSince(records, changeEnd, 10), 120_000);
        const records = await loop.stop();
        return { ...downtimeOf(records, changeStart), changeMs: changeEnd - changeStart, changeStart };
    } finally {
        await loop.stop();
    }
}

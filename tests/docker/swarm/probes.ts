/**
 * What the Swarm tests look at: a service's tasks and update state on an engine, and requests
 * through a front door, counted (a steady loop of fast requests plus one-second ones).
 */
import { dockerCall } from "../dockerApi";
import type { SwarmTask } from "./converge";

export interface Reply {
    host: string;
    version: string;
    secret: string;
    config: string;
    secretMode: string;
}

export async function tasksOf(service: string, socket?: string, desired = "running"): Promise<SwarmTask[]> {
    const filters = encodeURIComponent(JSON.stringify({ service: [service], "desired-state": [desired] }));
    return dockerCall<SwarmTask[]>("GET", `/tasks?filters=${filters}`, { socket });
}

export async function runningTasks(service: string, socket?: string): Promise<SwarmTask[]> {
    return (await tasksOf(service, socket)).filter((t) => t.Status.State === "running");
}

export async function updateState(service: string, socket?: string): Promise<string | undefined> {
    return (await dockerCall<{ UpdateStatus?: { State: string } }>("GET", `/services/${service}`, { socket })).UpdateStatus?.State;
}

export async function getReply(base: string, path = "/"): Promise<Reply> {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (response.status !== 200) {
        throw new Error(`HTTP ${response.status}: ${await response.text()}`);
    }
    return (await response.json()) as Reply;
}

export interface LoopCounts {
    ok: number;
    failed: number;
    slowOk: number;
    slowFailed: number;
    errors: string[];
    versions: Set<string>;
    hosts: Set<string>;
}

/** Requests to `base` until stopped: a fast one every 50 ms, and one-second ones back to back. */
export function requestLoop(base: string) {
    const counts: LoopCounts = { ok: 0, failed: 0, slowOk: 0, slowFailed: 0, errors: [], versions: new Set(), hosts: new Set() };
    let running = true;
    const fast = (async () => {
        while (running) {
            try {
                const reply = await getReply(base);
                counts.versions.add(reply.version);
                counts.hosts.add(reply.host);
                counts.ok++;
            } catch (error) {
                counts.failed++;
                counts.errors.push(String(error));
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    })();
    const slow = (async () => {
        while (running) {
            try {
                await getReply(base, "/slow");
                counts.slowOk++;
            } catch (error) {
                counts.slowFailed++;
                counts.errors.push(`slow: ${String(error)}`);
            }
        }
    })();
    return {
        counts,
        async stop(): Promise<LoopCounts> {
            running = false;
            await Promise.all([fast, slow]);
            return counts;
        },
    };
}

export function describeCounts(counts: LoopCounts): string {
    return JSON.stringify({ ...counts, versions: [...counts.versions], hosts: counts.hosts.size, errors: counts.errors.slice(0, 5) });
}

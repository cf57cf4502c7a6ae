/**
 * Whatever the benchmark creates goes again, also when a measurement fails or the run is
 * interrupted (Ctrl-C, SIGTERM): each part registers its cleanup while it runs. On a signal no
 * new Docker object is made (the stack's provisioning and compose refuse), running compose
 * commands are stopped, and the cleanups run until nothing of the benchmark is left.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const pending = new Set<() => Promise<void>>();
const onInterrupt = new Set<() => void>();
let interruption: Promise<void> | undefined;

export class Interrupted extends Error {
    constructor() {
        super("interrupted");
        this.name = "Interrupted";
    }
}

export function throwIfInterrupted(): void {
    if (interruption) {
        throw new Interrupted();
    }
}

/** Called at once when a signal arrives (e.g. to stop child processes). */
export function whenInterrupted(action: () => void): void {
    onInterrupt.add(action);
}

/** Runs `body`, then `cleanup` whatever happened; a signal in between runs `cleanup` too. */
export async function withCleanup<T>(cleanup: () => Promise<void>, body: () => Promise<T>): Promise<T> {
    pending.add(cleanup);
    try {
        return await body();
    } finally {
        pending.delete(cleanup);
        await cleanup();
    }
}

/** The cleanup after a signal, once one arrived: callers wait for it instead of exiting first. */
export function interrupted(): Promise<void> | undefined {
    return interruption;
}

/**
 * Installs the signal handlers. `remaining` lists what is still on the engine: the cleanups run
 * again (a create already sent to the engine may land after the first round) until it is empty.
 */
export function cleanUpOnSignals(remaining: () => Promise<string[]>): void {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
        process.on(signal, () => {
            if (interruption) {
                return;
            }
            console.error(`\n${signal}: removing what the benchmark created ...`);
            onInterrupt.forEach((action) => action());
            const cleanups = [...pending].reverse();
            interruption = (async () => {
                let left: string[] = [];
                for (let round = 1; round <= 5; round++) {
                    for (const cleanup of cleanups) {
                        await cleanup().catch((error: unknown) => console.error(error));
                    }
                    await new Promise((resolve) => setTimeout(resolve, 1000));
                    left = await remaining().catch(() => ["(could not check)"]);
                    if (left.length === 0) {
                        break;
                    }
                }
                console.error(left.length > 0 ? `still on the engine: ${left.join("; ")}` : "nothing of the benchmark is left on the engine");
                releaseLock();
                process.exit(130);
            })();
        });
    }
}

/** One benchmark at a time on this machine: the guide's container names are fixed. */
const LOCK = join(tmpdir(), "aiterm-bench.lock");

export function takeLock(): void {
    try {
        const holder = Number(readFileSync(LOCK, "utf8"));
        if (holder && holder !== process.pid) {
            try {
                process.kill(holder, 0);
                throw new Error(`another benchmark (pid ${holder}) is running on this machine (${LOCK}); wait for it to finish`);
            } catch (error) {
                if ((error as NodeJS.ErrnoException).code !== "ESRCH") {
                    throw error;
                }
            }
        }
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
            throw error;
        }
    }
    writeFileSync(LOCK, String(process.pid));
}

export function releaseLock(): void {
    try {
        if (Number(readFileSync(LOCK, "utf8")) === process.pid) {
            rmSync(LOCK, { force: true });
        }
    } catch {
        // no lock: nothing to release
    }
}

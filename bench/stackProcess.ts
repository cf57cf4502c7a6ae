/**
 * (a) in a fresh Node process per run, as each `pulumi up` starts the program in a new language
 * host: bench.ts spawns bench/run.js with BENCH_ROLE=stack, and this module is what that child
 * runs. The child measures, cleans up after itself (on signals too) and writes its figures to a file.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanUpOnSignals, interrupted, whenInterrupted, withCleanup } from "./cleanup";
import { leftovers } from "./engineChecks";
import { testImages } from "./settings";
import { measureStack, StackFigures, sweepStack } from "./stackRun";
import { epochNow } from "./steadyRequests";

const children = new Set<ReturnType<typeof spawn>>();
whenInterrupted(() => children.forEach((child) => child.kill("SIGINT")));

/** Called by bench.ts: one run of (a) in a child process, timed from its spawn. */
export async function measureStackInFreshProcess(): Promise<StackFigures> {
    const directory = mkdtempSync(join(tmpdir(), "aiterm-bench-stack-"));
    const resultFile = join(directory, "result.json");
    return withCleanup(
        async () => {
            await sweepStack();
            rmSync(directory, { recursive: true, force: true });
        },
        async () => {
            const child = spawn(process.execPath, [join(__dirname, "run.js")], {
                env: { ...process.env, BENCH_ROLE: "stack", BENCH_START_EPOCH: String(epochNow()), BENCH_RESULT_FILE: resultFile },
                stdio: ["ignore", "inherit", "inherit"],
            });
            children.add(child);
            const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
            children.delete(child);
            if (code !== 0) {
                throw new Error(`the stack's run (a child process) failed with exit code ${code}`);
            }
            return JSON.parse(readFileSync(resultFile, "utf8")) as StackFigures;
        },
    );
}

/** What the child runs. */
export function runStackChild(): void {
    cleanUpOnSignals(leftovers);
    measureStack(testImages(), Number(process.env.BENCH_START_EPOCH))
        .then((figures) => {
            writeFileSync(String(process.env.BENCH_RESULT_FILE), JSON.stringify(figures));
            process.exit(0);
        })
        .catch(async (error: unknown) => {
            const cleanup = interrupted();
            if (cleanup) {
                // The signal handler cleans up and exits.
                await cleanup;
                return;
            }
            console.error(error);
            process.exit(1);
        });
}

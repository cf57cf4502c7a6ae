/** What every part of the benchmark shares: the images, its own names and ports, its keys. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..");

export interface TestImages {
    litellmImage: string;
    postgresImage: string;
}

export function testImages(): TestImages {
    const path = join(ROOT, "tests", "images", ".refs.json");
    try {
        return JSON.parse(readFileSync(path, "utf8")) as TestImages;
    } catch {
        throw new Error(`${path} is missing: build the test images first (bash tests/images/build.sh)`);
    }
}

/** The stack's name for this benchmark: its Docker objects are litellm-bench-*. */
export const STACK = "bench";
export const STACK_PORT = 14100;
/** The guide's published port (.env.example's LITELLM_PORT); BENCH_GUIDE_PORT sets another in .env. */
export const GUIDE_PORT = Number(process.env.BENCH_GUIDE_PORT ?? 4000);
export const FLOOR_PORT = 14200;
export const FLOOR_PREFIX = "aiterm-bench-floor";

export const MASTER_KEY = "sk-benchmark-master-key-000000000000000000";
/** A fake token: the test double never calls a provider. */
export const FAKE_HF_TOKEN = "hf_fakebenchmarktoken00000000000000";

/** The model both deployments gain in the model-list change (as in tests/docker/devStack.realDocker.test.ts). */
export const ADDED_MODEL = { name: "coder-large", model: "huggingface/Qwen/Qwen2.5-Coder-7B-Instruct" };

/** The request loop during a model-list change: one chat completion every 50 ms, 2 s timeout, at most 2 400. */
export const LOOP = { intervalMs: 50, timeoutMs: 2000, maxRequests: 2400 };

/** The swarm program's stacks in the benchmark: Swarm objects litellm-swarm-bench-* (one node), litellm-swarm-bnodes-* (three). */
export const SWARM_STACK = "swarm-bench";
export const SWARM_NODES_STACK = "swarm-bnodes";
/** The front door's host-mode port on the one-node swarm, and the relay's port to node n1's on three nodes. */
export const SWARM_PORT = 14330;
export const SWARM_NODES_PORT = 14340;
/** Runs of each one-node measurement (BENCH_SWARM_RUNS) and lost nodes (BENCH_SWARM_NODE_RUNS; 0 skips the three nodes). */
export const SWARM_RUNS = Number(process.env.BENCH_SWARM_RUNS ?? 3);
export const SWARM_NODE_RUNS = Number(process.env.BENCH_SWARM_NODE_RUNS ?? 2);

/**
 * (a) The stack: the `dev` program's declared graph, created for real on the engine by the
 * real-Docker harness (tests/docker/realDockerEngine.ts), as the real-Docker tests do.
 */
import * as pulumi from "@pulumi/pulumi";
import { dockerCall } from "../tests/docker/dockerApi";
import { RealDockerEngine } from "../tests/docker/realDockerEngine";
import { DynamicEngine } from "../tests/support/dynamicEngine";
import { loadProgramNatively } from "../tests/support/nativeProgram";
import { installMocks } from "../tests/support/pulumiMocks";
import { Interrupted, interrupted, withCleanup } from "./cleanup";
import { modelIds, untilServing } from "./proxyProbe";
import { ADDED_MODEL, FAKE_HF_TOKEN, LOOP, STACK, STACK_PORT, TestImages } from "./settings";
import { ChangeResult, downtimeDuring } from "./steadyRequests";

type Program = typeof import("../index");

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

export interface StackFigures {
    /** From nothing until the proxy answers /health/liveliness and a chat completion with the aiterm key. */
    readyMs: number;
    /** From the start until the first Docker object was asked for: starting and loading the program. */
    programLoadMs: number;
    /** A second run of the program with nothing changed, in the same process (the harness keeps the state in memory). */
    redeployMs: number;
    /** A run of the program with a second model in `models`, under the request loop. */
    modelChange: ChangeResult & { applied: boolean };
    /** The harness's log of the first run, times relative to its start (BENCH_TRACE). */
    trace: string[];
}

/** Removes whatever an earlier, interrupted run left of the stack's objects. */
export async function sweepStack(): Promise<void> {
    for (const role of ["proxy", "db"]) {
        await dockerCall("DELETE", `/containers/litellm-${STACK}-${role}?force=true&v=true`).catch(() => undefined);
    }
    for (const network of ["backend", "frontend"]) {
        await dockerCall("DELETE", `/networks/litellm-${STACK}-${network}`).catch(() => undefined);
    }
    await dockerCall("DELETE", `/volumes/litellm-${STACK}-data`).catch(() => undefined);
}

/** One `pulumi up` equivalent: the program run against the mocks, its docker resources made real. */
async function stackUp(docker: RealDockerEngine, images: TestImages, changes: Record<string, string> = {}): Promise<Program> {
    installMocks({
        stack: STACK,
        config: {
            hfToken: FAKE_HF_TOKEN,
            litellmImage: images.litellmImage,
            postgresImage: images.postgresImage,
            port: String(STACK_PORT),
            keepDataOnDestroy: "false",
            ...changes,
        },
        secretKeys: ["hfToken"],
        // After a signal the program may still be registering resources: none of them is created.
        provision: (args, options) => (interrupted() ? docker.dynamic.fail(new Interrupted()) : docker.provision(args, options)),
    });
    docker.beginRun();
    const program = loadProgramNatively<Program>();
    await docker.dynamic.settle([program.url, program.aitermSetup, program.virtualKeys as pulumi.Output<unknown>], 240_000);
    await docker.finishRun();
    return program;
}

/**
 * One run of (a). `startEpoch` is when the process that runs it was spawned (epoch ms): the ready
 * time then includes starting Node and loading @pulumi/pulumi and the program cold, as the first
 * `pulumi up` of a stack does; without it, it counts from this call.
 */
export async function measureStack(images: TestImages, startEpoch?: number): Promise<StackFigures> {
    await sweepStack();
    const docker = new RealDockerEngine(new DynamicEngine());
    const teardown = async () => {
        await docker.destroy().catch(() => undefined);
        await sweepStack();
    };
    return withCleanup(teardown, async () => {
        const start = startEpoch === undefined ? performance.now() : startEpoch - performance.timeOrigin;
        const program = await stackUp(docker, images);
        const aitermKey = ((await valueOf(program.virtualKeys)) as Record<string, string>).aiterm;
        await untilServing(STACK_PORT, aitermKey);
        const readyMs = performance.now() - start;
        const trace = docker.log.map((l) => `${((l.at - start) / 1000).toFixed(2)} s ${l.action} ${l.resource}`);
        const programLoadMs = (docker.log[0]?.at ?? start) - start;

        const again = performance.now();
        await stackUp(docker, images);
        const redeployMs = performance.now() - again;

        const masterKey = await valueOf(program.masterKey);
        const models = JSON.stringify([
            { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
            { name: ADDED_MODEL.name, model: ADDED_MODEL.model, apiKeyEnv: "HF_TOKEN" },
        ]);
        const change = await downtimeDuring({ ...LOOP, url: `http://127.0.0.1:${STACK_PORT}/v1/chat/completions`, key: aitermKey, model: "default" }, async () => {
            await stackUp(docker, images, { models });
        });
        const applied = (await modelIds(STACK_PORT, masterKey)).includes(ADDED_MODEL.name);
        trace.push(
            "model change, relative to its start:",
            ...docker.log.filter((l) => performance.timeOrigin + l.at >= change.changeStart).map((l) => `${((performance.timeOrigin + l.at - change.changeStart) / 1000).toFixed(2)} s ${l.action} ${l.resource}`),
        );
        const replaced = docker.log.filter((l) => l.action === "replace").map((l) => l.resource);
        if (replaced.join() !== "local-proxy") {
            throw new Error(`the model-list change replaced ${replaced.join(", ") || "nothing"}; expected the proxy container only`);
        }
        return { readyMs, programLoadMs, redeployMs, modelChange: { ...change, applied }, trace };
    });
}

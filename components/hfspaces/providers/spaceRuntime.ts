import * as pulumi from "@pulumi/pulumi";
import { deriveSubdomain, spaceAppUrl } from "../spaceFiles";
import { clientForExistingSpace, connectionChanged, GONE, HubConnectionInputs, hubClientFor } from "./hubConnection";

export interface SpaceRuntimeInputs extends HubConnectionInputs {
    resourceKind: "HuggingFaceSpaceRuntime";
    spaceId: string;
    /** The files resource's revision: a change means a commit, which rebuilds the Space by itself. */
    filesRevision: string;
    /** The settings resource's revision: a change alone needs a restart to reach the container. */
    settingsRevision: string;
    /** How long to wait for RUNNING after a change; 0 does not wait. */
    waitTimeoutSeconds: number;
    /** Seconds between two runtime reads while waiting. */
    pollIntervalSeconds: number;
}

export interface SpaceRuntimeOutputs extends SpaceRuntimeInputs {
    stage: string;
    /** `<subdomain>.hf.space`, from the runtime once the Hub has assigned it. */
    domain: string;
    url: string;
    /** Whether the last update restarted the Space. */
    restarted: boolean;
}

const FAILED_STAGES = ["BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE"];

/**
 * Waits for RUNNING within the deadline; a failed stage fails with the Space's own message, except
 * that with `restartIfFailed` a Space found failed at the first read is restarted once.
 */
async function waitForRunning(inputs: SpaceRuntimeInputs, restartIfFailed = false): Promise<{ stage: string; domain: string; restarted: boolean }> {
    const hub = hubClientFor(inputs);
    let restarted = false;
    const deadline = Date.now() + inputs.waitTimeoutSeconds * 1000;
    const [owner, name] = inputs.spaceId.split("/");
    const fallbackDomain = `${deriveSubdomain(owner, name)}.hf.space`;
    for (;;) {
        const runtime = await hub.runtime(inputs.spaceId);
        const domain = runtime.domains[0]?.domain ?? fallbackDomain;
        if (restartIfFailed && !restarted && (runtime.stage === "BUILD_ERROR" || runtime.stage === "RUNTIME_ERROR")) {
            await hub.restart(inputs.spaceId);
            restarted = true;
            continue;
        }
        restartIfFailed = false;
        if (inputs.waitTimeoutSeconds === 0 || runtime.stage === "RUNNING") {
            return { stage: runtime.stage, domain, restarted };
        }
        if (FAILED_STAGES.includes(runtime.stage)) {
            throw new Error(
                `Space ${inputs.spaceId} stopped at ${runtime.stage}: ${runtime.errorMessage ?? "no message from the Hub"}. ` +
                    `Read its logs on ${inputs.hfEndpoint}/spaces/${inputs.spaceId}?logs=build (API: ${inputs.hfEndpoint}/api/spaces/${inputs.spaceId}/logs/build and /logs/run), fix the cause, then run \`pulumi up\` again.`,
            );
        }
        if (Date.now() >= deadline) {
            throw new Error(
                `Space ${inputs.spaceId} is still ${runtime.stage} after ${inputs.waitTimeoutSeconds} s. It may just be slow: \`pulumi up\` again keeps waiting, \`pulumi config set spaceWaitTimeoutSeconds 1800\` waits longer, 0 does not wait.`,
            );
        }
        await new Promise((resolve) => setTimeout(resolve, inputs.pollIntervalSeconds * 1000));
    }
}

function outputsOf(inputs: SpaceRuntimeInputs, observed: { stage: string; domain: string }, restarted: boolean): SpaceRuntimeOutputs {
    return { ...inputs, stage: observed.stage, domain: observed.domain, url: spaceAppUrl(observed.domain.replace(/\.hf\.space$/, "")), restarted };
}

/**
 * The running Space: restarts it when only its secrets or variables changed (a commit already
 * rebuilds it), then waits until the Hub reports RUNNING.
 */
export const spaceRuntimeProvider: pulumi.dynamic.ResourceProvider<SpaceRuntimeInputs, SpaceRuntimeOutputs> = {
    async diff(_id, olds, news) {
        const replaces = olds.spaceId !== news.spaceId || olds.hfEndpoint !== news.hfEndpoint ? ["spaceId"] : [];
        const changes =
            replaces.length > 0 ||
            olds.filesRevision !== news.filesRevision ||
            olds.settingsRevision !== news.settingsRevision ||
            olds.waitTimeoutSeconds !== news.waitTimeoutSeconds ||
            olds.pollIntervalSeconds !== news.pollIntervalSeconds ||
            connectionChanged(olds, news);
        return { changes, replaces, stables: [] };
    },

    /**
     * Created after the files and settings, so a build this run triggered is already under way. A
     * Space found stopped at BUILD_ERROR or RUNTIME_ERROR is from an earlier, failed run (the
     * cause may have been passing, a database that was down): it is restarted once, so that
     * running `pulumi up` again converges.
     */
    async create(inputs) {
        const observed = await waitForRunning(inputs, true);
        return { id: `${inputs.spaceId}/runtime`, outs: outputsOf(inputs, observed, observed.restarted) };
    },

    async update(_id, olds, news) {
        const restart = olds.settingsRevision !== news.settingsRevision && olds.filesRevision === news.filesRevision;
        if (restart) {
            await hubClientFor(news).restart(news.spaceId);
        }
        const rebuilt = restart || olds.filesRevision !== news.filesRevision;
        const observed = rebuilt ? await waitForRunning(news) : { stage: olds.stage, domain: olds.domain, restarted: false };
        return { outs: outputsOf(news, observed, restart) };
    },

    async read(id, props) {
        const hub = await clientForExistingSpace(props);
        if (!hub || !props) {
            return GONE;
        }
        const runtime = await hub.runtime(props.spaceId);
        const domain = runtime.domains[0]?.domain ?? props.domain;
        return { id, props: { ...props, stage: runtime.stage, domain, url: spaceAppUrl(domain.replace(/\.hf\.space$/, "")) } };
    },

    async delete() {},
};

export interface SpaceRuntimeArgs {
    hfEndpoint: pulumi.Input<string>;
    token: pulumi.Input<string>;
    spaceId: pulumi.Input<string>;
    filesRevision: pulumi.Input<string>;
    settingsRevision: pulumi.Input<string>;
    /** @default 900 */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /** @default 5 */
    pollIntervalSeconds?: pulumi.Input<number>;
    requestTimeoutSeconds?: pulumi.Input<number>;
}

export class SpaceRuntime extends pulumi.dynamic.Resource {
    declare readonly stage: pulumi.Output<string>;
    declare readonly domain: pulumi.Output<string>;
    declare readonly url: pulumi.Output<string>;

    constructor(name: string, args: SpaceRuntimeArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            spaceRuntimeProvider,
            name,
            {
                resourceKind: "HuggingFaceSpaceRuntime",
                stage: undefined,
                domain: undefined,
                url: undefined,
                restarted: undefined,
                waitTimeoutSeconds: 900,
                pollIntervalSeconds: 5,
                ...args,
            },
            { ...opts, additionalSecretOutputs: ["token"] },
        );
    }
}

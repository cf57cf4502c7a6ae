import * as pulumi from "@pulumi/pulumi";
import { HubClient, SpaceDomain } from "../hub";
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
    /**
     * The Space's own `<subdomain>.hf.space` from the runtime, never a custom domain: that one
     * is the owner's DNS and may still be PENDING, while `*.hf.space` always routes to the app.
     */
    domain: string;
    url: string;
    /** Whether the last update restarted the Space. */
    restarted: boolean;
}

const FAILED_STAGES = ["BUILD_ERROR", "RUNTIME_ERROR", "CONFIG_ERROR", "NO_APP_FILE"];

/**
 * Stages waiting never turns into RUNNING: huggingface_hub's TERMINAL_SPACE_STAGES
 * (_space_api.py) include them, and "a paused Space stops executing until manually restarted by
 * its owner" (hf_api.py pause_space). The stack does not restart such a Space itself: pausing
 * is the owner's decision (a paused Space is not billed).
 */
const HALTED_STAGES = ["PAUSED", "STOPPED", "DELETING"];

/**
 * SLEEPING is not in huggingface_hub's stages at all, and its wait_for_space returns on any stage
 * outside INTERMEDIATE_SPACE_STAGES (BUILDING, RUNNING_BUILDING, APP_STARTING,
 * RUNNING_APP_STARTING). A sleeping Space has its app built and "if a new visitor lands on your
 * Space, it will wake it up" (hf_api.py set_space_sleep_time): the first request to the proxy
 * (aiterm's, or the virtual keys' readiness wait) wakes it. So the wait ends there, successfully.
 */
const SLEEPING_STAGE = "SLEEPING";

/**
 * The Space's own domain among the runtime's domains: not marked `isCustom`, under `.hf.space`.
 * A custom domain can be listed first (`domains` is `[{domain, isCustom?, stage}]`, huggingface.js
 * types/api/api-collection.ts), so `domains[0]` is not it.
 */
export function ownDomain(domains: SpaceDomain[], fallback: string): string {
    const own = domains.filter((entry) => entry.isCustom !== true);
    return (own.find((entry) => entry.domain.endsWith(".hf.space")) ?? own[0])?.domain ?? fallback;
}

function haltedError(spaceId: string, hfEndpoint: string, stage: string): Error {
    if (stage === "DELETING") {
        return new Error(
            `Space ${spaceId} is DELETING: it is being deleted on the Hub and will not run again. Wait until it is gone, then run \`pulumi refresh\` and \`pulumi up\` to create it again (or set another \`spaceName\`).`,
        );
    }
    // Upstream says why a Space is PAUSED (its owner paused it), not why one is STOPPED.
    const why = stage === "PAUSED" ? "it was paused (on its settings page or through the API) and" : "it";
    return new Error(
        `Space ${spaceId} is ${stage}: ${why} runs again only when it is restarted, which this stack does not do behind its owner's back. ` +
            `Restart it on ${hfEndpoint}/spaces/${spaceId}/settings or with \`hf spaces restart ${spaceId}\`, then run \`pulumi up\` again.`,
    );
}

/** Before a restart the stack would make: a halted Space is left as its owner left it. */
async function refuseIfHalted(hub: HubClient, inputs: SpaceRuntimeInputs): Promise<void> {
    const { stage } = await hub.runtime(inputs.spaceId);
    if (HALTED_STAGES.includes(stage)) {
        throw haltedError(inputs.spaceId, inputs.hfEndpoint, stage);
    }
}

/**
 * Waits for RUNNING within the deadline; a failed stage fails with the Space's own message, except
 * that with `restartIfFailed` a Space found failed at the first read is restarted once. A halted
 * Space fails at once; a sleeping one ends the wait.
 */
async function waitForRunning(inputs: SpaceRuntimeInputs, restartIfFailed = false): Promise<{ stage: string; domain: string; restarted: boolean }> {
    const hub = hubClientFor(inputs);
    let restarted = false;
    const deadline = Date.now() + inputs.waitTimeoutSeconds * 1000;
    const [owner, name] = inputs.spaceId.split("/");
    const fallbackDomain = `${deriveSubdomain(owner, name)}.hf.space`;
    for (;;) {
        const runtime = await hub.runtime(inputs.spaceId);
        const domain = ownDomain(runtime.domains, fallbackDomain);
        if (restartIfFailed && !restarted && (runtime.stage === "BUILD_ERROR" || runtime.stage === "RUNTIME_ERROR")) {
            await hub.restart(inputs.spaceId);
            restarted = true;
            continue;
        }
        restartIfFailed = false;
        if (inputs.waitTimeoutSeconds === 0 || runtime.stage === "RUNNING" || runtime.stage === SLEEPING_STAGE) {
            return { stage: runtime.stage, domain, restarted };
        }
        if (HALTED_STAGES.includes(runtime.stage)) {
            throw haltedError(inputs.spaceId, inputs.hfEndpoint, runtime.stage);
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

/** `https://<domain>`, through spaceAppUrl for the `*.hf.space` domain the outputs always carry. */
function urlOf(domain: string): string {
    return domain.endsWith(".hf.space") ? spaceAppUrl(domain.slice(0, -".hf.space".length)) : `https://${domain}`;
}

function outputsOf(inputs: SpaceRuntimeInputs, observed: { stage: string; domain: string }, restarted: boolean): SpaceRuntimeOutputs {
    return { ...inputs, stage: observed.stage, domain: observed.domain, url: urlOf(observed.domain), restarted };
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
            const hub = hubClientFor(news);
            await refuseIfHalted(hub, news);
            await hub.restart(news.spaceId);
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
        const domain = ownDomain(runtime.domains, props.domain);
        return { id, props: { ...props, stage: runtime.stage, domain, url: urlOf(domain) } };
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

import * as pulumi from "@pulumi/pulumi";
import { digestOf } from "../spaceFiles";
import { clientForExistingSpace, connectionChanged, GONE, HubConnectionInputs, hubClientFor } from "./hubConnection";

export interface SpaceSettingsInputs extends HubConnectionInputs {
    resourceKind: "HuggingFaceSpaceSettings";
    spaceId: string;
    /** Space secrets by name (secret): environment variables the Hub never shows again. */
    secrets: Record<string, string>;
    /** Space variables by name: plain environment variables. */
    variables: Record<string, string>;
}

export interface SpaceSettingsOutputs extends SpaceSettingsInputs {
    /** A salted SHA-256 of each secret as last written: how a changed value is noticed. */
    secretDigests: Record<string, string>;
    /** The Hub's `updatedAt` of each secret after our write: an edit on the website changes it. */
    secretsUpdatedAt: Record<string, string>;
    /** Changes whenever a secret or a variable is written or removed: when the Space needs a restart. */
    revision: string;
}

function secretDigest(key: string, value: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createHash } = require("node:crypto") as typeof import("node:crypto");
    return createHash("sha256").update(`aiterm-litellm space secret\0${key}\0${value}`).digest("hex");
}

function secretDigests(secrets: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.keys(secrets).map((key) => [key, secretDigest(key, secrets[key])]));
}

interface SettingsPlan {
    secretsToWrite: string[];
    secretsToDelete: string[];
    variablesToWrite: string[];
    variablesToDelete: string[];
}

/** What must be written or removed to go from the recorded state to the desired one. */
export function planSettings(
    recorded: { secretDigests: Record<string, string>; variables: Record<string, string> },
    desired: { secrets: Record<string, string>; variables: Record<string, string> },
): SettingsPlan {
    const wanted = secretDigests(desired.secrets);
    return {
        secretsToWrite: Object.keys(wanted).filter((key) => recorded.secretDigests[key] !== wanted[key]).sort(),
        secretsToDelete: Object.keys(recorded.secretDigests).filter((key) => !(key in wanted)).sort(),
        variablesToWrite: Object.keys(desired.variables).filter((key) => recorded.variables[key] !== desired.variables[key]).sort(),
        variablesToDelete: Object.keys(recorded.variables).filter((key) => !(key in desired.variables)).sort(),
    };
}

function planIsEmpty(plan: SettingsPlan): boolean {
    return Object.values(plan).every((keys) => keys.length === 0);
}

async function applySettings(inputs: SpaceSettingsInputs, plan: SettingsPlan): Promise<SpaceSettingsOutputs> {
    const hub = hubClientFor(inputs, Object.values(inputs.secrets));
    for (const key of plan.secretsToWrite) {
        await hub.putSecret(inputs.spaceId, key, inputs.secrets[key]);
    }
    for (const key of plan.secretsToDelete) {
        await hub.deleteSecret(inputs.spaceId, key);
    }
    for (const key of plan.variablesToWrite) {
        await hub.putVariable(inputs.spaceId, key, inputs.variables[key]);
    }
    for (const key of plan.variablesToDelete) {
        await hub.deleteVariable(inputs.spaceId, key);
    }
    const listing = plan.secretsToWrite.length > 0 ? await hub.listSecrets(inputs.spaceId) : {};
    return outputsOf(inputs, listing);
}

function outputsOf(inputs: SpaceSettingsInputs, listing: Record<string, { updatedAt?: string }>, previous: Record<string, string> = {}): SpaceSettingsOutputs {
    const digests = secretDigests(inputs.secrets);
    const secretsUpdatedAt = Object.fromEntries(Object.keys(inputs.secrets).map((key) => [key, listing[key]?.updatedAt ?? previous[key] ?? ""]));
    return { ...inputs, secretDigests: digests, secretsUpdatedAt, revision: revisionOf(digests, secretsUpdatedAt, inputs.variables) };
}

/** Includes when each secret was written, so rewriting a secret with its old value still counts. */
function revisionOf(digests: Record<string, string>, updatedAt: Record<string, string>, variables: Record<string, string>): string {
    const prefixed = (prefix: string, values: Record<string, string>) =>
        Object.fromEntries(Object.entries(values).map(([key, value]) => [`${prefix}:${key}`, value]));
    return digestOf({ ...prefixed("secret", digests), ...prefixed("written", updatedAt), ...prefixed("variable", variables) });
}

/**
 * The Space's secrets and variables, which reach the running container as environment
 * variables. Only what changed is written; what was removed from config is deleted. The Hub never
 * returns secret values, so the state keeps a salted digest of each (the values themselves stay
 * in the encrypted `secrets` input) and the time the Hub says each was last written.
 */
export const spaceSettingsProvider: pulumi.dynamic.ResourceProvider<SpaceSettingsInputs, SpaceSettingsOutputs> = {
    async diff(_id, olds, news) {
        const replaces = olds.spaceId !== news.spaceId || olds.hfEndpoint !== news.hfEndpoint ? ["spaceId"] : [];
        const plan = planSettings({ secretDigests: olds.secretDigests ?? {}, variables: olds.variables ?? {} }, news);
        return { changes: replaces.length > 0 || !planIsEmpty(plan) || connectionChanged(olds, news), replaces, deleteBeforeReplace: true };
    },

    async create(inputs) {
        const plan = planSettings({ secretDigests: {}, variables: {} }, inputs);
        return { id: `${inputs.spaceId}/settings`, outs: await applySettings(inputs, plan) };
    },

    async update(_id, olds, news) {
        const plan = planSettings({ secretDigests: olds.secretDigests ?? {}, variables: olds.variables ?? {} }, news);
        if (planIsEmpty(plan)) {
            return { outs: { ...outputsOf(news, {}, olds.secretsUpdatedAt) } };
        }
        return { outs: await applySettings(news, plan) };
    },

    /**
     * A secret deleted on the website disappears from the listing, one edited there has a new
     * updatedAt: either way its digest is dropped, so the next `pulumi up` writes it again.
     */
    async read(id, props) {
        const hub = await clientForExistingSpace(props);
        if (!hub || !props) {
            return GONE;
        }
        const [secrets, variables] = await Promise.all([hub.listSecrets(props.spaceId), hub.listVariables(props.spaceId)]);
        const digests: Record<string, string> = {};
        for (const [key, digest] of Object.entries(props.secretDigests ?? {})) {
            const listed = secrets[key];
            if (listed && (!props.secretsUpdatedAt?.[key] || listed.updatedAt === props.secretsUpdatedAt[key])) {
                digests[key] = digest;
            }
        }
        const observedVariables: Record<string, string> = {};
        for (const key of Object.keys(props.variables ?? {})) {
            if (variables[key]) {
                observedVariables[key] = variables[key].value;
            }
        }
        return {
            id,
            props: {
                ...props,
                secretDigests: digests,
                variables: observedVariables,
                revision: revisionOf(digests, props.secretsUpdatedAt ?? {}, observedVariables),
            },
        };
    },

    async delete(_id, props) {
        const hub = hubClientFor(props);
        if (!(await hub.spaceInfo(props.spaceId))) {
            return;
        }
        for (const key of Object.keys(props.secretDigests ?? {})) {
            await hub.deleteSecret(props.spaceId, key);
        }
        for (const key of Object.keys(props.variables ?? {})) {
            await hub.deleteVariable(props.spaceId, key);
        }
    },
};

export interface SpaceSettingsArgs {
    hfEndpoint: pulumi.Input<string>;
    token: pulumi.Input<string>;
    spaceId: pulumi.Input<string>;
    /** Space secrets by name; pass them as a Pulumi secret. */
    secrets: pulumi.Input<Record<string, string>>;
    variables: pulumi.Input<Record<string, string>>;
    requestTimeoutSeconds?: pulumi.Input<number>;
}

export class SpaceSettings extends pulumi.dynamic.Resource {
    declare readonly revision: pulumi.Output<string>;

    constructor(name: string, args: SpaceSettingsArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            spaceSettingsProvider,
            name,
            { resourceKind: "HuggingFaceSpaceSettings", revision: undefined, secretDigests: undefined, secretsUpdatedAt: undefined, ...args },
            { ...opts, additionalSecretOutputs: ["token", "secrets"] },
        );
    }
}

import * as pulumi from "@pulumi/pulumi";
import { CreateOutcome, HubClient, HubError, isHubError, SpaceInfo, SpaceVisibility } from "../hub";
import { deriveSubdomain, spaceId } from "../spaceFiles";
import { connectionChanged, GONE, HubConnectionInputs, hubClientFor } from "./hubConnection";

export interface SpaceRepositoryInputs extends HubConnectionInputs {
    resourceKind: "HuggingFaceSpaceRepository";
    /** User or organization; empty means the token's user (resolved by check). */
    owner: string;
    name: string;
    /** Changed in place (`PUT /api/spaces/{id}/settings`), never by replacing the Space. */
    visibility: SpaceVisibility;
    /** `auto` deletes the Space on destroy only if this stack created it. */
    onDestroy: "auto" | "keep" | "delete";
}

export interface SpaceRepositoryOutputs extends SpaceRepositoryInputs {
    spaceId: string;
    /** True when the Space existed before this stack: it was adopted, not created. */
    adopted: boolean;
    subdomain: string;
}

/**
 * What the Hub's Space info says about visibility. It reports only `private` (huggingface.js
 * ApiSpaceInfo and huggingface_hub SpaceInfo have no visibility field), and a protected Space
 * keeps its files private, so "private" and "protected" cannot be told apart from it: a Space that
 * is not public keeps the non-public visibility last recorded, and one made non-public elsewhere
 * reads as "private". Any change to or from public is seen; one between private and protected is not.
 */
export function observedVisibility(info: Pick<SpaceInfo, "private">, recorded: SpaceVisibility): SpaceVisibility {
    if (!info.private) {
        return "public";
    }
    return recorded === "public" ? "private" : recorded;
}

function visibilityError(id: string, visibility: SpaceVisibility, error: unknown): Error {
    if (isHubError(error, 402)) {
        return new Error(
            `Making the Space ${id} ${visibility} needs a paid plan (PRO for a user, Team or Enterprise for an organization): the Hub answered HTTP 402. Upgrade at https://huggingface.co/subscribe/pro, or choose another visibility: \`pulumi config set spaceVisibility public\`.`,
        );
    }
    if (isHubError(error, 403)) {
        return new Error(
            `The Hub refused to change the visibility of ${id} (HTTP 403): hfToken cannot change this Space's settings. Use a token with write access to its owner (https://huggingface.co/settings/tokens), then \`pulumi config set --secret hfToken hf_...\`. ${(error as HubError).message}`,
        );
    }
    return error instanceof Error ? error : new Error(String(error));
}

/**
 * Sets the visibility unless the Space already has it. Visibility the info cannot settle (a
 * non-public Space asked to be private or protected) is set anyway, so the result is exact.
 */
async function applyVisibility(hub: HubClient, id: string, visibility: SpaceVisibility, info: SpaceInfo | undefined): Promise<void> {
    if (info && !info.private && visibility === "public") {
        return;
    }
    try {
        await hub.setVisibility(id, visibility);
    } catch (error) {
        throw visibilityError(id, visibility, error);
    }
}

function createError(id: string, owner: string, outcome: CreateOutcome | undefined, error: unknown): Error {
    if (outcome === "exists-read-only") {
        return new Error(
            `The Space ${id} already exists, but this token cannot write to it (the Hub refused both creating it and its write check). Use a token that can write to "${owner}": a Write token of an account with the write or admin role there, or a fine-grained token with "repo.write" on "${owner}" (https://huggingface.co/settings/tokens). Then \`pulumi config set --secret hfToken hf_...\`, or set another \`spaceOwner\` / \`spaceName\`.`,
        );
    }
    if (isHubError(error, 402)) {
        return new Error(
            `Creating the Space ${id} needs a paid plan: since July 2026 Docker Spaces need PRO (for a user) or Team/Enterprise (for an organization), and the Hub answered HTTP 402. Upgrade at https://huggingface.co/subscribe/pro, or create the Space on an account that has the plan and set \`pulumi config set spaceOwner <that account>\`; this stack adopts an existing Space.`,
        );
    }
    if (isHubError(error, 401) || isHubError(error, 403)) {
        return new Error(
            `The Hub refused to create ${id} (HTTP ${(error as HubError).status}): the token cannot create Spaces under "${owner}". Use a token with write access there (https://huggingface.co/settings/tokens), then \`pulumi config set --secret hfToken hf_...\`. ${(error as HubError).message}`,
        );
    }
    return error instanceof Error ? error : new Error(String(error));
}

/**
 * The Space repository (Docker SDK). Creating it adopts a Space that already exists instead of
 * failing; its visibility is kept as configured; deleting it follows `onDestroy`, so nobody loses
 * a Space they made by hand.
 */
export const spaceRepositoryProvider: pulumi.dynamic.ResourceProvider<SpaceRepositoryInputs, SpaceRepositoryOutputs> = {
    /** Checks the token once per run (whoami is strictly rate-limited) and resolves the owner. */
    async check(_olds, news) {
        const failures: pulumi.dynamic.CheckFailure[] = [];
        let owner = news.owner;
        try {
            const me = await hubClientFor(news).whoAmI();
            if (me.role === "read") {
                failures.push({
                    property: "token",
                    reason: "hfToken is a read-only token: creating and updating a Space needs write access. Create a token with the Write role at https://huggingface.co/settings/tokens, then `pulumi config set --secret hfToken hf_...`.",
                });
            }
            owner = owner || me.name;
            if (owner !== me.name && !me.orgs.includes(owner)) {
                failures.push({
                    property: "owner",
                    reason: `spaceOwner "${owner}" is neither the token's user (${me.name}) nor one of its organizations (${me.orgs.join(", ") || "none"}). Set it with \`pulumi config set spaceOwner ${me.name}\`, or use a token of that organization.`,
                });
            }
        } catch (error) {
            if (isHubError(error, 401)) {
                failures.push({
                    property: "token",
                    reason: "hfToken was rejected by the Hub (HTTP 401): it is invalid or revoked. Create one at https://huggingface.co/settings/tokens, then `pulumi config set --secret hfToken hf_...`.",
                });
            } else {
                throw error;
            }
        }
        return { inputs: { ...news, owner }, failures };
    },

    /** A visibility change is an update in place: `pulumi preview` shows it as one. */
    async diff(_id, olds, news) {
        const replaces = (["owner", "name", "hfEndpoint"] as const).filter((key) => olds[key] !== news[key]);
        const changes = replaces.length > 0 || olds.visibility !== news.visibility || olds.onDestroy !== news.onDestroy || connectionChanged(olds, news);
        return { changes, replaces, stables: ["spaceId", "adopted"], deleteBeforeReplace: true };
    },

    async create(inputs) {
        const id = spaceId(inputs.owner, inputs.name);
        const hub = hubClientFor(inputs);
        let outcome: CreateOutcome;
        try {
            outcome = await hub.createSpace(id, inputs.visibility);
        } catch (error) {
            throw createError(id, inputs.owner, undefined, error);
        }
        if (outcome === "exists-read-only") {
            throw createError(id, inputs.owner, outcome, undefined);
        }
        const info = await hub.spaceInfo(id);
        // The Hub ignores the requested visibility for a Space that exists (hf_api.py create_repo:
        // "This value is ignored if the repo already exists"): an adopted Space is given it here.
        if (outcome === "exists") {
            await applyVisibility(hub, id, inputs.visibility, info);
        }
        return {
            id,
            outs: { ...inputs, spaceId: id, adopted: outcome === "exists", subdomain: info?.subdomain ?? deriveSubdomain(inputs.owner, inputs.name) },
        };
    },

    async read(id, props) {
        if (!props) {
            return GONE;
        }
        const info = await hubClientFor(props).spaceInfo(id);
        if (!info) {
            return GONE;
        }
        return { id, props: { ...props, visibility: observedVisibility(info, props.visibility), subdomain: info.subdomain ?? props.subdomain } };
    },

    async update(id, olds, news) {
        if (olds.visibility !== news.visibility) {
            const hub = hubClientFor(news);
            try {
                await hub.setVisibility(id, news.visibility);
            } catch (error) {
                throw visibilityError(id, news.visibility, error);
            }
        }
        return { outs: { ...olds, ...news, owner: olds.owner, spaceId: olds.spaceId, adopted: olds.adopted } };
    },

    async delete(id, props) {
        const remove = props.onDestroy === "delete" || (props.onDestroy === "auto" && !props.adopted);
        if (remove) {
            await hubClientFor(props).deleteSpace(id);
        }
    },
};

export interface SpaceRepositoryArgs {
    hfEndpoint: pulumi.Input<string>;
    /** `hf_...` token with write access (secret). */
    token: pulumi.Input<string>;
    /** Owner; empty means the token's own user. */
    owner: pulumi.Input<string>;
    name: pulumi.Input<string>;
    visibility: pulumi.Input<SpaceVisibility>;
    onDestroy: pulumi.Input<"auto" | "keep" | "delete">;
    requestTimeoutSeconds?: pulumi.Input<number>;
}

export class SpaceRepository extends pulumi.dynamic.Resource {
    declare readonly spaceId: pulumi.Output<string>;
    declare readonly owner: pulumi.Output<string>;
    declare readonly adopted: pulumi.Output<boolean>;
    declare readonly subdomain: pulumi.Output<string>;

    constructor(name: string, args: SpaceRepositoryArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            spaceRepositoryProvider,
            name,
            { resourceKind: "HuggingFaceSpaceRepository", spaceId: undefined, adopted: undefined, subdomain: undefined, ...args },
            { ...opts, additionalSecretOutputs: ["token"] },
        );
    }
}

import * as pulumi from "@pulumi/pulumi";
import { isHubError } from "../hub";
import { deriveSubdomain, spaceId } from "../spaceFiles";
import { connectionChanged, GONE, HubConnectionInputs, hubClientFor } from "./hubConnection";

export interface SpaceRepositoryInputs extends HubConnectionInputs {
    resourceKind: "HuggingFaceSpaceRepository";
    /** User or organization; empty means the token's user (resolved by check). */
    owner: string;
    name: string;
    visibility: "public" | "protected" | "private";
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
 * The Space repository (Docker SDK). Creating it adopts a Space that already exists instead of
 * failing; deleting it follows `onDestroy`, so nobody loses a Space they made by hand.
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

    async diff(_id, olds, news) {
        const replaces = (["owner", "name", "hfEndpoint"] as const).filter((key) => olds[key] !== news[key]);
        const changes = replaces.length > 0 || olds.visibility !== news.visibility || olds.onDestroy !== news.onDestroy || connectionChanged(olds, news);
        return { changes, replaces, stables: ["spaceId", "adopted"], deleteBeforeReplace: true };
    },

    async create(inputs) {
        const id = spaceId(inputs.owner, inputs.name);
        const hub = hubClientFor(inputs);
        let outcome: "created" | "exists";
        try {
            outcome = await hub.createSpace(id, inputs.visibility);
        } catch (error) {
            if (isHubError(error, 402)) {
                throw new Error(
                    `Creating the Space ${id} needs a paid plan: since July 2026 Docker Spaces need PRO (for a user) or Team/Enterprise (for an organization), and the Hub answered HTTP 402. Upgrade at https://huggingface.co/subscribe/pro, or create the Space on an account that has the plan and set \`pulumi config set spaceOwner <that account>\`; this stack adopts an existing Space.`,
                );
            }
            if (isHubError(error, 403)) {
                throw new Error(`The Hub refused to create ${id} (HTTP 403): the token cannot write to "${inputs.owner}". ${error.message}`);
            }
            throw error;
        }
        const info = await hub.spaceInfo(id);
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
        // The Hub reports only private or not; protected Spaces report private too.
        const visibility = !info.private ? "public" : props.visibility === "public" ? "private" : props.visibility;
        return { id, props: { ...props, visibility, subdomain: info.subdomain ?? props.subdomain } };
    },

    async update(id, olds, news) {
        if (olds.visibility !== news.visibility) {
            throw new Error(
                `Changing the visibility of ${id} from ${olds.visibility} to ${news.visibility} is done on the Hub: open ${news.hfEndpoint}/spaces/${id}/settings, change it there, then run \`pulumi refresh\` so the stack sees it.`,
            );
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
    visibility: pulumi.Input<"public" | "protected" | "private">;
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

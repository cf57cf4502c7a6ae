import * as pulumi from "@pulumi/pulumi";
import { VIRTUAL_KEY_RESOURCE_KIND, virtualKeyProvider } from "./virtualKeyProvider";

export interface VirtualKeyArgs {
    /** Base URL of the LiteLLM proxy that issues the key, e.g. `http://127.0.0.1:4000`. Changing it replaces the key. */
    proxyUrl: pulumi.Input<string>;
    /**
     * The proxy's master key (LITELLM_MASTER_KEY), used as Bearer for the key API. Stored as a
     * secret whether or not it arrives as one. A new master key changes nothing on the key.
     */
    masterKey: pulumi.Input<string>;
    /**
     * The key's name on the proxy (LiteLLM's `key_alias`): letters, digits, `.`, `_`, `-`,
     * unique across the proxy. A key with this alias that the stack does not know (left by an
     * interrupted `pulumi up`) is deleted and issued again.
     * @default the resource name
     */
    alias?: pulumi.Input<string>;
    /**
     * Model names (as clients request them) the key may call.
     * @default [] (every model of the proxy)
     */
    models?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Spending limit in USD; LiteLLM refuses requests once the key has spent it.
     * @default no limit
     */
    maxBudget?: pulumi.Input<number>;
    /**
     * How often the spend resets, a number and a unit: `30s`, `30m`, `30h`, `30d`, `1mo`.
     * @default never (the budget is for the key's lifetime)
     */
    budgetDuration?: pulumi.Input<string>;
    /**
     * Requests per minute.
     * @default no limit
     */
    rpmLimit?: pulumi.Input<number>;
    /**
     * Tokens per minute.
     * @default no limit
     */
    tpmLimit?: pulumi.Input<number>;
    /**
     * Labels stored with the key (shown in LiteLLM's dashboard and spend logs).
     * @default none
     */
    metadata?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Seconds create, update and delete wait for a proxy that is not ready yet (it runs its
     * database migrations before it answers).
     * @default 300
     */
    readyTimeoutSeconds?: pulumi.Input<number>;
    /**
     * Timeout of each request to the proxy, in seconds.
     * @default 30
     */
    requestTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * A LiteLLM virtual key: what a client such as aiterm sends instead of the master key, with its
 * own model list, budget and rate limits. Issued through the proxy's key API by a dynamic
 * provider; `pulumi refresh` reads its spend and notices a key deleted in the dashboard.
 *
 * The engine sees the type `pulumi-nodejs:dynamic:Resource`; the input `resourceKind:
 * "LiteLLMVirtualKey"` is what policies and tests recognise it by.
 */
export class VirtualKey extends pulumi.dynamic.Resource {
    // `declare`, not `readonly key!: ...`: with ES2022 class fields a plain declaration would be
    // re-initialised to undefined after super() has set the output.

    /** The raw key (`sk-...`), a secret: what clients send as Bearer. */
    declare readonly key: pulumi.Output<string>;
    /** LiteLLM's hash of the key (also the resource id): safe to show, useless to authenticate. */
    declare readonly token: pulumi.Output<string>;
    /** USD spent with the key as of the last `pulumi up` or `pulumi refresh`. */
    declare readonly spend: pulumi.Output<number>;
    declare readonly alias: pulumi.Output<string>;

    constructor(name: string, args: VirtualKeyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            virtualKeyProvider,
            name,
            {
                resourceKind: VIRTUAL_KEY_RESOURCE_KIND,
                proxyUrl: args.proxyUrl,
                masterKey: pulumi.secret(args.masterKey),
                alias: args.alias ?? name,
                models: args.models ?? [],
                maxBudget: args.maxBudget,
                budgetDuration: args.budgetDuration,
                rpmLimit: args.rpmLimit,
                tpmLimit: args.tpmLimit,
                metadata: args.metadata,
                readyTimeoutSeconds: args.readyTimeoutSeconds ?? 300,
                requestTimeoutSeconds: args.requestTimeoutSeconds ?? 30,
                // Outputs only: declared so that the resource exposes them.
                key: undefined,
                token: undefined,
                spend: undefined,
                expires: undefined,
                createdAt: undefined,
            },
            {
                ...opts,
                // The master key is an input and would stay secret anyway; listing it guards
                // against a caller that passes it in plain text.
                additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "key", "masterKey"],
            },
        );
    }
}

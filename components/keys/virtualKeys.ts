import * as pulumi from "@pulumi/pulumi";
import { VirtualKeySettings } from "../../config/settings";
import { VirtualKey } from "./virtualKey";

export interface VirtualKeysArgs {
    /** The proxy's base URL; the keys are created once it answers. */
    proxyUrl: pulumi.Input<string>;
    /** The proxy's master key (secret). */
    masterKey: pulumi.Input<string>;
    /** The keys, as validated from the stack's `virtualKeys`. */
    keys: readonly VirtualKeySettings[];
    /**
     * Seconds to wait for the proxy to report ready before giving up.
     * @default 300
     */
    readyTimeoutSeconds?: number;
}

/**
 * The stack's LiteLLM virtual keys, one `VirtualKey` per declared alias. Budgets and limits are
 * reviewed and changed in config like everything else; removing a key from config revokes it.
 */
export class VirtualKeys extends pulumi.ComponentResource {
    /** The raw `sk-...` key of each alias (secret). */
    readonly keys: Record<string, pulumi.Output<string>> = {};

    constructor(name: string, args: VirtualKeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:keys:VirtualKeys", name, {}, opts);
        for (const key of args.keys) {
            const resource = new VirtualKey(
                `${name}-${key.alias}`,
                {
                    proxyUrl: args.proxyUrl,
                    masterKey: args.masterKey,
                    alias: key.alias,
                    models: key.models,
                    maxBudget: key.maxBudget,
                    budgetDuration: key.budgetDuration,
                    rpmLimit: key.rpmLimit,
                    tpmLimit: key.tpmLimit,
                    metadata: key.metadata,
                    readyTimeoutSeconds: args.readyTimeoutSeconds ?? 300,
                },
                // The component's dependsOn (the running proxy) is forwarded to every key.
                { parent: this, dependsOn: opts?.dependsOn },
            );
            this.keys[key.alias] = pulumi.secret(resource.key);
        }
        this.registerOutputs({ keys: this.keys });
    }
}

/** The key aiterm uses: the one named `aiterm`, else the first declared. */
export function aitermKeyAlias(keys: readonly VirtualKeySettings[]): string | undefined {
    return keys.find((k) => k.alias === "aiterm")?.alias ?? keys[0]?.alias;
}

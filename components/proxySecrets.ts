import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface ProxySecretsArgs {
    /**
     * Length of the random part of the master key (after `sk-`).
     * @default 48
     */
    masterKeyLength?: number;
}

/**
 * The proxy's generated credentials: master key, salt key and dashboard password. Each is created
 * once and kept in the stack's state, so every later `pulumi up` reuses it: a salt key that changed
 * would make every credential LiteLLM stored with the old one undecryptable. Nothing here has
 * keepers, so nothing short of `pulumi destroy` (or an explicit replace) regenerates them.
 */
export class ProxySecrets extends pulumi.ComponentResource {
    /** `sk-` followed by 48 random characters: the prefix is LiteLLM's documented convention for keys. */
    readonly masterKey: pulumi.Output<string>;
    /** Encrypts provider credentials LiteLLM stores in its database. */
    readonly saltKey: pulumi.Output<string>;
    /** The dashboard login password (UI_PASSWORD). */
    readonly dashboardPassword: pulumi.Output<string>;

    constructor(name: string, args: ProxySecretsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:index:ProxySecrets", name, {}, opts);
        const masterKeyLength = args.masterKeyLength ?? 48;
        if (masterKeyLength < 32) {
            throw new pulumi.ResourceError("masterKeyLength must be at least 32 characters.", this);
        }
        const secretOptions = { parent: this, additionalSecretOutputs: ["result"] };
        const master = new random.RandomPassword(`${name}-master-key`, { length: masterKeyLength, special: false }, secretOptions);
        const salt = new random.RandomPassword(`${name}-salt-key`, { length: 64, special: false }, secretOptions);
        const dashboard = new random.RandomPassword(
            `${name}-dashboard-password`,
            { length: 24, special: true, overrideSpecial: "-_.~" },
            secretOptions,
        );
        this.masterKey = pulumi.secret(master.result.apply((random) => `sk-${random}`));
        this.saltKey = pulumi.secret(salt.result);
        this.dashboardPassword = pulumi.secret(dashboard.result);
        this.registerOutputs({
            masterKey: this.masterKey,
            saltKey: this.saltKey,
            dashboardPassword: this.dashboardPassword,
        });
    }
}

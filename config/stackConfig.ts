/**
 * The one place that reads the stack's configuration. Values come from Pulumi's config (the stack
 * file, `pulumi config set`, or PULUMI_CONFIG under tests); secrets are wrapped as Pulumi secrets
 * the moment they are read, so nothing downstream ever holds them in plain form.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, PROJECT_NAME } from "./messages";
import { DeploymentSettings, HF_TOKEN_ENV, parseSettings } from "./settings";

/** Provider keys and other user-provided secrets, as Pulumi secrets. */
export interface ProvidedSecretOutputs {
    /** The Hugging Face token (HF_TOKEN for models; the Hub API token for the Space). */
    hfToken?: pulumi.Output<string>;
    /** Provider API keys by environment variable name, HF_TOKEN included when hfToken is set. */
    providerKeys: pulumi.Output<Record<string, string>>;
    /** The Space's DATABASE_URL; on swarm, the external database's. */
    databaseUrl?: pulumi.Output<string>;
    /** The external Redis' password (swarm with redisHost). */
    redisPassword?: pulumi.Output<string>;
}

export interface StackSettings {
    settings: DeploymentSettings;
    secrets: ProvidedSecretOutputs;
}

/** Reads and validates the stack's config; throws a RunError listing every problem. */
export function readStackSettings(): StackSettings {
    // runtime.getConfig reads a value without Config.get's "this is a secret" warning; the value is
    // validated, then wrapped as a secret before it leaves this function.
    const raw = (key: string) => pulumi.runtime.getConfig(`${PROJECT_NAME}:${key}`);
    let parsed: ReturnType<typeof parseSettings>;
    try {
        parsed = parseSettings(raw, pulumi.getStack(), process.env);
    } catch (error) {
        if (error instanceof ConfigError) {
            // A RunError is printed without a stack trace: the message is the whole story.
            throw new pulumi.RunError(error.message);
        }
        throw error;
    }
    for (const warning of parsed.warnings) {
        pulumi.log.warn(warning);
    }
    const { hfToken, providerKeys, databaseUrl, redisPassword } = parsed.secrets;
    const allProviderKeys: Record<string, string> = { ...providerKeys };
    if (hfToken !== undefined) {
        allProviderKeys[HF_TOKEN_ENV] = hfToken;
    }
    return {
        settings: parsed.settings,
        secrets: {
            hfToken: hfToken === undefined ? undefined : pulumi.secret(hfToken),
            providerKeys: pulumi.secret(allProviderKeys),
            databaseUrl: databaseUrl === undefined ? undefined : pulumi.secret(databaseUrl),
            redisPassword: redisPassword === undefined ? undefined : pulumi.secret(redisPassword),
        },
    };
}

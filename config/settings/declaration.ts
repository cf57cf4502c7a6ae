/**
 * How a config key is declared: once, beside the code that validates it. Pulumi.yaml's `config`
 * block and the README's configuration reference are generated from these declarations
 * (`npm run config:docs`), and a test fails when either is out of date.
 */
import type { DeploymentTarget } from "./types";

/**
 * The key's type as the README shows it. `list`, `map` and `secret` are declared untyped in
 * Pulumi.yaml: the CLI applies a typed secret's default as plain text and then rejects it for not
 * being encrypted, and its schema has no type for a list or map of objects.
 */
export type ConfigKeyType = "string" | "integer" | "boolean" | "list" | "map" | "secret";

export type ConfigDefault = string | number | boolean | readonly unknown[] | Readonly<Record<string, unknown>>;

export interface ConfigKey<D extends ConfigDefault = ConfigDefault> {
    /** The key without the project namespace (`port`, not `aiterm-litellm:port`). */
    readonly key: string;
    readonly type: ConfigKeyType;
    /** The value used when the stack does not set the key; Pulumi.yaml declares the same. */
    readonly default: D;
    /** One or two sentences: what the key is for (Pulumi.yaml's description). */
    readonly description: string;
    /** What values are accepted and why, as the README's reference states it. */
    readonly accepts: string;
    /** How the README shows a structured default, when the value itself would not fit a table cell. */
    readonly defaultShown?: string;
    /** The targets that read the key; every target when left out. */
    readonly targets?: readonly DeploymentTarget[];
}

export function configKey<D extends ConfigDefault>(declaration: ConfigKey<D>): ConfigKey<D> {
    return declaration;
}

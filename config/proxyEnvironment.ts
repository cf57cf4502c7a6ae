/**
 * The environment the LiteLLM proxy runs with, decided once for both targets: the local
 * container gets it as `envs`, the Space as secrets (confidential) and variables (the rest).
 */
import type { LogLevel } from "./settings";

/** Environment variables the deployment itself sets; a provider key may not reuse these names. */
export const PROXY_ENV = {
    masterKey: "LITELLM_MASTER_KEY",
    saltKey: "LITELLM_SALT_KEY",
    databaseUrl: "DATABASE_URL",
    dashboardUsername: "UI_USERNAME",
    dashboardPassword: "UI_PASSWORD",
    logLevel: "LITELLM_LOG",
    mode: "LITELLM_MODE",
    localModelCostMap: "LITELLM_LOCAL_MODEL_COST_MAP",
} as const;

/** Names the proxy reads for its own start-up; reserved even though this stack does not set them. */
const READ_BY_PROXY = ["PORT", "CONFIG_FILE_PATH", "STORE_MODEL_IN_DB", "DISABLE_SCHEMA_UPDATE", "HOST"];

export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([...Object.values(PROXY_ENV), ...READ_BY_PROXY]);

/** The confidential values the proxy needs, in plain form: only ever handled inside an `apply`. */
export interface ProxySecretValues {
    masterKey: string;
    saltKey: string;
    databaseUrl: string;
    dashboardPassword: string;
    /** Provider API keys by environment variable name (`HF_TOKEN`, `OPENAI_API_KEY`). */
    providerKeys: Readonly<Record<string, string>>;
}

export interface ProxyEnvironment {
    /** Confidential: becomes Space secrets, and secret container env. */
    secrets: Record<string, string>;
    /** Not confidential: becomes Space variables. */
    variables: Record<string, string>;
}

export interface ProxyEnvironmentSettings {
    dashboardUsername: string;
    logLevel: LogLevel;
}

export function proxyEnvironment(settings: ProxyEnvironmentSettings, secrets: ProxySecretValues): ProxyEnvironment {
    return {
        secrets: {
            [PROXY_ENV.masterKey]: secrets.masterKey,
            [PROXY_ENV.saltKey]: secrets.saltKey,
            [PROXY_ENV.databaseUrl]: secrets.databaseUrl,
            [PROXY_ENV.dashboardPassword]: secrets.dashboardPassword,
            ...secrets.providerKeys,
        },
        variables: {
            [PROXY_ENV.dashboardUsername]: settings.dashboardUsername,
            [PROXY_ENV.logLevel]: settings.logLevel,
            // No .env loading inside the container: everything comes from this stack.
            [PROXY_ENV.mode]: "PRODUCTION",
            // Use the price map bundled with the pinned image instead of fetching one at start-up.
            [PROXY_ENV.localModelCostMap]: "True",
        },
    };
}

/** `KEY=value` lines in a stable order, as Docker's `envs` takes them. */
export function toEnvList(environment: ProxyEnvironment): string[] {
    const all = { ...environment.variables, ...environment.secrets };
    return Object.keys(all)
        .sort()
        .map((name) => `${name}=${all[name]}`);
}

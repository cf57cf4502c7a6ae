/**
 * The environment the LiteLLM proxy runs with, decided once for every target: the local
 * container gets it as `envs`, the Space as secrets (confidential) and variables (the rest), the
 * Swarm service as secret files (confidential) and service env (the rest).
 */
import { migrationVariables, MULTI_INSTANCE_ENV, multiInstanceVariables } from "./multiInstance";
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

/** Names the proxy reads for its own start-up; reserved even though this stack does not set them everywhere. */
const READ_BY_PROXY = ["PORT", "CONFIG_FILE_PATH", "STORE_MODEL_IN_DB", "DISABLE_SCHEMA_UPDATE", "HOST", "ENFORCE_PRISMA_MIGRATION_CHECK"];

export const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([...Object.values(PROXY_ENV), ...Object.values(MULTI_INSTANCE_ENV), ...READ_BY_PROXY]);

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

/** What each of several instances sharing one Redis adds (config/multiInstance.ts). */
export interface InstanceValues {
    /** GRACEFUL_SHUTDOWN_TIMEOUT. */
    gracefulShutdownSeconds: number;
    redisHost: string;
    redisPort: number;
    /** Confidential: only ever handled inside an `apply`. */
    redisPassword: string;
    /** The drain endpoint's X-Drain-Token. Confidential. */
    drainToken: string;
}

/** The variables every process of the proxy's image gets, whatever it runs. */
function baseVariables(logLevel: LogLevel): Record<string, string> {
    return {
        [PROXY_ENV.logLevel]: logLevel,
        // No .env loading inside the container: everything comes from this stack.
        [PROXY_ENV.mode]: "PRODUCTION",
        // Use the price map bundled with the pinned image instead of fetching one at start-up.
        [PROXY_ENV.localModelCostMap]: "True",
    };
}

export function proxyEnvironment(settings: ProxyEnvironmentSettings, secrets: ProxySecretValues, instances?: InstanceValues): ProxyEnvironment {
    return {
        secrets: {
            [PROXY_ENV.masterKey]: secrets.masterKey,
            [PROXY_ENV.saltKey]: secrets.saltKey,
            [PROXY_ENV.databaseUrl]: secrets.databaseUrl,
            [PROXY_ENV.dashboardPassword]: secrets.dashboardPassword,
            ...secrets.providerKeys,
            ...(instances ? { [MULTI_INSTANCE_ENV.redisPassword]: instances.redisPassword, [MULTI_INSTANCE_ENV.drainToken]: instances.drainToken } : {}),
        },
        variables: {
            [PROXY_ENV.dashboardUsername]: settings.dashboardUsername,
            ...baseVariables(settings.logLevel),
            ...(instances ? multiInstanceVariables(instances) : {}),
        },
    };
}

/**
 * The environment of the one-shot database migration: the database and nothing else confidential
 * (`litellm --skip_server_startup` migrates and exits before the master key is checked, which
 * happens when the server starts: litellm/proxy/proxy_cli.py).
 */
export function migrationEnvironment(settings: Pick<ProxyEnvironmentSettings, "logLevel">, databaseUrl: string): ProxyEnvironment {
    return {
        secrets: { [PROXY_ENV.databaseUrl]: databaseUrl },
        variables: { ...baseVariables(settings.logLevel), ...migrationVariables() },
    };
}

/** `KEY=value` lines in a stable order, as Docker's `envs` takes them. */
export function toEnvList(environment: ProxyEnvironment): string[] {
    const all = { ...environment.variables, ...environment.secrets };
    return Object.keys(all)
        .sort()
        .map((name) => `${name}=${all[name]}`);
}

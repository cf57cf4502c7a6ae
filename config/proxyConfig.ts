/**
 * settings → LiteLLM's config.yaml, the same file for every target, each setting in the section
 * LiteLLM reads it from. Secrets never appear in it: every confidential value is an
 * `os.environ/NAME` reference, and `referencedEnvironment` lists those names so each target can
 * prove it sets them.
 *
 * LiteLLM reads the file with PyYAML, a YAML 1.1 reader: unquoted `on`, `no`, `1:30`,
 * `2024-08-06` or `1_000` change type there. The file is written with the `yaml` package's 1.1
 * schema, which quotes every such string, and numbers are kept out of exponent notation by the
 * validation (PyYAML reads `1e-7` as a string).
 */
import { stringify } from "yaml";
import { PROXY_ENV } from "./proxyEnvironment";
import type { ProxySettings } from "./settings";

const ENV_REFERENCE = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/** The one place the stack writes an `os.environ/` reference: for the fields it means it in. */
export function envReference(name: string): string {
    return `os.environ/${name}`;
}

/** What only several instances sharing one database need in config.yaml (config/multiInstance.ts computes it). */
export interface InstancesTopology {
    /** `general_settings.database_connection_pool_limit`, per worker of each instance. */
    databaseConnectionPoolLimit: number;
    /** `general_settings.proxy_batch_write_at`: seconds between batched spend writes. */
    proxyBatchWriteSeconds: number;
    /**
     * The environment variable holding the drain endpoint's token: `general_settings.enable_drain_endpoint`
     * and `drain_endpoint_token` (litellm/proxy/health_endpoints/_health_endpoints.py: GET /health/drain,
     * header X-Drain-Token; without a token the endpoint is open to anything that reaches the port).
     */
    drainTokenEnv: string;
    /** `general_settings.use_redis_transaction_buffer`: one instance at a time commits spend. */
    useRedisTransactionBuffer: boolean;
}

/** The deployment's shape that changes config.yaml: nothing for the single-instance targets. */
export interface ProxyTopology {
    /** A shared Redis for router state, the cache and the auth cache; its settings as env references. */
    redis?: { hostEnv: string; portEnv: string; passwordEnv: string };
    /** Several instances behind one front door. */
    instances?: InstancesTopology;
}

function fallbackList(fallbacks: Record<string, string[]>): Record<string, string[]>[] {
    // LiteLLM's Router wants a list of one-entry maps ([{"default": ["openai"]}]), not one map.
    return Object.entries(fallbacks).map(([name, targets]) => ({ [name]: [...targets] }));
}

/** The config.yaml document as a plain object (sections as LiteLLM reads them). */
export function proxyConfigDocument(settings: ProxySettings, topology: ProxyTopology = {}): Record<string, unknown> {
    const { router, cache } = settings;
    const litellmSettings: Record<string, unknown> = {
        // Clients such as aiterm send OpenAI parameters some providers reject; drop them instead of failing.
        drop_params: true,
        telemetry: settings.telemetry,
    };
    if (settings.maxBudget !== undefined) {
        // Proxy-wide budget: LiteLLM reads it from litellm_settings (the guide put it in general_settings).
        litellmSettings.max_budget = settings.maxBudget;
        litellmSettings.budget_duration = settings.budgetDuration;
    }
    if (topology.redis) {
        const redis = topology.redis;
        // With a shared Redis the Redis cache is always on: LiteLLM shares per-key limits and budgets
        // through it (BerriAI/litellm#13202), and its auth cache needs it (`enable_redis_auth_cache`
        // "Requires litellm_settings.cache: true AND cache_params.type: redis",
        // docs/my-website/docs/proxy/config_settings.md). Host, port and password rather than a URL:
        // the production guide says redis_url is slower (docs/my-website/docs/proxy/prod.md).
        const responsesCached = cache.enabled && cache.type === "redis";
        litellmSettings.cache = true;
        litellmSettings.cache_params = {
            type: "redis",
            host: envReference(redis.hostEnv),
            port: envReference(redis.portEnv),
            password: envReference(redis.passwordEnv),
            ttl: cache.ttlSeconds,
            // Responses cached only for requests that ask, when the stack turned the cache off.
            ...(responsesCached ? {} : { mode: "default_off" }),
        };
        litellmSettings.enable_redis_auth_cache = true;
    } else if (cache.enabled) {
        litellmSettings.cache = true;
        litellmSettings.cache_params = { type: "local", ttl: cache.ttlSeconds };
    }

    const hasModelLimits = settings.models.some((m) => m.rpm !== undefined || m.tpm !== undefined);
    const routerSettings: Record<string, unknown> = {
        routing_strategy: router.routingStrategy,
        num_retries: router.numRetries,
        timeout: router.timeoutSeconds,
        retry_after: router.retryAfterSeconds,
        allowed_fails: router.allowedFails,
        cooldown_time: router.cooldownSeconds,
    };
    if (router.enforceModelRateLimits && hasModelLimits) {
        // Without it rpm/tpm only weigh the routing (litellm/router_utils/pre_call_checks/model_rate_limit_check.py).
        routerSettings.optional_pre_call_checks = ["enforce_model_rate_limits"];
    }
    if (Object.keys(router.fallbacks).length > 0) {
        routerSettings.fallbacks = fallbackList(router.fallbacks);
    }
    if (Object.keys(router.contextWindowFallbacks).length > 0) {
        routerSettings.context_window_fallbacks = fallbackList(router.contextWindowFallbacks);
    }
    if (topology.redis) {
        routerSettings.redis_host = envReference(topology.redis.hostEnv);
        routerSettings.redis_port = envReference(topology.redis.portEnv);
        routerSettings.redis_password = envReference(topology.redis.passwordEnv);
    }

    return {
        model_list: settings.models.map((model) => ({
            model_name: model.name,
            litellm_params: {
                model: model.model,
                ...(model.apiKeyEnv ? { api_key: envReference(model.apiKeyEnv) } : {}),
                ...(model.apiBase ? { api_base: model.apiBase } : {}),
                ...(model.rpm !== undefined ? { rpm: model.rpm } : {}),
                ...(model.tpm !== undefined ? { tpm: model.tpm } : {}),
            },
        })),
        general_settings: {
            master_key: envReference(PROXY_ENV.masterKey),
            database_url: envReference(PROXY_ENV.databaseUrl),
            ui_access_mode: settings.dashboardAccess,
            ...instancesSettings(topology.instances),
        },
        litellm_settings: litellmSettings,
        router_settings: routerSettings,
    };
}

function instancesSettings(instances: InstancesTopology | undefined): Record<string, unknown> {
    if (!instances) {
        return {};
    }
    return {
        database_connection_pool_limit: instances.databaseConnectionPoolLimit,
        proxy_batch_write_at: instances.proxyBatchWriteSeconds,
        // A stopping instance is drained before it gets SIGTERM: its readiness answers 503 (the front
        // door stops sending to it) while in-flight requests finish, up to GRACEFUL_SHUTDOWN_TIMEOUT.
        enable_drain_endpoint: true,
        drain_endpoint_token: envReference(instances.drainTokenEnv),
        ...(instances.useRedisTransactionBuffer ? { use_redis_transaction_buffer: true } : {}),
    };
}

export function renderProxyConfig(settings: ProxySettings, topology: ProxyTopology = {}): string {
    return stringify(proxyConfigDocument(settings, topology), { version: "1.1", lineWidth: 0 });
}

/** Every NAME the document reads through `os.environ/NAME`, sorted. */
export function referencedEnvironment(document: unknown): string[] {
    const names = new Set<string>();
    const visit = (value: unknown): void => {
        if (typeof value === "string") {
            const match = ENV_REFERENCE.exec(value);
            if (match) {
                names.add(match[1]);
            }
        } else if (Array.isArray(value)) {
            value.forEach(visit);
        } else if (value && typeof value === "object") {
            Object.values(value).forEach(visit);
        }
    };
    visit(document);
    return [...names].sort();
}

/** Every string of the document that LiteLLM would resolve as an environment reference, with where it is. */
export function environmentReferences(document: unknown, path = ""): { path: string; value: string }[] {
    if (typeof document === "string") {
        return document.startsWith("os.environ/") ? [{ path, value: document }] : [];
    }
    if (Array.isArray(document)) {
        return document.flatMap((item, index) => environmentReferences(item, `${path}[${index}]`));
    }
    if (document && typeof document === "object") {
        return Object.entries(document).flatMap(([key, value]) => environmentReferences(value, path ? `${path}.${key}` : key));
    }
    return [];
}

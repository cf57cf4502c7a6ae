/**
 * The decisions for several LiteLLM instances (config/multiInstance.ts) and how config.yaml renders
 * them: Redis everywhere LiteLLM needs it, the computed pool limit, batched writes, the drain endpoint.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    databaseConnectionPoolLimit,
    frontDoorServerSlots,
    frontDoorServerTimeoutSeconds,
    migrationVariables,
    multiInstanceTopology,
    multiInstanceVariables,
    rolloutInstances,
    stopGracePeriodSeconds,
    useRedisTransactionBuffer,
} from "../../config/multiInstance";
import { proxyConfigDocument, referencedEnvironment, renderProxyConfig } from "../../config/proxyConfig";
import { parseSettings, ProxySettings } from "../../config/settings";

function proxySettings(values: Record<string, string> = {}): ProxySettings {
    const raw: Record<string, string> = { hfToken: "hf_abcdefghijklmnopqrstuvwxyz012345", cacheType: "redis", ...values };
    return parseSettings((key) => raw[key], "swarm").settings.proxy;
}

describe("the database connection pool", () => {
    it("is the budget divided by the instances of a rolling update and their workers, rounded down", () => {
        expect(rolloutInstances(2)).toBe(3);
        expect(databaseConnectionPoolLimit({ connectionBudget: 80, instances: 3 })).toBe(26);
        expect(databaseConnectionPoolLimit({ connectionBudget: 80, instances: 3, workersPerInstance: 2 })).toBe(13);
        expect(databaseConnectionPoolLimit({ connectionBudget: 100, instances: 11 })).toBe(9);
        expect(databaseConnectionPoolLimit({ connectionBudget: 2, instances: 3 })).toBe(0);
    });

    it("never adds up to more than the budget", () => {
        for (let budget = 1; budget <= 200; budget += 7) {
            for (let replicas = 1; replicas <= 12; replicas++) {
                const instances = rolloutInstances(replicas);
                expect(databaseConnectionPoolLimit({ connectionBudget: budget, instances }) * instances).toBeLessThanOrEqual(budget);
            }
        }
    });

    it("refuses zero instances", () => {
        expect(() => databaseConnectionPoolLimit({ connectionBudget: 10, instances: 0 })).toThrow(RangeError);
    });
});

describe("shutdown and the front door", () => {
    it("gives Swarm's stop grace period a margin above GRACEFUL_SHUTDOWN_TIMEOUT", () => {
        expect(stopGracePeriodSeconds(30)).toBe(45);
        expect(stopGracePeriodSeconds(1)).toBeGreaterThan(1);
    });

    it("waits for LiteLLM's whole retry budget, at least 10 minutes", () => {
        expect(frontDoorServerTimeoutSeconds({ timeoutSeconds: 30, numRetries: 2, retryAfterSeconds: 5 })).toBe(600);
        expect(frontDoorServerTimeoutSeconds({ timeoutSeconds: 600, numRetries: 2, retryAfterSeconds: 5 })).toBe(600 * 3 + 10 + 30);
    });

    it("keeps a server slot for every task a rolling update of the largest service can run, and spares", () => {
        expect(frontDoorServerSlots()).toBe(53);
        expect(frontDoorServerSlots()).toBeGreaterThan(rolloutInstances(50));
    });

    it("turns the Redis transaction buffer on from ten instances", () => {
        expect(useRedisTransactionBuffer(9)).toBe(false);
        expect(useRedisTransactionBuffer(10)).toBe(true);
    });
});

describe("the environment of several instances", () => {
    it("tells the proxies where Redis is, how long to drain, and not to migrate", () => {
        expect(multiInstanceVariables({ gracefulShutdownSeconds: 30, redisHost: "litellm-swarm-redis", redisPort: 6379 })).toEqual({
            REDIS_HOST: "litellm-swarm-redis",
            REDIS_PORT: "6379",
            GRACEFUL_SHUTDOWN_TIMEOUT: "30",
            DISABLE_SCHEMA_UPDATE: "true",
        });
    });

    it("makes the migration job migrate, and fail when the migration fails", () => {
        expect(migrationVariables()).toEqual({ DISABLE_SCHEMA_UPDATE: "false", ENFORCE_PRISMA_MIGRATION_CHECK: "true" });
    });
});

describe("config.yaml for several instances", () => {
    const topology = multiInstanceTopology({ replicas: 2, databaseConnectionBudget: 80 });
    const document = proxyConfigDocument(proxySettings(), topology) as Record<string, Record<string, unknown>>;

    it("wires Redis into the router, the cache and the auth cache, as environment references", () => {
        expect(document.router_settings).toMatchObject({
            redis_host: "os.environ/REDIS_HOST",
            redis_port: "os.environ/REDIS_PORT",
            redis_password: "os.environ/REDIS_PASSWORD",
        });
        expect(document.litellm_settings).toMatchObject({
            cache: true,
            cache_params: { type: "redis", host: "os.environ/REDIS_HOST", port: "os.environ/REDIS_PORT", password: "os.environ/REDIS_PASSWORD", ttl: 600 },
            enable_redis_auth_cache: true,
        });
        expect((document.litellm_settings.cache_params as Record<string, unknown>).mode).toBeUndefined();
    });

    it("computes the pool limit from the replicas, batches spend writes and enables the drain endpoint with a token", () => {
        expect(document.general_settings).toMatchObject({
            database_connection_pool_limit: 26,
            proxy_batch_write_at: 60,
            enable_drain_endpoint: true,
            drain_endpoint_token: "os.environ/DRAIN_ENDPOINT_TOKEN",
        });
        expect(document.general_settings.use_redis_transaction_buffer).toBeUndefined();
        const four = proxyConfigDocument(proxySettings(), multiInstanceTopology({ replicas: 4, databaseConnectionBudget: 80 })) as Record<string, Record<string, unknown>>;
        expect(four.general_settings.database_connection_pool_limit).toBe(16);
        const twelve = proxyConfigDocument(proxySettings(), multiInstanceTopology({ replicas: 12, databaseConnectionBudget: 500 })) as Record<string, Record<string, unknown>>;
        expect(twelve.general_settings).toMatchObject({ database_connection_pool_limit: 38, use_redis_transaction_buffer: true });
    });

    it("keeps Redis wired when the response cache is off: responses are cached only on request", () => {
        const off = proxyConfigDocument(proxySettings({ cache: "false" }), topology) as Record<string, Record<string, unknown>>;
        expect(off.litellm_settings).toMatchObject({ cache: true, cache_params: { type: "redis", mode: "default_off" }, enable_redis_auth_cache: true });
    });

    it("reads every confidential value from the environment, and the rendered file reads back the same", () => {
        expect(referencedEnvironment(document)).toEqual(["DATABASE_URL", "DRAIN_ENDPOINT_TOKEN", "HF_TOKEN", "LITELLM_MASTER_KEY", "REDIS_HOST", "REDIS_PASSWORD", "REDIS_PORT"]);
        expect(parse(renderProxyConfig(proxySettings(), topology), { version: "1.1" })).toEqual(JSON.parse(JSON.stringify(document)));
    });

    it("is what the single-instance targets render without a topology", () => {
        const single = proxyConfigDocument(proxySettings({ cacheType: "redis" })) as Record<string, Record<string, unknown>>;
        expect(single.general_settings).toEqual({ master_key: "os.environ/LITELLM_MASTER_KEY", database_url: "os.environ/DATABASE_URL", ui_access_mode: "admin_only" });
        expect(single.litellm_settings.enable_redis_auth_cache).toBeUndefined();
        expect(single.router_settings.redis_host).toBeUndefined();
    });
});

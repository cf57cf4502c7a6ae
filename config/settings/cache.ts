/**
 * The response cache (`litellm_settings.cache` and `cache_params`). The guide asked for an
 * in-memory cache with a 10-minute TTL. `local` is one cache per proxy instance; `redis` is shared
 * by every instance and needs a Redis server, which only a multi-instance target provides.
 */
import { setCommand } from "../messages";
import { configKey } from "./declaration";
import { ConfigInput, readBoolean, readChoice, readInteger } from "./input";
import { CACHE_TYPES, CacheSettings, CacheType, DeploymentTarget } from "./types";

export const cacheKey = configKey({
    key: "cache",
    type: "boolean",
    default: true,
    description: "Cache responses: an identical request within cacheTtlSeconds gets the stored answer without a provider call (litellm_settings.cache).",
    accepts: "`true` or `false`.",
});
export const cacheTypeKey = configKey({
    key: "cacheType",
    type: "string",
    default: "local",
    description: "Where cached responses live: local (the proxy's memory) or redis (shared by several instances; needs a Redis server).",
    accepts: "`local` on the docker and hfspaces targets (one instance each, no Redis); `redis` on swarm, where it is required (per-key limits and the auth cache are shared through it).",
});
export const cacheTtlKey = configKey({
    key: "cacheTtlSeconds",
    type: "integer",
    default: 600,
    description: "Seconds a cached response is served (litellm_settings.cache_params.ttl).",
    accepts: "A whole number from 1 to 604800 (a week).",
});

export const CACHE_KEYS = [cacheKey, cacheTypeKey, cacheTtlKey];

/** Targets with a Redis server the cache can share. */
const TARGETS_WITH_REDIS: readonly DeploymentTarget[] = ["swarm"];

export function parseCacheSettings(input: ConfigInput, target: DeploymentTarget): CacheSettings {
    const enabled = readBoolean(input, cacheKey);
    const type = readChoice<CacheType>(input, cacheTypeKey, CACHE_TYPES, "a cache type");
    if (type === "redis" && !TARGETS_WITH_REDIS.includes(target)) {
        input.problem(
            cacheTypeKey.key,
            `redis needs a Redis server shared by the proxy's instances; the ${target} target runs one instance and has none.`,
            setCommand(cacheTypeKey.key, "local"),
        );
    }
    return { enabled, type, ttlSeconds: readInteger(input, cacheTtlKey, 1, 604_800) };
}

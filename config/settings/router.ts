/**
 * LiteLLM's router (`router_settings`): retries, timeouts, cooldowns, the routing strategy,
 * fallbacks between models, and whether the models' rpm/tpm are hard limits. Defaults are the
 * guide's config.yaml where it set them (simple-shuffle, 2 retries, 30 s, 5 s between retries)
 * and LiteLLM's own otherwise (3 allowed fails, 5 s cooldown: litellm/constants.py).
 */
import { setCommand } from "../messages";
import { configKey } from "./declaration";
import { ConfigInput, readBoolean, readChoice, readInteger } from "./input";
import { ROUTING_STRATEGIES, RouterSettings, RoutingStrategy } from "./types";
import { shown } from "./untrusted";

export const routingStrategyKey = configKey({
    key: "routingStrategy",
    type: "string",
    default: "simple-shuffle",
    description: "How LiteLLM picks among deployments of one model name (router_settings.routing_strategy).",
    accepts: `One of ${ROUTING_STRATEGIES.map((s) => `\`${s}\``).join(", ")}.`,
});
export const numRetriesKey = configKey({
    key: "numRetries",
    type: "integer",
    default: 2,
    description: "How many times LiteLLM retries a failed request before it fails or falls back (router_settings.num_retries).",
    accepts: "A whole number from 0 to 10.",
});
export const requestTimeoutKey = configKey({
    key: "requestTimeoutSeconds",
    type: "integer",
    default: 30,
    description: "Seconds LiteLLM waits for a provider's answer before the attempt fails (router_settings.timeout).",
    accepts: "A whole number from 1 to 3600.",
});
export const retryAfterKey = configKey({
    key: "retryAfterSeconds",
    type: "integer",
    default: 5,
    description: "Seconds LiteLLM waits before retrying a failed request (router_settings.retry_after).",
    accepts: "A whole number from 0 to 300 (LiteLLM takes whole seconds).",
});
export const allowedFailsKey = configKey({
    key: "allowedFails",
    type: "integer",
    default: 3,
    description: "Failures a deployment may have within a minute before LiteLLM cools it down (router_settings.allowed_fails).",
    accepts: "A whole number from 0 to 1000.",
});
export const cooldownKey = configKey({
    key: "cooldownSeconds",
    type: "integer",
    default: 5,
    description: "Seconds a cooled-down deployment gets no requests (router_settings.cooldown_time).",
    accepts: "A whole number from 0 to 3600.",
});
export const enforceModelRateLimitsKey = configKey({
    key: "enforceModelRateLimits",
    type: "boolean",
    default: true,
    description:
        "Make the models' rpm and tpm hard limits that answer 429, instead of routing hints (router_settings.optional_pre_call_checks: enforce_model_rate_limits). Only rendered when a model has rpm or tpm.",
    accepts: "`true` or `false`. RPM is exact; TPM is best-effort (tokens are counted after the answer).",
});
export const fallbacksKey = configKey({
    key: "fallbacks",
    type: "map",
    default: {},
    defaultShown: "`{}` (none)",
    description: "Models to try, in order, when a model fails after its retries, by model name, e.g. {default: [openai]} (router_settings.fallbacks).",
    accepts: "A map from a name in `models` to a non-empty list of other names in `models`.",
});
export const contextWindowFallbacksKey = configKey({
    key: "contextWindowFallbacks",
    type: "map",
    default: {},
    defaultShown: "`{}` (none)",
    description: "Models to try when a prompt is too long for a model, by model name (router_settings.context_window_fallbacks).",
    accepts: "A map from a name in `models` to a non-empty list of other names in `models`.",
});

export const ROUTER_KEYS = [
    routingStrategyKey,
    numRetriesKey,
    requestTimeoutKey,
    retryAfterKey,
    allowedFailsKey,
    cooldownKey,
    enforceModelRateLimitsKey,
    fallbacksKey,
    contextWindowFallbacksKey,
];

export function parseRouterSettings(input: ConfigInput, modelNames: readonly string[]): RouterSettings {
    return {
        routingStrategy: readChoice<RoutingStrategy>(input, routingStrategyKey, ROUTING_STRATEGIES, "a LiteLLM routing strategy"),
        numRetries: readInteger(input, numRetriesKey, 0, 10),
        timeoutSeconds: readInteger(input, requestTimeoutKey, 1, 3600),
        retryAfterSeconds: readInteger(input, retryAfterKey, 0, 300),
        allowedFails: readInteger(input, allowedFailsKey, 0, 1000),
        cooldownSeconds: readInteger(input, cooldownKey, 0, 3600),
        enforceModelRateLimits: readBoolean(input, enforceModelRateLimitsKey),
        fallbacks: parseFallbacks(input, fallbacksKey.key, modelNames),
        contextWindowFallbacks: parseFallbacks(input, contextWindowFallbacksKey.key, modelNames),
    };
}

function parseFallbacks(input: ConfigInput, key: string, names: readonly string[]): Record<string, string[]> {
    const declaration = key === fallbacksKey.key ? fallbacksKey : contextWindowFallbacksKey;
    const other = (name: string) => names.find((n) => n !== name) ?? "<another model>";
    const example = setCommand(`${key}.${names[0] ?? "default"}[0]`, other(names[0] ?? "default"), { path: true });
    const parsed = input.structured(declaration, example);
    if (parsed === undefined) {
        return {};
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        input.problem(key, "must map a model name to the list of model names to fall back to, e.g. {default: [openai]}.", `edit it in Pulumi.<stack>.yaml, or ${example}`);
        return {};
    }
    const result: Record<string, string[]> = {};
    for (const [name, targets] of Object.entries(parsed as Record<string, unknown>)) {
        const safeName = /^[A-Za-z0-9._:/-]{1,64}$/.test(name) ? name : shown(name, 64);
        const entryKey = `${key}.${safeName}`;
        if (!names.includes(name)) {
            input.problem(
                entryKey,
                `${shown(name, 64)} is not in the stack's model list (${names.join(", ") || "empty"}).`,
                `pulumi config rm --path '${entryKey.replace(/'/g, "")}', or add that model to models`,
            );
            continue;
        }
        if (!Array.isArray(targets) || targets.length === 0) {
            input.problem(entryKey, "must be a non-empty list of model names.", setCommand(`${entryKey}[0]`, other(name), { path: true }));
            continue;
        }
        let valid = true;
        // A replacement for a bad entry: a model not this one and not listed already, else removal.
        const replacement = (targetKey: string) => {
            const candidate = names.find((n) => n !== name && !targets.includes(n));
            return candidate ? setCommand(targetKey, candidate, { path: true }) : `pulumi config rm --path '${targetKey.replace(/'/g, "")}'`;
        };
        targets.forEach((target: unknown, index: number) => {
            const targetKey = `${entryKey}[${index}]`;
            if (typeof target !== "string" || !names.includes(target)) {
                input.problem(
                    targetKey,
                    `${typeof target === "string" ? shown(target, 64) : "this entry"} is not in the stack's model list (${names.join(", ")}); LiteLLM would fail the fallback.`,
                    replacement(targetKey),
                );
                valid = false;
            } else if (target === name) {
                input.problem(targetKey, `"${name}" falls back to itself.`, replacement(targetKey));
                valid = false;
            } else if (targets.indexOf(target) !== index) {
                input.problem(targetKey, `"${target}" is listed twice.`, `pulumi config rm --path '${targetKey}'`);
                valid = false;
            }
        });
        if (valid) {
            result[name] = targets as string[];
        }
    }
    return result;
}

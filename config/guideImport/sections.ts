/** general_settings, router_settings, litellm_settings and any other section of config.yaml. */
import { Draft, isObject, Json, referenceName } from "./types";

const ROUTER_MAP: Record<string, string> = {
    routing_strategy: "routingStrategy",
    num_retries: "numRetries",
    timeout: "requestTimeoutSeconds",
    retry_after: "retryAfterSeconds",
    allowed_fails: "allowedFails",
    cooldown_time: "cooldownSeconds",
};

export function translateSections(draft: Draft, document: Json): void {
    // general_settings
    const general = isObject(document.general_settings) ? document.general_settings : {};
    for (const [key, value] of Object.entries(general)) {
        const where = `general_settings.${key}`;
        switch (key) {
            case "master_key":
            case "database_url":
                if (referenceName(value) === undefined) {
                    draft.drop(where, "written in plain text in config.yaml; the stack generates the master key and sets the database URL itself, as environment references (the value is not shown).");
                }
                break;
            case "enable_user_auth":
                draft.drop(where, "LiteLLM has no such setting: virtual keys need only the master key and the database, which the stack provides.");
                break;
            case "max_budget":
                draft.config.maxBudget = Number(value) === 0 ? "" : String(value);
                draft.move(where, Number(value) === 0 ? "0 (the guide: \"Set 0 to disable\") becomes no proxy-wide cap; to LiteLLM a budget of 0 would block every request." : "LiteLLM reads the proxy-wide budget from litellm_settings, not general_settings: it becomes maxBudget.");
                break;
            case "budget_duration":
                draft.config.budgetDuration = String(value);
                draft.move(where, "LiteLLM reads it from litellm_settings: it becomes budgetDuration.");
                break;
            case "ui_access_mode":
                draft.config.dashboardAccess = String(value);
                break;
            default:
                draft.drop(where, "this stack has no setting for it.");
        }
    }

    // router_settings
    const router = isObject(document.router_settings) ? document.router_settings : {};
    for (const [key, value] of Object.entries(router)) {
        const where = `router_settings.${key}`;
        if (ROUTER_MAP[key]) {
            draft.config[ROUTER_MAP[key]] = String(value);
        } else if (key === "fallbacks" || key === "context_window_fallbacks") {
            const map: Record<string, unknown> = {};
            for (const item of Array.isArray(value) ? value : []) {
                if (isObject(item)) {
                    Object.assign(map, item);
                }
            }
            draft.config[key === "fallbacks" ? "fallbacks" : "contextWindowFallbacks"] = map;
        } else if (key === "optional_pre_call_checks") {
            const checks = Array.isArray(value) ? value : [];
            draft.config.enforceModelRateLimits = String(checks.includes("enforce_model_rate_limits"));
            if (checks.some((c) => c !== "enforce_model_rate_limits")) {
                draft.drop(where, "only enforce_model_rate_limits has a setting here (enforceModelRateLimits).");
            }
        } else if (key.startsWith("redis_")) {
            draft.drop(where, "the docker and hfspaces targets run one proxy instance without Redis; a multi-instance target wires Redis itself.");
        } else {
            draft.drop(where, "this stack has no setting for it.");
        }
    }

    // litellm_settings
    const litellm = isObject(document.litellm_settings) ? document.litellm_settings : {};
    for (const [key, value] of Object.entries(litellm)) {
        const where = `litellm_settings.${key}`;
        switch (key) {
            case "telemetry":
                draft.config.telemetry = String(value === true);
                break;
            case "drop_params":
                if (value !== true) {
                    draft.drop(where, "the stack always drops parameters a provider does not support (aiterm sends OpenAI ones).");
                }
                break;
            case "set_verbose":
                draft.drop(where, "deprecated by LiteLLM; the log level is logLevel (LITELLM_LOG).");
                break;
            case "cache":
                draft.config.cache = String(value === true);
                break;
            case "cache_params":
                if (isObject(value)) {
                    if (value.type !== undefined) draft.config.cacheType = String(value.type);
                    if (value.ttl !== undefined) draft.config.cacheTtlSeconds = String(value.ttl);
                    for (const param of Object.keys(value).filter((p) => p !== "type" && p !== "ttl")) {
                        draft.drop(`${where}.${param}`, "this stack has no setting for it (type and ttl only).");
                    }
                }
                break;
            case "max_budget":
                draft.config.maxBudget = String(value);
                break;
            case "budget_duration":
                draft.config.budgetDuration = String(value);
                break;
            case "request_timeout":
                if (draft.config.requestTimeoutSeconds === undefined) {
                    draft.config.requestTimeoutSeconds = String(value);
                    draft.move(where, "becomes requestTimeoutSeconds, the router's timeout.");
                } else {
                    draft.drop(where, "router_settings.timeout already sets the request timeout.");
                }
                break;
            case "num_retries":
                if (draft.config.numRetries === undefined) {
                    draft.config.numRetries = String(value);
                } else {
                    draft.drop(where, "router_settings.num_retries already sets it.");
                }
                break;
            default:
                draft.drop(where, "this stack has no setting for it.");
        }
    }

    for (const section of Object.keys(document)) {
        if (!["model_list", "general_settings", "router_settings", "litellm_settings", "rate_limits"].includes(section)) {
            draft.drop(section, section === "environment_variables" ? "the stack sets the proxy's environment itself; put provider keys in providerKeys (values not shown)." : "this stack has no setting for this section.");
        }
    }

}

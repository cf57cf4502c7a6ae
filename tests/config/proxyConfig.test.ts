import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environmentReferences, proxyConfigDocument, referencedEnvironment, renderProxyConfig } from "../../config/proxyConfig";
import { proxyEnvironment, PROXY_ENV, toEnvList } from "../../config/proxyEnvironment";
import { parseSettings, ProxySettings } from "../../config/settings";
import { rawConfig, readStackFile } from "../support/stackFile";

const HF = "hf_abcdefghijklmnopqrstuvwxyz012345";
const DATABASE_URL = "postgresql://postgres.abcdefgh:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres";

function proxySettings(config: Record<string, string>, stack = "dev"): ProxySettings {
    return parseSettings(rawConfig({ hfToken: HF, databaseUrl: DATABASE_URL, ...config }), stack).settings.proxy;
}

const settings = proxySettings({
    models: JSON.stringify([
        { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
        { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" },
        { name: "local", model: "ollama/llama3", apiBase: "http://host.docker.internal:11434" },
    ]),
    providerKeys: JSON.stringify({ OPENAI_API_KEY: "sk-openai-0000" }),
    maxBudget: "25.5",
});

describe("config.yaml", () => {
    const rendered = parse(renderProxyConfig(settings));

    it("lists every model with its provider id, key reference and api_base", () => {
        expect(rendered.model_list).toEqual([
            { model_name: "default", litellm_params: { model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", api_key: "os.environ/HF_TOKEN" } },
            { model_name: "openai", litellm_params: { model: "openai/gpt-4o-mini", api_key: "os.environ/OPENAI_API_KEY" } },
            { model_name: "local", litellm_params: { model: "ollama/llama3", api_base: "http://host.docker.internal:11434" } },
        ]);
    });

    it("puts the proxy-wide budget in litellm_settings, where LiteLLM reads it (not general_settings)", () => {
        expect(rendered.litellm_settings).toMatchObject({ max_budget: 25.5, budget_duration: "30d" });
        expect(rendered.general_settings.max_budget).toBeUndefined();
        expect(parse(renderProxyConfig({ ...settings, maxBudget: undefined })).litellm_settings.max_budget).toBeUndefined();
    });

    it("uses only sections and keys LiteLLM knows (none of the guide's enable_user_auth, rate_limits or set_verbose)", () => {
        expect(Object.keys(rendered).sort()).toEqual(["general_settings", "litellm_settings", "model_list", "router_settings"]);
        expect(Object.keys(rendered.general_settings).sort()).toEqual(["database_url", "master_key", "ui_access_mode"]);
        expect(renderProxyConfig(settings)).not.toMatch(/enable_user_auth|rate_limits|set_verbose|environment_variables/);
    });

    it("holds secrets only as os.environ/NAME references, each set in the proxy's environment", () => {
        expect(rendered.general_settings).toMatchObject({ master_key: "os.environ/LITELLM_MASTER_KEY", database_url: "os.environ/DATABASE_URL" });
        const environment = proxyEnvironment(settings, {
            masterKey: "sk-master",
            saltKey: "salt",
            databaseUrl: "postgresql://u:p@h:5432/d",
            dashboardPassword: "pw",
            providerKeys: { HF_TOKEN: "hf_x", OPENAI_API_KEY: "sk-o" },
        });
        const names = toEnvList(environment).map((entry) => entry.split("=")[0]);
        for (const name of referencedEnvironment(rendered)) {
            expect(names).toContain(name);
        }
        expect(referencedEnvironment(proxyConfigDocument(settings))).toEqual(["DATABASE_URL", "HF_TOKEN", "LITELLM_MASTER_KEY", "OPENAI_API_KEY"]);
        expect(environmentReferences(rendered).map((r) => r.path)).toEqual([
            "model_list[0].litellm_params.api_key",
            "model_list[1].litellm_params.api_key",
            "general_settings.master_key",
            "general_settings.database_url",
        ]);
    });

    it("is stable: the same settings render byte for byte the same file (no spurious diffs)", () => {
        expect(renderProxyConfig(structuredClone(settings))).toBe(renderProxyConfig(settings));
    });

    it("renders the default router, cache and telemetry settings the guide asked for", () => {
        expect(rendered.router_settings).toEqual({
            routing_strategy: "simple-shuffle",
            num_retries: 2,
            timeout: 30,
            retry_after: 5,
            allowed_fails: 3,
            cooldown_time: 5,
        });
        expect(rendered.litellm_settings).toMatchObject({ drop_params: true, telemetry: false, cache: true, cache_params: { type: "local", ttl: 600 } });
        expect(rendered.general_settings.ui_access_mode).toBe("admin_only");
    });

    it("leaves the cache out when it is off", () => {
        const off = parse(renderProxyConfig(proxySettings({ cache: "false" })));
        expect(off.litellm_settings.cache).toBeUndefined();
        expect(off.litellm_settings.cache_params).toBeUndefined();
    });

    it("turns on the rate-limit pre-call check only when a model has limits and enforcement is on", () => {
        const limited = JSON.stringify([{ name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN", rpm: 60 }]);
        expect(parse(renderProxyConfig(proxySettings({ models: limited }))).router_settings.optional_pre_call_checks).toEqual(["enforce_model_rate_limits"]);
        expect(parse(renderProxyConfig(proxySettings({ models: limited, enforceModelRateLimits: "false" }))).router_settings.optional_pre_call_checks).toBeUndefined();
        expect(rendered.router_settings.optional_pre_call_checks).toBeUndefined();
    });

    it("shares the router state and the cache through Redis when a target provides one", () => {
        const document = proxyConfigDocument(
            { ...settings, cache: { ...settings.cache, type: "redis" } },
            { redis: { hostEnv: "REDIS_HOST", portEnv: "REDIS_PORT", passwordEnv: "REDIS_PASSWORD" } },
        ) as { router_settings: Record<string, unknown>; litellm_settings: Record<string, unknown> };
        expect(document.router_settings).toMatchObject({ redis_host: "os.environ/REDIS_HOST", redis_port: "os.environ/REDIS_PORT", redis_password: "os.environ/REDIS_PASSWORD" });
        expect(document.litellm_settings.cache_params).toEqual({
            type: "redis",
            host: "os.environ/REDIS_HOST",
            port: "os.environ/REDIS_PORT",
            password: "os.environ/REDIS_PASSWORD",
            ttl: 600,
        });
    });
});

describe("the guide's intent, as a stack file", () => {
    const file = readStackFile(join(__dirname, "fixtures", "Pulumi.guide-intent.yaml"));
    const secrets = { hfToken: HF, providerKeys: JSON.stringify({ OPENAI_API_KEY: "sk-openai-0000" }), databaseUrl: DATABASE_URL };

    it.each(["dev", "hfspaces"])("renders each of its settings where LiteLLM reads it, on stack %s", (stack) => {
        const parsed = parseSettings(rawConfig({ ...file, ...secrets }), stack);
        expect(parsed.settings.target).toBe(stack === "dev" ? "docker" : "hfspaces");
        const document = parse(renderProxyConfig(parsed.settings.proxy), { version: "1.1" });
        expect(document.model_list).toEqual([
            {
                model_name: "default",
                litellm_params: { model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", api_key: "os.environ/HF_TOKEN", rpm: 60, tpm: 10000 },
            },
            { model_name: "openai-fallback", litellm_params: { model: "openai/gpt-4o-mini", api_key: "os.environ/OPENAI_API_KEY" } },
        ]);
        expect(document.router_settings).toEqual({
            routing_strategy: "simple-shuffle",
            num_retries: 2,
            timeout: 30,
            retry_after: 5,
            allowed_fails: 3,
            cooldown_time: 5,
            optional_pre_call_checks: ["enforce_model_rate_limits"],
            fallbacks: [{ default: ["openai-fallback"] }],
        });
        expect(document.litellm_settings).toEqual({
            drop_params: true,
            telemetry: false,
            max_budget: 10,
            budget_duration: "30d",
            cache: true,
            cache_params: { type: "local", ttl: 600 },
        });
        expect(document.general_settings).toEqual({
            master_key: "os.environ/LITELLM_MASTER_KEY",
            database_url: "os.environ/DATABASE_URL",
            ui_access_mode: "admin_only",
        });
    });
});

describe("the proxy's environment", () => {
    const environment = proxyEnvironment(
        { dashboardUsername: "admin", logLevel: "DEBUG" },
        { masterKey: "sk-m", saltKey: "s", databaseUrl: "postgresql://x", dashboardPassword: "p", providerKeys: { HF_TOKEN: "hf_t" } },
    );

    it("separates confidential values from plain settings", () => {
        expect(Object.keys(environment.secrets).sort()).toEqual([
            "DATABASE_URL",
            "HF_TOKEN",
            PROXY_ENV.masterKey,
            PROXY_ENV.saltKey,
            PROXY_ENV.dashboardPassword,
        ].sort());
        expect(environment.variables).toEqual({
            UI_USERNAME: "admin",
            LITELLM_LOG: "DEBUG",
            LITELLM_MODE: "PRODUCTION",
            LITELLM_LOCAL_MODEL_COST_MAP: "True",
        });
    });

    it("uses LITELLM_LOG, the variable LiteLLM reads (the guide's LOG_LEVEL is ignored by it)", () => {
        expect(toEnvList(environment)).toContain("LITELLM_LOG=DEBUG");
        expect(toEnvList(environment).some((e) => e.startsWith("LOG_LEVEL="))).toBe(false);
    });
});

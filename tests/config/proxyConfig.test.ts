import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { proxyConfigDocument, referencedEnvironment, renderProxyConfig } from "../../config/proxyConfig";
import { proxyEnvironment, PROXY_ENV, toEnvList } from "../../config/proxyEnvironment";
import { DEFAULT_LITELLM_IMAGE, ProxySettings } from "../../config/settings";

const settings: ProxySettings = {
    models: [
        { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
        { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" },
        { name: "local", model: "ollama/llama3", apiBase: "http://host.docker.internal:11434" },
    ],
    litellmImage: DEFAULT_LITELLM_IMAGE,
    dashboardUsername: "admin",
    maxBudget: 25.5,
    budgetDuration: "30d",
    logLevel: "INFO",
    providerKeyNames: ["HF_TOKEN", "OPENAI_API_KEY"],
    virtualKeys: [],
};

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

    it("uses only sections and keys LiteLLM knows (none of the seed's enable_user_auth or rate_limits)", () => {
        expect(Object.keys(rendered).sort()).toEqual(["general_settings", "litellm_settings", "model_list"]);
        expect(Object.keys(rendered.general_settings).sort()).toEqual(["database_url", "master_key"]);
        expect(renderProxyConfig(settings)).not.toMatch(/enable_user_auth|rate_limits|set_verbose/);
    });

    it("holds secrets only as os.environ/NAME references, each set in the proxy's environment", () => {
        expect(rendered.general_settings).toEqual({ master_key: "os.environ/LITELLM_MASTER_KEY", database_url: "os.environ/DATABASE_URL" });
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
    });

    it("is stable: the same settings render byte for byte the same file (no spurious diffs)", () => {
        expect(renderProxyConfig(structuredClone(settings))).toBe(renderProxyConfig(settings));
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

    it("uses LITELLM_LOG, the variable LiteLLM reads (the seed's LOG_LEVEL is ignored by it)", () => {
        expect(toEnvList(environment)).toContain("LITELLM_LOG=DEBUG");
        expect(toEnvList(environment).some((e) => e.startsWith("LOG_LEVEL="))).toBe(false);
    });
});

import { describe, expect, it } from "vitest";
import { ConfigError } from "../../config/messages";
import { DEFAULT_MODELS, defaultTarget, parseSettings } from "../../config/settings";

const HF = "hf_abcdefghijklmnopqrstuvwxyz012345";

function configOf(values: Record<string, unknown>) {
    return (key: string): string | undefined => {
        const value = values[key];
        if (value === undefined) {
            return undefined;
        }
        return typeof value === "string" ? value : JSON.stringify(value);
    };
}

function problemsOf(values: Record<string, unknown>, stack = "dev") {
    try {
        parseSettings(configOf(values), stack);
    } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).problems;
    }
    throw new Error("expected the configuration to be rejected");
}

describe("defaults", () => {
    it("reproduce the seed: one `default` model on Hugging Face's Qwen2.5 coder, on 127.0.0.1:4000", () => {
        const { settings, warnings } = parseSettings(configOf({ hfToken: HF }), "dev");
        expect(settings.target).toBe("docker");
        expect(settings.proxy.models).toEqual([...DEFAULT_MODELS]);
        expect(settings.proxy.models[0]).toEqual({
            name: "default",
            model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct",
            apiKeyEnv: "HF_TOKEN",
        });
        expect(settings.docker).toMatchObject({ port: 4000, bindAddress: "127.0.0.1", keepDataOnDestroy: true });
        expect(settings.proxy).toMatchObject({ dashboardUsername: "admin", dashboardAccess: "admin_only", logLevel: "INFO", budgetDuration: "30d", maxBudget: 10, telemetry: false });
        expect(settings.proxy.router).toEqual({
            routingStrategy: "simple-shuffle",
            numRetries: 2,
            timeoutSeconds: 30,
            retryAfterSeconds: 5,
            allowedFails: 3,
            cooldownSeconds: 5,
            enforceModelRateLimits: true,
            fallbacks: {},
            contextWindowFallbacks: {},
        });
        expect(settings.proxy.cache).toEqual({ enabled: true, type: "local", ttlSeconds: 600 });
        expect(settings.proxy.litellmImage).toMatch(/litellm-database:v1\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
        expect(settings.docker.postgresImage).toMatch(/^postgres:16[^@]*@sha256:[0-9a-f]{64}$/);
        expect(warnings).toEqual([]);
    });

    it("pick the target from the stack name unless `target` is set", () => {
        expect(defaultTarget("dev")).toBe("docker");
        expect(defaultTarget("hfspaces")).toBe("hfspaces");
        expect(defaultTarget("hfspaces-staging")).toBe("hfspaces");
        expect(parseSettings(configOf({ hfToken: HF, target: "docker" }), "hfspaces").settings.target).toBe("docker");
    });

    it("read HF_ENDPOINT when hfEndpoint is unset, as Hugging Face's own tools do", () => {
        const fromEnv = parseSettings(configOf({ hfToken: HF }), "dev", { HF_ENDPOINT: "http://127.0.0.1:9999/" });
        expect(fromEnv.settings.space.hfEndpoint).toBe("http://127.0.0.1:9999");
        const fromConfig = parseSettings(configOf({ hfToken: HF, hfEndpoint: "https://hub.example" }), "dev", { HF_ENDPOINT: "http://x" });
        expect(fromConfig.settings.space.hfEndpoint).toBe("https://hub.example");
        expect(parseSettings(configOf({ hfToken: HF }), "dev").settings.space.hfEndpoint).toBe("https://huggingface.co");
    });

    it("keep provided secrets apart from the settings", () => {
        const parsed = parseSettings(
            configOf({
                hfToken: HF,
                providerKeys: { OPENAI_API_KEY: "sk-openai" },
                models: [...DEFAULT_MODELS, { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" }],
            }),
            "dev",
        );
        expect(parsed.secrets).toEqual({ hfToken: HF, providerKeys: { OPENAI_API_KEY: "sk-openai" }, databaseUrl: undefined });
        expect(parsed.settings.proxy.providerKeyNames).toEqual(["HF_TOKEN", "OPENAI_API_KEY"]);
        expect(JSON.stringify(parsed.settings)).not.toContain("sk-openai");
        expect(JSON.stringify(parsed.settings)).not.toContain(HF);
    });
});

describe("bad configurations are rejected with the key, the problem and the fix", () => {
    const cases: { title: string; config: Record<string, unknown>; key: string; problem: RegExp; fix: RegExp; stack?: string }[] = [
        { title: "models that are not a list", config: { models: "default" }, key: "models", problem: /not a list/, fix: /--path 'models\[0\]\.name'/ },
        { title: "an empty model list", config: { models: [] }, key: "models", problem: /non-empty list/, fix: /pulumi config rm models/ },
        {
            title: "a model without a name",
            config: { models: [{ model: "openai/gpt-4o-mini" }] },
            key: "models[0].name",
            problem: /model name/,
            fix: /pulumi config set --path 'models\[0\]\.name' default/,
        },
        {
            title: "two models with the same name",
            config: { models: [DEFAULT_MODELS[0], { ...DEFAULT_MODELS[0] }] },
            key: "models[1].name",
            problem: /used by an earlier model/,
            fix: /models\[1\]\.name' default-2/,
        },
        {
            title: "a model id without a provider prefix",
            config: { models: [{ name: "default", model: "gpt-4o-mini" }] },
            key: "models[0].model",
            problem: /provider-prefixed/,
            fix: /openai\/gpt-4o-mini/,
        },
        {
            title: "a misspelt model field",
            config: { models: [{ name: "default", model: "ollama/llama3", apibase: "http://x:1" }] },
            key: "models[0].apibase",
            problem: /not a model setting/,
            fix: /rename it to apiBase/,
        },
        {
            title: "an api key variable that is not an environment variable name",
            config: { models: [{ name: "default", model: "openai/gpt-4o", apiKeyEnv: "openai-key" }] },
            key: "models[0].apiKeyEnv",
            problem: /not a provider key name/,
            fix: /apiKeyEnv' OPENAI_API_KEY.*providerKeys\.OPENAI_API_KEY/,
        },
        {
            title: "a provider key named like the proxy's own variables",
            config: { models: [{ name: "default", model: "openai/gpt-4o", apiKeyEnv: "LITELLM_MASTER_KEY" }] },
            key: "models[0].apiKeyEnv",
            problem: /reads for the proxy itself/,
            fix: /OPENAI_API_KEY/,
        },
        {
            title: "an apiBase that is not a URL",
            config: { models: [{ name: "local", model: "ollama/llama3", apiBase: "host.docker.internal:11434" }] },
            key: "models[0].apiBase",
            problem: /http:\/\/ or https:\/\//,
            fix: /http:\/\/host\.docker\.internal:11434/,
        },
        {
            title: "a model whose API key the stack does not hold",
            config: { hfToken: undefined },
            key: "models[0].apiKeyEnv",
            problem: /reads its API key from HF_TOKEN, but the stack holds no value/,
            fix: /pulumi config set --secret hfToken hf_\.\.\./,
        },
        {
            title: "a provider key for another provider that is missing",
            config: { models: [{ name: "o", model: "openai/gpt-4o", apiKeyEnv: "OPENAI_API_KEY" }] },
            key: "models[0].apiKeyEnv",
            problem: /OPENAI_API_KEY/,
            fix: /--secret --path 'providerKeys\.OPENAI_API_KEY'/,
        },
        { title: "a token that is not a Hugging Face token", config: { hfToken: "abc" }, key: "hfToken", problem: /start with hf_/, fix: /--secret hfToken/ },
        {
            title: "the Hugging Face token passed as a provider key",
            config: { providerKeys: { HF_TOKEN: HF } },
            key: "providerKeys.HF_TOKEN",
            problem: /its own key, hfToken/,
            fix: /pulumi config rm --path 'providerKeys\.HF_TOKEN'/,
        },
        {
            title: "an image without a digest",
            config: { litellmImage: "ghcr.io/berriai/litellm-database:v1.104.0" },
            key: "litellmImage",
            problem: /no digest/,
            fix: /imagetools inspect/,
        },
        {
            title: "a rolling LiteLLM tag",
            config: { litellmImage: `ghcr.io/berriai/litellm-database:main-stable@sha256:${"a".repeat(64)}` },
            key: "litellmImage",
            problem: /rolling tag/,
            fix: /pulumi config set litellmImage/,
        },
        { title: "a malformed postgres image", config: { postgresImage: "Postgres 16" }, key: "postgresImage", problem: /not a valid image reference/, fix: /postgresImage/ },
        { title: "a port out of range", config: { port: "70000" }, key: "port", problem: /between 1 and 65535/, fix: /pulumi config set port 4000/ },
        { title: "a bind address that is not an address", config: { bindAddress: "localhost" }, key: "bindAddress", problem: /not an IPv4 address/, fix: /bindAddress 127\.0\.0\.1/ },
        { title: "a negative budget", config: { maxBudget: "-5" }, key: "maxBudget", problem: /not an amount in USD/, fix: /pulumi config set maxBudget '' for no proxy-wide cap/ },
        { title: "a budget duration LiteLLM does not know", config: { budgetDuration: "1 month" }, key: "budgetDuration", problem: /LiteLLM duration/, fix: /budgetDuration 30d/ },
        { title: "an unknown log level", config: { logLevel: "VERBOSE" }, key: "logLevel", problem: /not a LiteLLM log level/, fix: /logLevel INFO/ },
        { title: "a non-boolean flag", config: { keepDataOnDestroy: "yes" }, key: "keepDataOnDestroy", problem: /true or false/, fix: /keepDataOnDestroy true/ },
        { title: "an unknown target", config: { target: "kubernetes" }, key: "target", problem: /docker or hfspaces/, fix: /pulumi config rm target/ },
        {
            title: "the Space stack without a token",
            stack: "hfspaces",
            config: { hfToken: undefined, models: [{ name: "o", model: "ollama/llama3" }], databaseUrl: "postgresql://u:p@db.example:5432/d" },
            key: "hfToken",
            problem: /required for the hfspaces stack/,
            fix: /settings\/tokens/,
        },
        {
            title: "the Space stack without a database",
            stack: "hfspaces",
            config: { databaseUrl: undefined },
            key: "databaseUrl",
            problem: /a Space has no database of its own/,
            fix: /pulumi config set --secret databaseUrl/,
        },
        {
            title: "a Space database URL with an unencoded password",
            stack: "hfspaces",
            config: { databaseUrl: "postgresql://postgres:p@ss#word@db.example.com:5432/postgres" },
            key: "databaseUrl",
            problem: /must be URL-encoded/,
            fix: /encodeURIComponent/,
        },
        {
            title: "a Space database on Supabase's direct host",
            stack: "hfspaces",
            config: { databaseUrl: "postgresql://postgres:secret@db.abcdefgh.supabase.co:5432/postgres" },
            key: "databaseUrl",
            problem: /Supabase's direct host/,
            fix: /postgres\.abcdefgh:URL_ENCODED_PASSWORD@aws-0-REGION\.pooler\.supabase\.com:5432/,
        },
        {
            title: "a key for a model the stack does not have",
            config: { virtualKeys: [{ alias: "aiterm", models: ["gpt-5"] }] },
            key: "virtualKeys[0].models[0]",
            problem: /"gpt-5" is not in the stack's model list \(default\)/,
            fix: /--path 'virtualKeys\[0\]\.models\[0\]' default/,
        },
        {
            title: "two keys with one alias",
            config: { virtualKeys: [{ alias: "aiterm" }, { alias: "aiterm" }] },
            key: "virtualKeys[1].alias",
            problem: /used by an earlier key/,
            fix: /aiterm-2/,
        },
        {
            title: "a key budget that is not an amount",
            config: { virtualKeys: [{ alias: "aiterm", maxBudget: "five" }] },
            key: "virtualKeys[0].maxBudget",
            problem: /positive amount/,
            fix: /virtualKeys\[0\]\.maxBudget' 5/,
        },
        {
            title: "a misspelt key setting",
            config: { virtualKeys: [{ alias: "aiterm", rpm_limit: 10 }] },
            key: "virtualKeys[0].rpm_limit",
            problem: /not a key setting/,
            fix: /rename it to rpmLimit/,
        },
        { title: "an invalid Space name", config: { spaceName: "my space" }, key: "spaceName", problem: /not a valid Space name/, fix: /spaceName aiterm-litellm/ },
        { title: "an unknown Space visibility", config: { spaceVisibility: "hidden" }, key: "spaceVisibility", problem: /public, protected, private/, fix: /spaceVisibility public/ },
        { title: "a Hub endpoint that is not a URL", config: { hfEndpoint: "huggingface.co" }, key: "hfEndpoint", problem: /not an http\(s\) URL/, fix: /hfEndpoint https:\/\/huggingface\.co/ },
    ];

    it.each(cases)("$title", ({ config, key, problem, fix, stack }) => {
        const problems = problemsOf({ hfToken: HF, databaseUrl: "postgresql://u:p@db.example.com:6543/postgres", ...config }, stack);
        const match = problems.find((p) => p.key === key);
        expect(match, `problems: ${JSON.stringify(problems)}`).toBeDefined();
        expect(match?.problem).toMatch(problem);
        expect(match?.fix).toMatch(fix);
    });

    it("reports every problem at once, each on its own line with its fix", () => {
        try {
            parseSettings(configOf({ port: "0", logLevel: "LOUD", maxBudget: "free" }), "dev");
            throw new Error("expected a ConfigError");
        } catch (error) {
            const message = (error as Error).message;
            expect(message).toMatch(/has 4 problems; nothing was changed/);
            expect(message).toContain("aiterm-litellm:port:");
            expect(message).toContain("aiterm-litellm:logLevel:");
            expect(message).toContain("aiterm-litellm:maxBudget:");
            expect(message).toContain("aiterm-litellm:models[0].apiKeyEnv:");
            expect(message.match(/Fix: /g)).toHaveLength(4);
        }
    });

    it("never repeats a secret value in an error", () => {
        const password = "S3cr3t-P4ss";
        const problems = problemsOf(
            { hfToken: HF, databaseUrl: `postgresql://postgres:${password}@db.abcdefgh.supabase.co:5432/postgres`, providerKeys: { HF_TOKEN: HF } },
            "hfspaces",
        );
        const text = JSON.stringify(problems);
        expect(text).not.toContain(password);
        expect(text).not.toContain(HF);
    });
});

describe("virtual keys", () => {
    it("default to the seed's aiterm key", () => {
        expect(parseSettings(configOf({ hfToken: HF }), "dev").settings.proxy.virtualKeys).toEqual([
            { alias: "aiterm", models: ["default"], maxBudget: 5, budgetDuration: "30d" },
        ]);
    });

    it("can be none", () => {
        expect(parseSettings(configOf({ hfToken: HF, virtualKeys: [] }), "dev").settings.proxy.virtualKeys).toEqual([]);
    });

    it("are not created on a Space of another Hub, whose app address the stack cannot derive", () => {
        const parsed = parseSettings(
            configOf({ hfToken: HF, hfEndpoint: "http://127.0.0.1:1234", databaseUrl: "postgresql://u:p@db.example.com:6543/postgres" }),
            "hfspaces",
        );
        expect(parsed.settings.proxy.virtualKeys).toEqual([]);
        expect(parsed.warnings.join("\n")).toMatch(/virtualKeys: keys are managed on Spaces of https:\/\/huggingface\.co only/);
    });
});

describe("warnings", () => {
    it("warn when the proxy is published beyond this machine", () => {
        const { warnings } = parseSettings(configOf({ hfToken: HF, bindAddress: "0.0.0.0" }), "dev");
        expect(warnings).toEqual([expect.stringMatching(/^aiterm-litellm:bindAddress: the proxy is published on 0\.0\.0\.0:4000, reachable from other machines/)]);
    });

    it("warn about a private Space that aiterm cannot reach", () => {
        const { warnings } = parseSettings(
            configOf({ hfToken: HF, spaceVisibility: "private", databaseUrl: "postgresql://u:p@db.example.com:6543/postgres" }),
            "hfspaces",
        );
        expect(warnings.join("\n")).toMatch(/spaceVisibility: a private Space's app URL[\s\S]*protected/);
    });

    it("warn about a provider key no model reads", () => {
        const { warnings } = parseSettings(configOf({ hfToken: HF, providerKeys: { ANTHROPIC_API_KEY: "sk-ant-00000000" } }), "dev");
        expect(warnings).toEqual([expect.stringMatching(/providerKeys\.ANTHROPIC_API_KEY: no model reads this key/)]);
    });
});

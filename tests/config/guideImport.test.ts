/**
 * The way in for users of the guide: their config.yaml and .env into this stack's configuration.
 * The guide's own files are kept unchanged in bench/seed/ (see ORIGIN.md there).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { GuideImport, importGuide } from "../../config/guideImport";
import { PROJECT_NAME } from "../../config/messages";
import { parseSettings } from "../../config/settings";
import { readStackFile, stackFileConfig } from "../support/stackFile";

const root = join(__dirname, "..", "..");
const guideConfig = readFileSync(join(root, "bench", "seed", "config.yaml"), "utf8");
const guideEnv = readFileSync(join(root, "bench", "seed", ".env.example"), "utf8");
const intent = readStackFile(join(__dirname, "fixtures", "Pulumi.guide-intent.yaml"));

/** The import as the stack file --write produces, read back the way the program reads stack files. */
function asStackConfig(result: GuideImport): Record<string, unknown> {
    const text = stringify({ config: Object.fromEntries(Object.entries(result.config).map(([k, v]) => [`${PROJECT_NAME}:${k}`, v])) });
    return parsedValues(stackFileConfig(text));
}

function parsedValues(config: Record<string, string>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, /^[[{]/.test(value) ? JSON.parse(value) : value]));
}

function settings(where: string) {
    return (result: GuideImport) => result.notCarried.find((n) => n.setting === where);
}

describe("importing the guide's own files", () => {
    const withFallback = importGuide({ configYaml: guideConfig, env: guideEnv }, { target: "docker", uncommentModels: true });
    const asPublished = importGuide({ configYaml: guideConfig, env: guideEnv }, { target: "docker" });

    it("writes the stack file of the guide's intent, its commented-out OpenAI model as the fallback of default", () => {
        expect(asStackConfig(withFallback)).toEqual(parsedValues(intent));
    });

    it("without --uncomment-models leaves the commented-out model out, and says so", () => {
        const config = asStackConfig(asPublished);
        expect((config.models as { name: string }[]).map((m) => m.name)).toEqual(["default"]);
        expect(config.fallbacks).toBeUndefined();
        expect(settings("model_list (commented out) openai-fallback")(asPublished)?.reason).toMatch(/--uncomment-models/);
    });

    it("lists every setting it does not carry over, with the reason", () => {
        expect(settings("general_settings.enable_user_auth")(asPublished)?.reason).toMatch(/LiteLLM has no such setting/);
        expect(settings("litellm_settings.set_verbose")(asPublished)?.reason).toMatch(/deprecated/);
        expect(settings(".env LITELLM_MASTER_KEY")(asPublished)?.reason).toMatch(/generates its own master key/);
        expect(settings(".env UI_PASSWORD")(asPublished)?.reason).toMatch(/generates the dashboard password/);
        expect(settings(".env DATABASE_URL")(asPublished)?.reason).toMatch(/runs its own Postgres/);
        expect(asPublished.notCarried.map((n) => n.setting).sort()).toEqual(
            [
                ".env DATABASE_URL",
                ".env LITELLM_MASTER_KEY",
                ".env UI_PASSWORD",
                "general_settings.enable_user_auth",
                "litellm_settings.set_verbose",
                "model_list (commented out) openai-fallback",
            ].sort(),
        );
    });

    it("says where it moved what LiteLLM reads elsewhere: the budget, the top-level rate_limits, LOG_LEVEL", () => {
        const moved = Object.fromEntries(asPublished.moved.map((m) => [m.setting, m.reason]));
        expect(moved["general_settings.max_budget"]).toMatch(/litellm_settings/);
        expect(moved["rate_limits[0]"]).toMatch(/rpm\/tpm on model "default", enforced/);
        expect(moved[".env LOG_LEVEL"]).toMatch(/LITELLM_LOG/);
    });

    it("asks for the token with pulumi config set --secret, and sees that .env.example holds only a placeholder", () => {
        expect(asPublished.secrets).toEqual([{ key: "hfToken", fromEnv: undefined, reason: expect.stringMatching(/placeholder/) }]);
        expect(withFallback.secrets.map((s) => s.key)).toEqual(["hfToken", "providerKeys.OPENAI_API_KEY"]);
    });

    it("on the Space stack, takes DATABASE_URL as the databaseUrl secret and drops the host port", () => {
        const space = importGuide({ configYaml: guideConfig, env: guideEnv }, { target: "hfspaces" });
        expect(space.secrets.find((s) => s.key === "databaseUrl")).toMatchObject({ fromEnv: "DATABASE_URL" });
        expect(space.config.port).toBeUndefined();
        expect(settings(".env LITELLM_PORT")(space)?.reason).toMatch(/7860/);
    });
});

describe("importing customized variants", () => {
    const secrets = { openai: "sk-proj-REALLOOKING0123456789", hf: "hf_RealLookingToken0123456789", master: "sk-old-master-0123456789", db: "Db-Secret-Pa55" };
    const env = [
        `HF_TOKEN=${secrets.hf}`,
        `OPENAI_KEY="${secrets.openai}"`,
        `LITELLM_MASTER_KEY=${secrets.master}`,
        `DATABASE_URL=postgresql://litellm:${secrets.db}@db:5432/litellm`,
        "LITELLM_PORT=4010",
        "SOME_OTHER=private-value-123",
        "LOCAL_BASE=http://host.docker.internal:11434",
    ].join("\n");
    const configYaml = `
model_list:
  - model_name: default
    litellm_params:
      model: huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct
      api_key: os.environ/HF_TOKEN
      temperature: 0.2
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: os.environ/OPENAI_KEY
  - model_name: anthropic
    litellm_params:
      model: anthropic/claude-3-5-haiku
      api_key: sk-ant-LITERAL-0123456789
  - model_name: os.environ/LITELLM_MASTER_KEY
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_KEY
  - model_name: local
    litellm_params:
      model: ollama/llama3
      api_base: os.environ/LOCAL_BASE
general_settings:
  master_key: ${secrets.master}
  max_budget: 0
  alerting: ["slack"]
router_settings:
  num_retries: 4
  redis_host: redis
  fallbacks: [{"default": ["gpt", "os.environ/LITELLM_MASTER_KEY"]}]
litellm_settings:
  drop_params: true
  request_timeout: 45
  cache: true
  cache_params: {type: redis, host: redis, ttl: 60}
environment_variables:
  OPENAI_API_KEY: ${secrets.openai}
`;
    const result = importGuide({ configYaml, env }, { target: "docker" });
    const text = JSON.stringify(result);

    it("never repeats a secret of config.yaml or .env in the report or the config", () => {
        for (const value of [...Object.values(secrets), "sk-ant-LITERAL-0123456789", "private-value-123"]) {
            expect(text, value).not.toContain(value);
        }
    });

    it("turns a key written into config.yaml in plain text into a provider-key secret", () => {
        const anthropic = (result.config.models as Record<string, unknown>[]).find((m) => m.name === "anthropic");
        expect(anthropic?.apiKeyEnv).toBe("ANTHROPIC_API_KEY");
        expect(result.secrets).toContainEqual({ key: "providerKeys.ANTHROPIC_API_KEY", reason: expect.stringMatching(/plain text in config\.yaml/) });
    });

    it("renames a key variable to a provider key name and still takes its value from .env", () => {
        const gpt = (result.config.models as Record<string, unknown>[]).find((m) => m.name === "gpt");
        expect(gpt?.apiKeyEnv).toBe("OPENAI_API_KEY");
        expect(result.secrets).toContainEqual({ key: "providerKeys.OPENAI_API_KEY", fromEnv: "OPENAI_KEY", reason: expect.any(String) });
    });

    it("drops what the stack refuses with the stack's own reason, and what named it", () => {
        const names = (result.config.models as Record<string, unknown>[]).map((m) => m.name);
        expect(names).toEqual(["default", "gpt", "anthropic", "local"]);
        expect(result.notCarried.find((n) => n.setting.includes("models[3]"))?.reason).toMatch(/os\.environ\//);
        expect(result.notCarried.some((n) => n.setting.startsWith("imported fallbacks"))).toBe(true);
    });

    it("carries what it can: an api_base from .env, the budget 0 as no cap, the request timeout, the port", () => {
        expect((result.config.models as Record<string, unknown>[]).find((m) => m.name === "local")?.apiBase).toBe("http://host.docker.internal:11434");
        expect(result.config.maxBudget).toBe("");
        expect(result.config.requestTimeoutSeconds).toBe("45");
        expect(result.config.numRetries).toBe("4");
        expect(result.config.port).toBe("4010");
    });

    it("refuses a Redis cache on a single-instance target, and reports the settings without a place here", () => {
        expect(result.config.cacheType).toBeUndefined();
        const reasons = Object.fromEntries(result.notCarried.map((n) => [n.setting, n.reason]));
        expect(reasons["router_settings.redis_host"]).toMatch(/without Redis/);
        expect(reasons["imported cacheType"]).toMatch(/redis needs a Redis server/);
        expect(reasons["litellm_settings.cache_params.host"]).toBeDefined();
        expect(reasons["model_list[0].litellm_params.temperature"]).toBeDefined();
        expect(reasons["general_settings.alerting"]).toBeDefined();
        expect(reasons["environment_variables"]).toMatch(/values not shown/);
        expect(reasons["general_settings.master_key"]).toMatch(/plain text/);
        expect(reasons[".env SOME_OTHER"]).toMatch(/value is not shown/);
    });

    it("always yields a configuration the stack accepts once the secrets are set", () => {
        const raw: Record<string, string> = {
            ...Object.fromEntries(Object.entries(result.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
            hfToken: secrets.hf,
            providerKeys: JSON.stringify({ OPENAI_API_KEY: secrets.openai, ANTHROPIC_API_KEY: "sk-ant-LITERAL-0123456789" }),
        };
        expect(() => parseSettings((key) => raw[key], "dev")).not.toThrow();
    });
});

describe("npm run import-guide", () => {
    const work = mkdtempSync(join(tmpdir(), "aiterm-import-"));
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    function runImport(args: string[], env: Record<string, string> = {}) {
        return spawnSync(process.execPath, [join(root, "scripts", "run.js"), join(root, "scripts", "importGuide.ts"), ...args], {
            cwd: work,
            encoding: "utf8",
            env: { ...process.env, ...env },
            timeout: 60_000,
        });
    }

    it("merges the entries into Pulumi.<stack>.yaml, keeping what the file had", () => {
        writeFileSync(join(work, "Pulumi.dev.yaml"), "# my stack\nconfig:\n  aiterm-litellm:bindAddress: 127.0.0.2\n");
        const run = runImport(["--config", join(root, "bench", "seed", "config.yaml"), "--env", join(root, "bench", "seed", ".env.example"), "--uncomment-models", "--write"]);
        expect(run.status, run.stderr).toBe(0);
        const written = readFileSync(join(work, "Pulumi.dev.yaml"), "utf8");
        expect(written).toContain("# my stack");
        const config = parsedValues(stackFileConfig(written));
        const { bindAddress, ...rest } = config;
        expect(bindAddress).toBe("127.0.0.2");
        expect(rest).toEqual(parsedValues(intent));
        expect(run.stdout).toMatch(/pulumi config set --stack dev --secret hfToken/);
        expect(run.stdout).toMatch(/Not carried over:[\s\S]*enable_user_auth/);
    });

    it("sets the secrets from .env through pulumi config set's standard input, never its command line", () => {
        // A TEST DOUBLE of the Pulumi CLI's `config set`: like the real one, it reads the value from
        // standard input when the command line has none; it records what it was given.
        const bin = join(work, "bin");
        spawnSync("mkdir", ["-p", bin]);
        const record = join(work, "record");
        writeFileSync(join(bin, "pulumi"), `#!/bin/sh\nn=$(ls "${record}" 2>/dev/null | wc -l)\nmkdir -p "${record}"\nprintf '%s\\n' "$*" > "${record}/$n.args"\ncat > "${record}/$n.stdin"\n`);
        chmodSync(join(bin, "pulumi"), 0o755);
        const envFile = join(work, ".env");
        writeFileSync(envFile, "HF_TOKEN=hf_RealLookingToken0123456789\nOPENAI_API_KEY=sk-proj-SECRET-0123456789\n");
        const run = runImport(["--config", join(root, "bench", "seed", "config.yaml"), "--env", envFile, "--stack", "dev", "--set-secrets"], {
            PATH: `${bin}:${process.env.PATH}`,
        });
        expect(run.status, run.stderr).toBe(0);
        const calls = readdirSync(record).filter((f) => f.endsWith(".args")).sort().map((f) => ({
            args: readFileSync(join(record, f), "utf8").trim(),
            stdin: readFileSync(join(record, f.replace(".args", ".stdin")), "utf8"),
        }));
        expect(calls).toEqual([
            { args: "config set --stack dev --secret hfToken", stdin: "hf_RealLookingToken0123456789" },
            { args: "config set --stack dev --secret --path providerKeys.OPENAI_API_KEY", stdin: "sk-proj-SECRET-0123456789" },
        ]);
        expect(run.stdout + run.stderr).not.toMatch(/hf_RealLookingToken0123456789|sk-proj-SECRET-0123456789/);
    });
});

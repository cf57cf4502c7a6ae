/**
 * A way in for users of the guide: their customized config.yaml and .env turned into this stack's
 * configuration. Pure: text in, stack config plus a report out. Every setting is either carried
 * over (to the key LiteLLM really reads it through) or reported with the reason it is not; the
 * result is then validated like any stack file, and whatever the stack refuses is dropped with
 * the stack's own message. Secret values are never part of the report.
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./messages";
import { DeploymentTarget, parseSettings } from "./settings";
import { checkProviderKeyName, ENV_REFERENCE_PREFIX, hasControlCharacters, suggestProviderKeyName } from "./settings/untrusted";

export interface GuideFiles {
    /** The guide's config.yaml, as the user has it. */
    configYaml: string;
    /** Their .env (or .env.example); optional. */
    env?: string;
}

export interface ImportOptions {
    target: DeploymentTarget;
    /** Import model entries that are commented out in config.yaml (the guide's optional OpenAI fallback). */
    uncommentModels?: boolean;
}

/** A secret the user sets with `pulumi config set --secret`: where its value comes from, never the value. */
export interface SecretToSet {
    /** The stack key (`hfToken`, `providerKeys.OPENAI_API_KEY`, `databaseUrl`). */
    key: string;
    /** The .env variable holding it, if the .env has a usable value. */
    fromEnv?: string;
    /** Why it is needed. */
    reason: string;
}

export interface NotCarried {
    /** Where the setting was (`general_settings.enable_user_auth`, `.env LITELLM_MASTER_KEY`). */
    setting: string;
    reason: string;
}

export interface GuideImport {
    /** Stack config entries without the project namespace; values as a stack file holds them. */
    config: Record<string, unknown>;
    secrets: SecretToSet[];
    notCarried: NotCarried[];
    /** Settings carried over to another place than the guide put them, and why. */
    moved: NotCarried[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A .env file as docker compose reads it: KEY=value lines, optional quotes, # comments. */
export function parseEnvFile(text: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const rawLine of text.split(/\r?\n/)) {
        const line = rawLine.trim();
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
        if (!match) {
            continue;
        }
        let value = match[2];
        if (/^".*"$/.test(value) || /^'.*'$/.test(value)) {
            value = value.slice(1, -1);
        } else {
            value = value.replace(/\s+#.*$/, "");
        }
        values[match[1]] = value;
    }
    return values;
}

/** The name of an `os.environ/NAME` reference, or undefined. */
function referenceName(value: unknown): string | undefined {
    return typeof value === "string" && value.startsWith(ENV_REFERENCE_PREFIX) ? value.slice(ENV_REFERENCE_PREFIX.length) : undefined;
}

/** Model entries commented out inside model_list, each with the comment line above it. */
export function commentedModels(configYaml: string): { entry: Json; heading: string }[] {
    const lines = configYaml.split(/\r?\n/);
    const found: { entry: Json; heading: string }[] = [];
    let inModelList = false;
    let run: string[] = [];
    const flush = () => {
        const start = run.findIndex((l) => /^\s*-\s+model_name\s*:/.test(l));
        if (start !== -1) {
            const heading = run.slice(0, start).join(" ").trim();
            const block = run.slice(start);
            const indent = /^\s*/.exec(block[0])?.[0].length ?? 0;
            try {
                const parsed = parseYaml(block.map((l) => l.slice(Math.min(indent, /^\s*/.exec(l)?.[0].length ?? 0))).join("\n"), { version: "1.1" }) as unknown;
                if (Array.isArray(parsed)) {
                    parsed.filter(isObject).forEach((entry) => found.push({ entry, heading }));
                }
            } catch {
                // Commented-out text that is not YAML: not a model entry.
            }
        }
        run = [];
    };
    for (const line of lines) {
        if (/^[A-Za-z_]/.test(line)) {
            flush();
            inModelList = /^model_list\s*:/.test(line);
            continue;
        }
        if (!inModelList) {
            continue;
        }
        const comment = /^\s*#\s?(.*)$/.exec(line);
        if (comment) {
            run.push(comment[1]);
        } else {
            flush();
        }
    }
    flush();
    return found;
}

const ROUTER_MAP: Record<string, string> = {
    routing_strategy: "routingStrategy",
    num_retries: "numRetries",
    timeout: "requestTimeoutSeconds",
    retry_after: "retryAfterSeconds",
    allowed_fails: "allowedFails",
    cooldown_time: "cooldownSeconds",
};

/** Reads the guide's files; the result still goes through validation (importGuide). */
function translate(files: GuideFiles, options: ImportOptions): GuideImport {
    const config: Json = {};
    const secrets: SecretToSet[] = [];
    const notCarried: NotCarried[] = [];
    const moved: NotCarried[] = [];
    const env = files.env === undefined ? {} : parseEnvFile(files.env);
    const drop = (setting: string, reason: string) => notCarried.push({ setting, reason });
    const move = (setting: string, reason: string) => moved.push({ setting, reason });

    let document: unknown;
    try {
        document = parseYaml(files.configYaml, { version: "1.1" });
    } catch (error) {
        throw new Error(`config.yaml is not valid YAML (${(error as Error).message.split("\n")[0]}); nothing was imported.`);
    }
    if (!isObject(document)) {
        throw new Error("config.yaml has no settings (its top level must be a mapping); nothing was imported.");
    }

    // ---- model_list -----------------------------------------------------------------------------
    const keyNames = new Map<string, string>(); // env name in config.yaml -> provider key name in the stack
    const models: Json[] = [];
    const entries: { entry: unknown; where: string }[] = (Array.isArray(document.model_list) ? document.model_list : []).map((entry, index) => ({
        entry,
        where: `model_list[${index}]`,
    }));
    const fallbackModels: string[] = [];
    for (const { entry, heading } of commentedModels(files.configYaml)) {
        const name = typeof entry.model_name === "string" ? entry.model_name : "(unnamed)";
        if (options.uncommentModels) {
            entries.push({ entry, where: `model_list (commented out) ${name}` });
            if (/fallback/i.test(heading) || /fallback/i.test(name)) {
                fallbackModels.push(name);
            }
        } else {
            drop(`model_list (commented out) ${name}`, "commented out in config.yaml, so LiteLLM does not load it; run the import with --uncomment-models to carry it over.");
        }
    }
    for (const { entry, where } of entries) {
        if (!isObject(entry)) {
            drop(where, "not a model entry (a mapping with model_name and litellm_params).");
            continue;
        }
        const params = isObject(entry.litellm_params) ? entry.litellm_params : {};
        const model: Json = { name: entry.model_name, model: params.model };
        const apiKey = params.api_key;
        const referenced = referenceName(apiKey);
        if (referenced !== undefined) {
            const name = referenced === "HF_TOKEN" || checkProviderKeyName(referenced) === "ok" ? referenced : suggestProviderKeyName(referenced);
            if (name !== referenced) {
                move(`${where}.litellm_params.api_key`, `os.environ/${referenced} becomes ${name}: provider keys are named <PROVIDER>_API_KEY in this stack.`);
            }
            keyNames.set(referenced, name);
            model.apiKeyEnv = name;
        } else if (typeof apiKey === "string" && apiKey !== "") {
            const provider = typeof params.model === "string" ? params.model.split("/")[0] : "provider";
            const name = suggestProviderKeyName(provider);
            move(`${where}.litellm_params.api_key`, `was written into config.yaml in plain text; it becomes the secret providerKeys.${name} (the value is not shown here).`);
            secrets.push({ key: `providerKeys.${name}`, reason: `the key ${where} had in plain text in config.yaml; copy it from there` });
            model.apiKeyEnv = name;
        }
        const apiBase = params.api_base;
        const baseReference = referenceName(apiBase);
        if (baseReference !== undefined) {
            if (env[baseReference] !== undefined && !hasControlCharacters(env[baseReference])) {
                model.apiBase = env[baseReference];
                move(`${where}.litellm_params.api_base`, `os.environ/${baseReference} is written as the URL from .env: it is not a secret, and config.yaml holds it.`);
            } else {
                drop(`${where}.litellm_params.api_base`, `os.environ/${baseReference} has no value in .env; set the URL with pulumi config set --path '<models entry>.apiBase'.`);
            }
        } else if (apiBase !== undefined) {
            model.apiBase = apiBase;
        }
        for (const limit of ["rpm", "tpm"] as const) {
            const value = params[limit] ?? entry[limit];
            if (value !== undefined) {
                model[limit] = value;
            }
        }
        for (const key of Object.keys(params)) {
            if (!["model", "api_key", "api_base", "rpm", "tpm"].includes(key)) {
                drop(`${where}.litellm_params.${key}`, "this stack has no setting for it (only model, api_key, api_base, rpm and tpm).");
            }
        }
        for (const key of Object.keys(entry)) {
            if (!["model_name", "litellm_params", "rpm", "tpm"].includes(key)) {
                drop(`${where}.${key}`, "this stack has no setting for it.");
            }
        }
        models.push(model);
    }
    if (models.length > 0) {
        config.models = models;
    }

    // ---- the guide's top-level rate_limits, which LiteLLM does not read ------------------------------
    if (document.rate_limits !== undefined) {
        const limits = Array.isArray(document.rate_limits) ? document.rate_limits : [];
        for (const [index, limit] of limits.entries()) {
            const target = isObject(limit) ? models.find((m) => m.name === limit.model) : undefined;
            if (!isObject(limit) || !target) {
                drop(`rate_limits[${index}]`, "names no model of model_list.");
                continue;
            }
            for (const field of ["rpm", "tpm"] as const) {
                if (limit[field] !== undefined) {
                    target[field] = limit[field];
                }
            }
            move(`rate_limits[${index}]`, `LiteLLM reads no top-level rate_limits; they become rpm/tpm on model "${String(limit.model)}", enforced as hard limits (enforceModelRateLimits, router_settings.optional_pre_call_checks).`);
            config.enforceModelRateLimits = "true";
        }
    }

    // ---- general_settings --------------------------------------------------------------------------
    const general = isObject(document.general_settings) ? document.general_settings : {};
    for (const [key, value] of Object.entries(general)) {
        const where = `general_settings.${key}`;
        switch (key) {
            case "master_key":
            case "database_url":
                if (referenceName(value) === undefined) {
                    drop(where, "written in plain text in config.yaml; the stack generates the master key and sets the database URL itself, as environment references (the value is not shown).");
                }
                break;
            case "enable_user_auth":
                drop(where, "LiteLLM has no such setting: virtual keys need only the master key and the database, which the stack provides.");
                break;
            case "max_budget":
                config.maxBudget = Number(value) === 0 ? "" : String(value);
                move(where, Number(value) === 0 ? "0 (the guide: \"Set 0 to disable\") becomes no proxy-wide cap; to LiteLLM a budget of 0 would block every request." : "LiteLLM reads the proxy-wide budget from litellm_settings, not general_settings: it becomes maxBudget.");
                break;
            case "budget_duration":
                config.budgetDuration = String(value);
                move(where, "LiteLLM reads it from litellm_settings: it becomes budgetDuration.");
                break;
            case "ui_access_mode":
                config.dashboardAccess = String(value);
                break;
            default:
                drop(where, "this stack has no setting for it.");
        }
    }

    // ---- router_settings ---------------------------------------------------------------------------
    const router = isObject(document.router_settings) ? document.router_settings : {};
    for (const [key, value] of Object.entries(router)) {
        const where = `router_settings.${key}`;
        if (ROUTER_MAP[key]) {
            config[ROUTER_MAP[key]] = String(value);
        } else if (key === "fallbacks" || key === "context_window_fallbacks") {
            const map: Record<string, unknown> = {};
            for (const item of Array.isArray(value) ? value : []) {
                if (isObject(item)) {
                    Object.assign(map, item);
                }
            }
            config[key === "fallbacks" ? "fallbacks" : "contextWindowFallbacks"] = map;
        } else if (key === "optional_pre_call_checks") {
            const checks = Array.isArray(value) ? value : [];
            config.enforceModelRateLimits = String(checks.includes("enforce_model_rate_limits"));
            if (checks.some((c) => c !== "enforce_model_rate_limits")) {
                drop(where, "only enforce_model_rate_limits has a setting here (enforceModelRateLimits).");
            }
        } else if (key.startsWith("redis_")) {
            drop(where, "the docker and hfspaces targets run one proxy instance without Redis; a multi-instance target wires Redis itself.");
        } else {
            drop(where, "this stack has no setting for it.");
        }
    }

    // ---- litellm_settings --------------------------------------------------------------------------
    const litellm = isObject(document.litellm_settings) ? document.litellm_settings : {};
    for (const [key, value] of Object.entries(litellm)) {
        const where = `litellm_settings.${key}`;
        switch (key) {
            case "telemetry":
                config.telemetry = String(value === true);
                break;
            case "drop_params":
                if (value !== true) {
                    drop(where, "the stack always drops parameters a provider does not support (aiterm sends OpenAI ones).");
                }
                break;
            case "set_verbose":
                drop(where, "deprecated by LiteLLM; the log level is logLevel (LITELLM_LOG).");
                break;
            case "cache":
                config.cache = String(value === true);
                break;
            case "cache_params":
                if (isObject(value)) {
                    if (value.type !== undefined) config.cacheType = String(value.type);
                    if (value.ttl !== undefined) config.cacheTtlSeconds = String(value.ttl);
                    for (const param of Object.keys(value).filter((p) => p !== "type" && p !== "ttl")) {
                        drop(`${where}.${param}`, "this stack has no setting for it (type and ttl only).");
                    }
                }
                break;
            case "max_budget":
                config.maxBudget = String(value);
                break;
            case "budget_duration":
                config.budgetDuration = String(value);
                break;
            case "request_timeout":
                if (config.requestTimeoutSeconds === undefined) {
                    config.requestTimeoutSeconds = String(value);
                    move(where, "becomes requestTimeoutSeconds, the router's timeout.");
                } else {
                    drop(where, "router_settings.timeout already sets the request timeout.");
                }
                break;
            case "num_retries":
                if (config.numRetries === undefined) {
                    config.numRetries = String(value);
                } else {
                    drop(where, "router_settings.num_retries already sets it.");
                }
                break;
            default:
                drop(where, "this stack has no setting for it.");
        }
    }

    for (const section of Object.keys(document)) {
        if (!["model_list", "general_settings", "router_settings", "litellm_settings", "rate_limits"].includes(section)) {
            drop(section, section === "environment_variables" ? "the stack sets the proxy's environment itself; put provider keys in providerKeys (values not shown)." : "this stack has no setting for this section.");
        }
    }

    if (fallbackModels.length > 0 && models.length > 0) {
        const primary = String(models[0].name);
        const existing = isObject(config.fallbacks) ? config.fallbacks : {};
        config.fallbacks = { ...existing, [primary]: fallbackModels.filter((name) => name !== primary) };
        move("model_list (commented out)", `${fallbackModels.join(", ")}, labelled as a fallback in config.yaml, becomes the fallback of "${primary}" (fallbacks).`);
    }

    // ---- .env -------------------------------------------------------------------------------------
    const usable = (name: string, pattern: RegExp) => env[name] !== undefined && pattern.test(env[name]) && !/your|change-me|here$/i.test(env[name]);
    for (const name of Object.keys(env)) {
        const where = `.env ${name}`;
        if (name === "HF_TOKEN") {
            continue; // below, with the models' keys
        }
        if (name === "LITELLM_MASTER_KEY") {
            drop(
                where,
                "the stack generates its own master key (an sk- key in its encrypted state). Virtual keys issued with the old one keep working once the database is copied; credentials stored through the dashboard were encrypted with the old master key (the guide sets no LITELLM_SALT_KEY) and must be entered again.",
            );
        } else if (name === "UI_PASSWORD") {
            drop(where, "the stack generates the dashboard password (output dashboardPassword).");
        } else if (name === "UI_USERNAME") {
            config.dashboardUsername = env[name];
        } else if (name === "DATABASE_URL") {
            if (options.target === "hfspaces") {
                secrets.push({ key: "databaseUrl", fromEnv: name, reason: "the Space's database" });
            } else {
                drop(where, "the dev stack runs its own Postgres and builds DATABASE_URL itself; to keep keys and spend, copy the old database across (README, Moving from the docker compose setup).");
            }
        } else if (name === "LITELLM_PORT") {
            if (options.target === "docker") {
                config.port = env[name];
                move(where, "the guide published the proxy on this host port; it becomes port (on 127.0.0.1 unless bindAddress says otherwise).");
            } else {
                drop(where, "a Space always serves on its own port (7860).");
            }
        } else if (name === "LOG_LEVEL" || name === "LITELLM_LOG") {
            config.logLevel = env[name];
            if (name === "LOG_LEVEL") {
                move(where, "LiteLLM ignores LOG_LEVEL; it becomes logLevel, which the stack sets as LITELLM_LOG.");
            }
        } else if (checkProviderKeyName(name) === "ok" || [...keyNames.keys()].includes(name)) {
            // Provider keys: below.
        } else {
            drop(where, "not a setting of this stack, and not a <PROVIDER>_API_KEY name (the value is not shown).");
        }
    }

    const needed = new Set<string>(models.map((m) => m.apiKeyEnv).filter((n): n is string => typeof n === "string"));
    for (const name of Object.keys(env)) {
        if (checkProviderKeyName(name) === "ok") {
            needed.add(name);
        }
    }
    for (const name of [...needed].sort()) {
        const envName = [...keyNames.entries()].find(([, stackName]) => stackName === name)?.[0] ?? name;
        if (name === "HF_TOKEN") {
            const fromEnv = usable("HF_TOKEN", /^hf_[A-Za-z0-9]{8,}$/) ? "HF_TOKEN" : undefined;
            secrets.push({ key: "hfToken", fromEnv, reason: fromEnv ? "the models' Hugging Face token" : "the models' Hugging Face token (the .env has none, or a placeholder)" });
        } else if (!secrets.some((s) => s.key === `providerKeys.${name}`)) {
            const fromEnv = usable(envName, /^[\x21-\x7e]{8,}$/) ? envName : undefined;
            secrets.push({ key: `providerKeys.${name}`, fromEnv, reason: fromEnv ? `${name} for the models` : `${name} for the models (not in .env: paste it)` });
        }
    }
    if (options.target === "hfspaces" && !secrets.some((s) => s.key === "databaseUrl")) {
        secrets.push({ key: "databaseUrl", reason: "the Space's database (the .env has no DATABASE_URL)" });
    }
    if (options.target === "hfspaces" && !secrets.some((s) => s.key === "hfToken")) {
        secrets.push({ key: "hfToken", reason: "a write token to manage the Space" });
    }
    return { config, secrets, notCarried, moved };
}

/** Placeholder values of the right shape, to validate the imported config before the user sets their secrets. */
function validationSecrets(secrets: readonly SecretToSet[]): Record<string, string> {
    const providerKeys: Record<string, string> = {};
    const values: Record<string, string> = {};
    for (const secret of secrets) {
        if (secret.key === "hfToken") {
            values.hfToken = "hf_validationplaceholder0000";
        } else if (secret.key === "databaseUrl") {
            values.databaseUrl = "postgresql://user:password@db.example.com:5432/postgres";
        } else if (secret.key.startsWith("providerKeys.")) {
            providerKeys[secret.key.slice("providerKeys.".length)] = "validation-placeholder-key";
        }
    }
    return { ...values, ...(Object.keys(providerKeys).length > 0 ? { providerKeys: JSON.stringify(providerKeys) } : {}) };
}

/** Removes the part of `config` a problem key points at (`models[1].name` drops models[1]); false if nothing could be. */
function removeOffending(config: Json, problemKey: string): string | undefined {
    const [top, index] = /^([A-Za-z]+)(?:\[(\d+)\])?/.exec(problemKey)?.slice(1) ?? [];
    if (!top || config[top] === undefined) {
        return undefined;
    }
    if (index !== undefined && Array.isArray(config[top])) {
        const list = config[top] as unknown[];
        const [removed] = list.splice(Number(index), 1);
        if (list.length === 0) {
            delete config[top];
        }
        return `${top}[${index}]${isObject(removed) && typeof removed.name === "string" ? ` (${removed.name})` : ""}`;
    }
    delete config[top];
    return top;
}

/**
 * The guide's files as this stack's configuration. Whatever the stack refuses (a model name
 * LiteLLM would resolve as an environment reference, a budget of 1e309, ...) is dropped with the
 * stack's own message, so the result always passes `pulumi preview`'s validation.
 */
export function importGuide(files: GuideFiles, options: ImportOptions): GuideImport {
    const result = translate(files, options);
    const stack = options.target === "hfspaces" ? "hfspaces" : "dev";
    for (let round = 0; round < 50; round++) {
        const raw: Record<string, unknown> = { ...result.config, target: options.target, ...validationSecrets(result.secrets) };
        try {
            parseSettings((key) => (raw[key] === undefined ? undefined : typeof raw[key] === "string" ? (raw[key] as string) : JSON.stringify(raw[key])), stack);
            break;
        } catch (error) {
            if (!(error instanceof ConfigError)) {
                throw error;
            }
            const fixable = error.problems.find((p) => result.config[p.key.split(/[.[]/)[0]] !== undefined);
            if (!fixable) {
                break; // about secrets only: the user sets them
            }
            const removed = removeOffending(result.config, fixable.key);
            // A dropped model can take fallbacks naming it along: those are reported on the next round.
            result.notCarried.push({ setting: `imported ${removed ?? fixable.key}`, reason: `the stack refuses it: ${fixable.key} ${fixable.problem}` });
        }
    }
    return result;
}

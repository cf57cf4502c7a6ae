/**
 * The typed deployment settings shared by both stacks: their defaults, and the validation that
 * runs before any resource is declared. Pure: it takes the stack's raw config values (strings, as
 * Pulumi stores them) and returns settings, or throws a ConfigError naming every bad key.
 */
import { checkDatabaseUrl } from "./databaseUrl";
import { checkImagePin } from "./images";
import { ConfigError, ConfigProblem, configWarning, removeCommand, setCommand } from "./messages";
import { RESERVED_ENV_NAMES } from "./proxyEnvironment";

export type DeploymentTarget = "docker" | "hfspaces";
export const DEPLOYMENT_TARGETS: readonly DeploymentTarget[] = ["docker", "hfspaces"];

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";
const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];

export type SpaceVisibility = "public" | "protected" | "private";
const SPACE_VISIBILITIES: readonly SpaceVisibility[] = ["public", "protected", "private"];

/** What `pulumi destroy` does to the Space: `auto` deletes one this stack created and keeps one it adopted. */
export type SpaceDestroyPolicy = "auto" | "keep" | "delete";
const SPACE_DESTROY_POLICIES: readonly SpaceDestroyPolicy[] = ["auto", "keep", "delete"];

/** One entry of LiteLLM's `model_list`. */
export interface ModelSettings {
    /** The name clients ask for (`aiterm config set model <name>`). */
    name: string;
    /** LiteLLM's provider-prefixed model id (`huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct`). */
    model: string;
    /** The environment variable holding the provider's API key; none for keyless providers (Ollama). */
    apiKeyEnv?: string;
    /** The provider's base URL, for self-hosted or proxied providers. */
    apiBase?: string;
}

/** A LiteLLM virtual key declared in the stack: what aiterm (or another client) uses. */
export interface VirtualKeySettings {
    /** LiteLLM's key_alias: unique, stable name of the key. */
    alias: string;
    /** Model names the key may use; empty means every model. */
    models: string[];
    /** Spend cap in USD over budgetDuration. */
    maxBudget?: number;
    budgetDuration?: string;
    /** Requests per minute. */
    rpmLimit?: number;
    /** Tokens per minute. */
    tpmLimit?: number;
    metadata?: Record<string, string>;
}

/** What both targets share: the proxy itself. */
export interface ProxySettings {
    models: ModelSettings[];
    /** LiteLLM image, pinned by version and digest. */
    litellmImage: string;
    dashboardUsername: string;
    /** Proxy-wide spend cap in USD; undefined means no cap. */
    maxBudget?: number;
    budgetDuration: string;
    logLevel: LogLevel;
    /** Names of the provider-key environment variables for which this stack holds a value. */
    providerKeyNames: string[];
    /** Virtual keys this stack creates on the proxy once it runs. */
    virtualKeys: VirtualKeySettings[];
}

/** The local Docker target (stack `dev`). */
export interface DockerSettings {
    postgresImage: string;
    /** Host port the proxy is published on. */
    port: number;
    /** Host address the proxy is published on. */
    bindAddress: string;
    keepDataOnDestroy: boolean;
    /** How long `pulumi up` waits for a container to report healthy. */
    startupTimeoutSeconds: number;
}

/** The Hugging Face Space target (stack `hfspaces`). */
export interface SpaceSettings {
    /** User or organization owning the Space; empty means the token's own user. */
    owner: string;
    name: string;
    visibility: SpaceVisibility;
    /** Base URL of the Hub API. */
    hfEndpoint: string;
    onDestroy: SpaceDestroyPolicy;
    /** How long `pulumi up` waits for the Space to run; 0 means it does not wait. */
    waitTimeoutSeconds: number;
    /** Seconds between two reads of the Space's runtime while waiting. */
    pollIntervalSeconds: number;
}

export interface DeploymentSettings {
    target: DeploymentTarget;
    proxy: ProxySettings;
    docker: DockerSettings;
    space: SpaceSettings;
}

/** Config values a stack provides as secrets, in plain form (the reader wraps them at once). */
export interface ProvidedSecrets {
    hfToken?: string;
    providerKeys: Record<string, string>;
    databaseUrl?: string;
}

export interface ParsedSettings {
    settings: DeploymentSettings;
    secrets: ProvidedSecrets;
    /** Allowed but risky choices, shown by `pulumi preview`. */
    warnings: string[];
}

/** Reads a raw config value by key; undefined when the stack does not set it. */
export type RawConfig = (key: string) => string | undefined;

export const DEFAULT_LITELLM_IMAGE =
    "ghcr.io/berriai/litellm-database:v1.104.0@sha256:5a9ff0fd7177372f2ccd8949cb121f67e281f4d13d026af51f9c096c0626f50a";
export const DEFAULT_POSTGRES_IMAGE =
    "postgres:16-alpine@sha256:57c72fd2a128e416c7fcc499958864df5301e940bca0a56f58fddf30ffc07777";

/** The seed's setup: one `default` model on Hugging Face's Qwen2.5 coder model. */
export const DEFAULT_MODELS: readonly ModelSettings[] = [
    { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
];

/** The seed's key for aiterm: the `default` model, 5 USD per 30 days. */
export const DEFAULT_VIRTUAL_KEYS: readonly VirtualKeySettings[] = [{ alias: "aiterm", models: ["default"], maxBudget: 5, budgetDuration: "30d" }];

/** The defaults of every plain config key; Pulumi.yaml declares the same (a test keeps them equal). */
export const CONFIG_DEFAULTS = {
    target: "",
    models: DEFAULT_MODELS,
    litellmImage: DEFAULT_LITELLM_IMAGE,
    postgresImage: DEFAULT_POSTGRES_IMAGE,
    port: 4000,
    bindAddress: "127.0.0.1",
    dashboardUsername: "admin",
    maxBudget: "",
    budgetDuration: "30d",
    logLevel: "INFO",
    keepDataOnDestroy: true,
    startupTimeoutSeconds: 300,
    spaceOwner: "",
    spaceName: "aiterm-litellm",
    spaceVisibility: "public",
    hfEndpoint: "",
    spaceOnDestroy: "auto",
    spaceWaitTimeoutSeconds: 900,
    spacePollIntervalSeconds: 5,
    virtualKeys: DEFAULT_VIRTUAL_KEYS,
} as const;

/** Keys whose values are secrets; they default to empty. */
export const SECRET_KEYS = ["hfToken", "providerKeys", "databaseUrl"] as const;

/** The environment variable a Hugging Face token is exposed as, to models and to the Space. */
export const HF_TOKEN_ENV = "HF_TOKEN";
const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const MODEL_FIELDS = ["name", "model", "apiKeyEnv", "apiBase"] as const;
const BUDGET_DURATION = /^[1-9][0-9]*(s|m|h|d|mo)$/;
const SPACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const HUB_NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9-]{0,41}$/;

/** `hfspaces` for stacks named after it, `docker` otherwise; the `target` key overrides. */
export function defaultTarget(stack: string): DeploymentTarget {
    return stack === "hfspaces" || stack.startsWith("hfspaces-") ? "hfspaces" : "docker";
}

/** Validates the whole configuration at once, so a user fixes every problem in one round. */
export function parseSettings(raw: RawConfig, stack: string, environment: Readonly<Record<string, string | undefined>> = {}): ParsedSettings {
    const problems: ConfigProblem[] = [];
    const warnings: string[] = [];
    const text = (key: keyof typeof CONFIG_DEFAULTS): string => {
        const value = raw(key);
        return value === undefined ? String(CONFIG_DEFAULTS[key]) : value.trim();
    };

    const target = parseTarget(text("target"), stack, problems);
    const secrets = parseProvidedSecrets(raw, problems);
    const models = parseModels(raw("models"), problems);

    const litellmImage = text("litellmImage");
    problems.push(...checkImagePin("litellmImage", litellmImage, DEFAULT_LITELLM_IMAGE));
    const postgresImage = text("postgresImage");
    if (target === "docker") {
        problems.push(...checkImagePin("postgresImage", postgresImage, DEFAULT_POSTGRES_IMAGE));
    }

    const port = parseInteger("port", text("port"), 1, 65535, problems);
    const bindAddress = text("bindAddress");
    if (!isIPv4(bindAddress)) {
        problems.push({
            key: "bindAddress",
            problem: `"${bindAddress}" is not an IPv4 address of this host.`,
            fix: `${setCommand("bindAddress", "127.0.0.1")} (only this machine), or 0.0.0.0 to expose the proxy on every interface`,
        });
    } else if (target === "docker" && !bindAddress.startsWith("127.")) {
        warnings.push(
            configWarning(
                "bindAddress",
                `the proxy is published on ${bindAddress}:${port}, reachable from other machines on your network; anyone who reaches it still needs a key. ${removeCommand("bindAddress")} to keep it on 127.0.0.1.`,
            ),
        );
    }

    const dashboardUsername = text("dashboardUsername");
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(dashboardUsername)) {
        problems.push({
            key: "dashboardUsername",
            problem: "must be 1-64 letters, digits or . _ @ -.",
            fix: setCommand("dashboardUsername", "admin"),
        });
    }

    const maxBudget = parseBudget(text("maxBudget"), problems);
    const budgetDuration = text("budgetDuration");
    if (!BUDGET_DURATION.test(budgetDuration)) {
        problems.push({
            key: "budgetDuration",
            problem: `"${budgetDuration}" is not a LiteLLM duration (a number followed by s, m, h, d or mo).`,
            fix: setCommand("budgetDuration", "30d"),
        });
    }

    const logLevel = text("logLevel").toUpperCase();
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
        problems.push({
            key: "logLevel",
            problem: `"${logLevel}" is not a LiteLLM log level (${LOG_LEVELS.join(", ")}).`,
            fix: setCommand("logLevel", "INFO"),
        });
    }

    const keepDataOnDestroy = parseBoolean("keepDataOnDestroy", text("keepDataOnDestroy"), problems);
    const startupTimeoutSeconds = parseInteger("startupTimeoutSeconds", text("startupTimeoutSeconds"), 10, 3600, problems);

    const space = parseSpaceSettings(text, environment, problems);
    if (target === "hfspaces") {
        checkSpaceSecrets(secrets, problems);
        if (space.visibility === "private") {
            warnings.push(
                configWarning(
                    "spaceVisibility",
                    `a private Space's app URL answers only requests carrying a Hugging Face token, so aiterm (which sends only its LiteLLM key) cannot use it. Use public, or protected (PRO: files private, app public): ${setCommand("spaceVisibility", "protected")}`,
                ),
            );
        }
    }

    let virtualKeys = parseVirtualKeys(raw("virtualKeys"), models, problems);
    if (target === "hfspaces" && space.hfEndpoint !== DEFAULT_HF_ENDPOINT && virtualKeys.length > 0) {
        warnings.push(
            configWarning(
                "virtualKeys",
                `keys are managed on Spaces of ${DEFAULT_HF_ENDPOINT} only: a Space on ${space.hfEndpoint} serves its app at an address this stack cannot derive. No key is created; create them on the proxy's /key/generate.`,
            ),
        );
        virtualKeys = [];
    }

    const providerKeyNames = [...(secrets.hfToken ? [HF_TOKEN_ENV] : []), ...Object.keys(secrets.providerKeys)].sort();
    for (const [index, model] of models.entries()) {
        if (model.apiKeyEnv && !providerKeyNames.includes(model.apiKeyEnv)) {
            problems.push(missingProviderKey(index, model));
        }
    }
    const used = new Set(models.map((m) => m.apiKeyEnv));
    for (const name of Object.keys(secrets.providerKeys)) {
        if (!used.has(name)) {
            warnings.push(configWarning(`providerKeys.${name}`, "no model reads this key; it is still passed to the proxy."));
        }
    }

    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return {
        settings: {
            target,
            proxy: {
                models,
                litellmImage,
                dashboardUsername,
                maxBudget,
                budgetDuration,
                logLevel: logLevel as LogLevel,
                providerKeyNames,
                virtualKeys,
            },
            docker: { postgresImage, port, bindAddress, keepDataOnDestroy, startupTimeoutSeconds },
            space,
        },
        secrets,
        warnings,
    };
}

function parseTarget(value: string, stack: string, problems: ConfigProblem[]): DeploymentTarget {
    if (value === "") {
        return defaultTarget(stack);
    }
    if ((DEPLOYMENT_TARGETS as readonly string[]).includes(value)) {
        return value as DeploymentTarget;
    }
    problems.push({
        key: "target",
        problem: `"${value}" is not a deployment target (${DEPLOYMENT_TARGETS.join(" or ")}).`,
        fix: `${setCommand("target", "docker")}, or ${removeCommand("target")} to pick it from the stack name`,
    });
    return defaultTarget(stack);
}

function parseModels(value: string | undefined, problems: ConfigProblem[]): ModelSettings[] {
    if (value === undefined) {
        return DEFAULT_MODELS.map((m) => ({ ...m }));
    }
    const example = `${setCommand("models[0].name", "default", { path: true })} and ${setCommand("models[0].model", "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", { path: true })}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        problems.push({ key: "models", problem: "is not a list of models.", fix: `edit it in Pulumi.<stack>.yaml, or ${example}` });
        return [];
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        problems.push({
            key: "models",
            problem: "must be a non-empty list of models (each with name and model).",
            fix: `${example}, or ${removeCommand("models")} for the default model`,
        });
        return [];
    }
    const models: ModelSettings[] = [];
    const seen = new Set<string>();
    parsed.forEach((entry: unknown, index: number) => {
        const key = `models[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push({ key, problem: "must be an object with name and model.", fix: example });
            return;
        }
        const fields = entry as Record<string, unknown>;
        problems.push(...unknownFields(key, fields, MODEL_FIELDS, "model"));
        const name = fields.name;
        const model = fields.model;
        if (typeof name !== "string" || !MODEL_NAME.test(name)) {
            problems.push({
                key: `${key}.name`,
                problem: "must be a model name clients can ask for (letters, digits and . _ : / -, up to 64).",
                fix: setCommand(`${key}.name`, "default", { path: true }),
            });
        } else if (seen.has(name)) {
            problems.push({
                key: `${key}.name`,
                problem: `"${name}" is used by an earlier model; names must be unique (LiteLLM would load-balance them as one).`,
                fix: setCommand(`${key}.name`, `${name}-2`, { path: true }),
            });
        } else {
            seen.add(name);
        }
        if (typeof model !== "string" || !/^[a-z0-9_-]+\/\S+$/.test(model)) {
            problems.push({
                key: `${key}.model`,
                problem: "must be LiteLLM's provider-prefixed model id (provider/model, e.g. openai/gpt-4o-mini).",
                fix: setCommand(`${key}.model`, "openai/gpt-4o-mini", { path: true }),
            });
        }
        const apiKeyEnv = fields.apiKeyEnv;
        if (apiKeyEnv !== undefined && (typeof apiKeyEnv !== "string" || !ENV_NAME.test(apiKeyEnv))) {
            problems.push({
                key: `${key}.apiKeyEnv`,
                problem: "must be an environment variable name (upper case letters, digits and _).",
                fix: setCommand(`${key}.apiKeyEnv`, "OPENAI_API_KEY", { path: true }),
            });
        } else if (typeof apiKeyEnv === "string" && RESERVED_ENV_NAMES.has(apiKeyEnv)) {
            problems.push({
                key: `${key}.apiKeyEnv`,
                problem: `${apiKeyEnv} is set by this stack for the proxy itself and cannot hold a provider key.`,
                fix: setCommand(`${key}.apiKeyEnv`, "OPENAI_API_KEY", { path: true }),
            });
        }
        const apiBase = fields.apiBase;
        if (apiBase !== undefined && (typeof apiBase !== "string" || !isHttpUrl(apiBase))) {
            problems.push({
                key: `${key}.apiBase`,
                problem: "must be an http:// or https:// URL.",
                fix: setCommand(`${key}.apiBase`, "http://host.docker.internal:11434", { path: true }),
            });
        }
        if (typeof name === "string" && typeof model === "string") {
            models.push({
                name,
                model,
                ...(typeof apiKeyEnv === "string" ? { apiKeyEnv } : {}),
                ...(typeof apiBase === "string" ? { apiBase } : {}),
            });
        }
    });
    return models;
}

const KEY_FIELDS = ["alias", "models", "maxBudget", "budgetDuration", "rpmLimit", "tpmLimit", "metadata"] as const;

function parseVirtualKeys(value: string | undefined, models: readonly ModelSettings[], problems: ConfigProblem[]): VirtualKeySettings[] {
    if (value === undefined) {
        return DEFAULT_VIRTUAL_KEYS.map((k) => ({ ...k, models: [...k.models] }));
    }
    const example = `${setCommand("virtualKeys[0].alias", "aiterm", { path: true })} and ${setCommand("virtualKeys[0].models[0]", "default", { path: true })}`;
    let parsed: unknown;
    try {
        parsed = JSON.parse(value);
    } catch {
        parsed = undefined;
    }
    if (!Array.isArray(parsed)) {
        problems.push({ key: "virtualKeys", problem: "is not a list of keys.", fix: `edit it in Pulumi.<stack>.yaml, or ${example}` });
        return [];
    }
    const modelNames = models.map((m) => m.name);
    const keys: VirtualKeySettings[] = [];
    const aliases = new Set<string>();
    parsed.forEach((entry: unknown, index: number) => {
        const key = `virtualKeys[${index}]`;
        if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
            problems.push({ key, problem: "must be an object with at least an alias.", fix: example });
            return;
        }
        const fields = entry as Record<string, unknown>;
        problems.push(...unknownFields(key, fields, KEY_FIELDS, "key"));
        const { alias, models: allowed = [], maxBudget, budgetDuration, rpmLimit, tpmLimit, metadata } = fields;
        let valid = true;
        const fail = (field: string, problem: string, fix: string) => {
            problems.push({ key: `${key}.${field}`, problem, fix });
            valid = false;
        };
        if (typeof alias !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(alias)) {
            fail("alias", "must be a key name (1-64 letters, digits, . _ -).", setCommand(`${key}.alias`, "aiterm", { path: true }));
        } else if (aliases.has(alias)) {
            fail("alias", `"${alias}" is used by an earlier key; aliases must be unique.`, setCommand(`${key}.alias`, `${alias}-2`, { path: true }));
        } else {
            aliases.add(alias);
        }
        if (!Array.isArray(allowed) || !allowed.every((m) => typeof m === "string")) {
            fail("models", "must be a list of model names (empty for every model).", setCommand(`${key}.models[0]`, modelNames[0] ?? "default", { path: true }));
        } else {
            allowed.forEach((name: string, modelIndex: number) => {
                if (!modelNames.includes(name)) {
                    fail(
                        `models[${modelIndex}]`,
                        `"${name}" is not in the stack's model list (${modelNames.join(", ") || "empty"}); the proxy would reject every request for it.`,
                        setCommand(`${key}.models[${modelIndex}]`, modelNames[0] ?? "default", { path: true }),
                    );
                }
            });
        }
        if (maxBudget !== undefined && !(typeof maxBudget === "number" && maxBudget > 0)) {
            fail("maxBudget", "must be a positive amount in USD.", setCommand(`${key}.maxBudget`, "5", { path: true }));
        }
        if (budgetDuration !== undefined && !(typeof budgetDuration === "string" && BUDGET_DURATION.test(budgetDuration))) {
            fail("budgetDuration", "is not a LiteLLM duration (a number followed by s, m, h, d or mo).", setCommand(`${key}.budgetDuration`, "30d", { path: true }));
        }
        for (const [field, limit] of [["rpmLimit", rpmLimit], ["tpmLimit", tpmLimit]] as const) {
            if (limit !== undefined && !(typeof limit === "number" && Number.isInteger(limit) && limit > 0)) {
                fail(field, "must be a positive whole number.", setCommand(`${key}.${field}`, "60", { path: true }));
            }
        }
        const metadataIsValid =
            metadata === undefined ||
            (typeof metadata === "object" && metadata !== null && !Array.isArray(metadata) && Object.values(metadata).every((v) => typeof v === "string"));
        if (!metadataIsValid) {
            fail("metadata", "must be a map of names to text values.", setCommand(`${key}.metadata.owner`, "me", { path: true }));
        }
        if (valid) {
            keys.push({
                alias: alias as string,
                models: allowed as string[],
                ...(maxBudget !== undefined ? { maxBudget: maxBudget as number } : {}),
                ...(budgetDuration !== undefined ? { budgetDuration: budgetDuration as string } : {}),
                ...(rpmLimit !== undefined ? { rpmLimit: rpmLimit as number } : {}),
                ...(tpmLimit !== undefined ? { tpmLimit: tpmLimit as number } : {}),
                ...(metadata !== undefined ? { metadata: metadata as Record<string, string> } : {}),
            });
        }
    });
    return keys;
}

/** Fields of a list entry that are not settings, e.g. a misspelt `apibase`, with the likely fix. */
function unknownFields(key: string, fields: Record<string, unknown>, known: readonly string[], what: string): ConfigProblem[] {
    return Object.keys(fields)
        .filter((field) => !known.includes(field))
        .map((field) => {
            const suggestion = known.find((f) => f.toLowerCase() === field.toLowerCase());
            return {
                key: `${key}.${field}`,
                problem: `is not a ${what} setting (known: ${known.join(", ")}).`,
                fix: suggestion ? `rename it to ${suggestion}` : `remove it: pulumi config rm --path '${key}.${field}'`,
            };
        });
}

function parseProvidedSecrets(raw: RawConfig, problems: ConfigProblem[]): ProvidedSecrets {
    const hfToken = nonEmpty(raw("hfToken"));
    if (hfToken !== undefined && !hfToken.startsWith("hf_")) {
        problems.push({
            key: "hfToken",
            problem: "is not a Hugging Face access token (they start with hf_).",
            fix: `create one at https://huggingface.co/settings/tokens, then ${setCommand("hfToken", "hf_...", { secret: true })}`,
        });
    }
    const providerKeys: Record<string, string> = {};
    const rawKeys = nonEmpty(raw("providerKeys"));
    const example = setCommand("providerKeys.OPENAI_API_KEY", "sk-...", { secret: true, path: true });
    if (rawKeys !== undefined) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(rawKeys);
        } catch {
            parsed = undefined;
        }
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
            problems.push({ key: "providerKeys", problem: "must be a map of environment variable names to API keys.", fix: example });
        } else {
            for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
                const key = `providerKeys.${name}`;
                if (name === HF_TOKEN_ENV) {
                    problems.push({
                        key,
                        problem: "the Hugging Face token has its own key, hfToken.",
                        fix: `pulumi config rm --path '${key}' and ${setCommand("hfToken", "hf_...", { secret: true })}`,
                    });
                } else if (!ENV_NAME.test(name) || RESERVED_ENV_NAMES.has(name)) {
                    problems.push({
                        key,
                        problem: RESERVED_ENV_NAMES.has(name)
                            ? `${name} is set by this stack for the proxy itself.`
                            : "is not an environment variable name (upper case letters, digits and _).",
                        fix: example,
                    });
                } else if (typeof value !== "string" || value.trim() === "") {
                    problems.push({ key, problem: "must be a non-empty string.", fix: example });
                } else {
                    providerKeys[name] = value;
                }
            }
        }
    }
    return { hfToken, providerKeys, databaseUrl: nonEmpty(raw("databaseUrl")) };
}

function parseSpaceSettings(
    text: (key: keyof typeof CONFIG_DEFAULTS) => string,
    environment: Readonly<Record<string, string | undefined>>,
    problems: ConfigProblem[],
): SpaceSettings {
    const owner = text("spaceOwner");
    if (owner !== "" && !HUB_NAMESPACE.test(owner)) {
        problems.push({
            key: "spaceOwner",
            problem: `"${owner}" is not a Hugging Face user or organization name.`,
            fix: `${setCommand("spaceOwner", "<your-hf-username>")}, or ${removeCommand("spaceOwner")} to use the token's user`,
        });
    }
    const name = text("spaceName");
    if (!SPACE_NAME.test(name) || /--|\.\./.test(name) || /[.-]$/.test(name)) {
        problems.push({
            key: "spaceName",
            problem: `"${name}" is not a valid Space name (letters, digits, - _ . ; no -- or .., not ending in - or .).`,
            fix: setCommand("spaceName", "aiterm-litellm"),
        });
    }
    const visibility = text("spaceVisibility");
    if (!(SPACE_VISIBILITIES as readonly string[]).includes(visibility)) {
        problems.push({
            key: "spaceVisibility",
            problem: `"${visibility}" is not a Space visibility (${SPACE_VISIBILITIES.join(", ")}).`,
            fix: setCommand("spaceVisibility", "public"),
        });
    }
    const configuredEndpoint = text("hfEndpoint");
    const hfEndpoint = (configuredEndpoint || nonEmpty(environment.HF_ENDPOINT) || DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
    if (!isHttpUrl(hfEndpoint)) {
        problems.push({
            key: "hfEndpoint",
            problem: `"${hfEndpoint}" is not an http(s) URL${configuredEndpoint ? "" : " (it came from the HF_ENDPOINT environment variable)"}.`,
            fix: `${setCommand("hfEndpoint", DEFAULT_HF_ENDPOINT)}`,
        });
    }
    const onDestroy = text("spaceOnDestroy");
    if (!(SPACE_DESTROY_POLICIES as readonly string[]).includes(onDestroy)) {
        problems.push({
            key: "spaceOnDestroy",
            problem: `"${onDestroy}" is not one of ${SPACE_DESTROY_POLICIES.join(", ")} (auto deletes a Space this stack created and keeps one it adopted).`,
            fix: setCommand("spaceOnDestroy", "auto"),
        });
    }
    const waitTimeoutSeconds = parseInteger("spaceWaitTimeoutSeconds", text("spaceWaitTimeoutSeconds"), 0, 7200, problems);
    const pollIntervalSeconds = parseInteger("spacePollIntervalSeconds", text("spacePollIntervalSeconds"), 0, 60, problems);
    return {
        owner,
        name,
        visibility: visibility as SpaceVisibility,
        hfEndpoint,
        onDestroy: onDestroy as SpaceDestroyPolicy,
        waitTimeoutSeconds,
        pollIntervalSeconds,
    };
}

function checkSpaceSecrets(secrets: ProvidedSecrets, problems: ConfigProblem[]): void {
    if (!secrets.hfToken) {
        problems.push({
            key: "hfToken",
            problem: "is required for the hfspaces stack (it creates and updates the Space).",
            fix: `create a token with write access at https://huggingface.co/settings/tokens, then ${setCommand("hfToken", "hf_...", { secret: true })}`,
        });
    }
    if (!secrets.databaseUrl) {
        problems.push({
            key: "databaseUrl",
            problem: "is required for the hfspaces stack: a Space has no database of its own (virtual keys and spend live there).",
            fix: `create a Postgres database (Supabase pooler, Neon, ...), then ${setCommand("databaseUrl", "'postgresql://USER:URL_ENCODED_PASSWORD@HOST:5432/DATABASE'", { secret: true })}`,
        });
    } else {
        problems.push(...checkDatabaseUrl("databaseUrl", secrets.databaseUrl));
    }
}

function missingProviderKey(index: number, model: ModelSettings): ConfigProblem {
    const name = model.apiKeyEnv ?? "";
    return {
        key: `models[${index}].apiKeyEnv`,
        problem: `model "${model.name}" reads its API key from ${name}, but the stack holds no value for ${name}.`,
        fix:
            name === HF_TOKEN_ENV
                ? setCommand("hfToken", "hf_...", { secret: true })
                : setCommand(`providerKeys.${name}`, "<api key>", { secret: true, path: true }),
    };
}

function parseInteger(key: string, value: string, min: number, max: number, problems: ConfigProblem[]): number {
    const parsed = Number(value);
    if (!/^-?[0-9]+$/.test(value) || parsed < min || parsed > max) {
        problems.push({
            key,
            problem: `"${value}" is not a whole number between ${min} and ${max}.`,
            fix: setCommand(key, String(CONFIG_DEFAULTS[key as keyof typeof CONFIG_DEFAULTS])),
        });
        return min;
    }
    return parsed;
}

function parseBoolean(key: string, value: string, problems: ConfigProblem[]): boolean {
    if (value === "true" || value === "false") {
        return value === "true";
    }
    problems.push({ key, problem: `"${value}" is not true or false.`, fix: setCommand(key, "true") });
    return true;
}

function parseBudget(value: string, problems: ConfigProblem[]): number | undefined {
    if (value === "") {
        return undefined;
    }
    const budget = Number(value);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || !(budget > 0)) {
        problems.push({
            key: "maxBudget",
            problem: `"${value}" is not a positive amount in USD.`,
            fix: `${setCommand("maxBudget", "50")}, or ${removeCommand("maxBudget")} for no proxy-wide cap`,
        });
        return undefined;
    }
    return budget;
}

function nonEmpty(value: string | undefined): string | undefined {
    return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isIPv4(value: string): boolean {
    const parts = value.split(".");
    return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

function isHttpUrl(value: string): boolean {
    try {
        const url = new URL(value);
        return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
    } catch {
        return false;
    }
}

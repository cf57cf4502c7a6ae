/**
 * `models`: LiteLLM's model list. Every field reaches config.yaml, so every string is checked
 * against the hostile-input rules (no `os.environ/` references, no control characters, URLs
 * without credentials and without a key sent in clear text).
 */
import { setCommand } from "../messages";
import { configKey } from "./declaration";
import { ConfigInput, fieldNumber } from "./input";
import { entryObject, refuseUnknownFields } from "./listEntries";
import type { ModelSettings } from "./types";
import {
    checkProviderKeyName,
    isEnvironmentReference,
    isLocalOrPrivateHost,
    parseHttpUrl,
    suggestProviderKeyName,
} from "./untrusted";

/** The environment variable a Hugging Face token is exposed as, to models and to the Space. */
export const HF_TOKEN_ENV = "HF_TOKEN";

/** The seed's setup: one `default` model on Hugging Face's Qwen2.5 coder model. */
export const DEFAULT_MODELS: readonly ModelSettings[] = [
    { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: HF_TOKEN_ENV },
];

export const modelsKey = configKey({
    key: "models",
    type: "list",
    default: DEFAULT_MODELS,
    defaultShown: "the seed model (see [Models](#models))",
    description:
        "The model list: each entry has name (what clients ask for), model (LiteLLM's provider/model id), optional apiKeyEnv (environment variable holding the provider key), apiBase, rpm and tpm.",
    accepts:
        "A non-empty list. `name`: 1-64 letters, digits, `. _ : / -`, unique, not starting with `os.environ/`. `model`: `provider/model`, printable, no spaces. `apiKeyEnv`: `HF_TOKEN` or a `<PROVIDER>_API_KEY` name the stack holds a key for. `apiBase`: an http(s) URL without credentials; `http://` only without a key or to a local or private host. `rpm`, `tpm`: whole numbers up to 1e9.",
});

const MODEL_FIELDS = ["name", "model", "apiKeyEnv", "apiBase", "rpm", "tpm"] as const;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const MODEL_ID = /^[a-z0-9_-]{1,40}\/[\x21-\x7e]{1,200}$/;
const RATE_LIMIT_MAX = 1_000_000_000;

export interface ParsedModels {
    /** The valid entries. */
    models: ModelSettings[];
    /**
     * Every name the list declares, valid entry or not: what other settings (keys, fallbacks) are
     * checked against, so that one bad model is reported once, not again by everything naming it.
     */
    names: string[];
}

export function parseModels(input: ConfigInput): ParsedModels {
    const example = `${setCommand("models[0].name", "default", { path: true })} and ${setCommand("models[0].model", "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", { path: true })}`;
    const parsed = input.structured(modelsKey, `edit it in Pulumi.<stack>.yaml, or ${example}`);
    if (parsed === undefined) {
        return { models: [], names: [] };
    }
    if (!Array.isArray(parsed) || parsed.length === 0) {
        input.problem("models", "must be a non-empty list of models (each with name and model).", `${example}, or pulumi config rm models for the default model`);
        return { models: [], names: [] };
    }
    const names = parsed.map((entry: unknown) => (entry && typeof entry === "object" ? (entry as Record<string, unknown>).name : undefined)).filter((n): n is string => typeof n === "string");
    const models: ModelSettings[] = [];
    const seen = new Set<string>();
    parsed.forEach((entry: unknown, index: number) => {
        const key = `models[${index}]`;
        const fields = entryObject(input, key, entry, "name and model", example);
        if (!fields) {
            return;
        }
        refuseUnknownFields(input, key, fields, MODEL_FIELDS, "model");
        const model = parseModel(input, key, fields, seen, names, freeName(names, index));
        if (model) {
            models.push(model);
        }
    });
    return { models, names };
}

/** A name no entry uses, to suggest for entry `index`. */
function freeName(names: readonly string[], index: number): string {
    if (index === 0 && !names.includes("default")) {
        return "default";
    }
    let n = index + 1;
    while (names.includes(`model-${n}`)) {
        n++;
    }
    return `model-${n}`;
}

function parseModel(
    input: ConfigInput,
    key: string,
    fields: Record<string, unknown>,
    seen: Set<string>,
    taken: readonly string[],
    suggestedName: string,
): ModelSettings | undefined {
    let valid = true;
    const fail = (field: string, problem: string, fix: string) => {
        input.problem(`${key}.${field}`, problem, fix);
        valid = false;
    };
    const { name, model, apiKeyEnv, apiBase, rpm, tpm } = fields;

    if (typeof name === "string" && isEnvironmentReference(name)) {
        fail("name", "starts with os.environ/, which LiteLLM would replace by that environment variable's value (and then print and list it).", setCommand(`${key}.name`, suggestedName, { path: true }));
    } else if (typeof name !== "string" || !MODEL_NAME.test(name)) {
        fail("name", "must be a model name clients can ask for (a letter or digit, then letters, digits and . _ : / -, up to 64).", setCommand(`${key}.name`, suggestedName, { path: true }));
    } else if (seen.has(name)) {
        fail(
            "name",
            `"${name}" is used by an earlier model; names must be unique (LiteLLM would load-balance them as one).`,
            setCommand(`${key}.name`, taken.includes(`${name}-2`) || `${name}-2`.length > 64 ? suggestedName : `${name}-2`, { path: true }),
        );
    } else {
        seen.add(name);
    }

    if (typeof model !== "string" || !MODEL_ID.test(model) || isEnvironmentReference(model)) {
        fail("model", "must be LiteLLM's provider-prefixed model id (provider/model, e.g. openai/gpt-4o-mini; printable characters, no spaces).", setCommand(`${key}.model`, "openai/gpt-4o-mini", { path: true }));
    }

    if (apiKeyEnv !== undefined) {
        if (typeof apiKeyEnv !== "string") {
            fail("apiKeyEnv", "must be the name of the environment variable that holds the provider's key.", setCommand(`${key}.apiKeyEnv`, "OPENAI_API_KEY", { path: true }));
        } else if (apiKeyEnv !== "HF_TOKEN") {
            const verdict = checkProviderKeyName(apiKeyEnv);
            if (verdict !== "ok") {
                const suggestion = suggestProviderKeyName(apiKeyEnv);
                fail(
                    "apiKeyEnv",
                    verdict === "reserved-prefix"
                        ? "names a variable LiteLLM or this stack reads for the proxy itself; a provider key cannot use it."
                        : "is not a provider key name: they are HF_TOKEN or <PROVIDER>_API_KEY (upper case letters, digits and _), so that no key can set a variable that controls the proxy or its process (PATH, LD_PRELOAD, LITELLM_*).",
                    `${setCommand(`${key}.apiKeyEnv`, suggestion, { path: true })}, and give the stack that key: ${setCommand(`providerKeys.${suggestion}`, "<api key>", { secret: true, path: true })}`,
                );
            }
        }
    }

    if (apiBase !== undefined) {
        const url = typeof apiBase === "string" ? parseHttpUrl(apiBase) : undefined;
        const example = setCommand(`${key}.apiBase`, "http://host.docker.internal:11434", { path: true });
        if (!url) {
            fail("apiBase", "must be an http:// or https:// URL (no spaces or control characters).", example);
        } else if (url.hasCredentials) {
            fail(
                "apiBase",
                "has a user or password in it. config.yaml is not secret (on a public Space anyone can read it), so credentials never go there.",
                `remove them from the URL, and give the key as a provider key: ${setCommand(`${key}.apiKeyEnv`, "<PROVIDER>_API_KEY", { path: true })} and ${setCommand("providerKeys.<PROVIDER>_API_KEY", "<api key>", { secret: true, path: true })}`,
            );
        } else if (url.protocol === "http:" && apiKeyEnv !== undefined && !isLocalOrPrivateHost(url.hostname)) {
            fail(
                "apiBase",
                `is http:// to ${url.hostname}: the proxy would send the provider key there in clear text.`,
                `use the provider's https:// URL: ${setCommand(`${key}.apiBase`, `https://${url.hostname}`, { path: true })}`,
            );
        }
    }

    const limits: Partial<Record<"rpm" | "tpm", number>> = {};
    for (const [field, value] of [["rpm", rpm], ["tpm", tpm]] as const) {
        if (value === undefined) {
            continue;
        }
        const limit = fieldNumber(value, "whole", RATE_LIMIT_MAX);
        if (limit === undefined) {
            fail(field, `must be a whole number of ${field === "rpm" ? "requests" : "tokens"} per minute, from 1 to ${RATE_LIMIT_MAX}.`, setCommand(`${key}.${field}`, field === "rpm" ? "60" : "10000", { path: true }));
        } else {
            limits[field] = limit;
        }
    }

    if (!valid || typeof name !== "string" || typeof model !== "string") {
        return undefined;
    }
    return {
        name,
        model,
        ...(typeof apiKeyEnv === "string" ? { apiKeyEnv } : {}),
        ...(typeof apiBase === "string" ? { apiBase } : {}),
        ...limits,
    };
}

/** Every model's key must be one the stack holds; the fix names the key that supplies it. */
export function checkModelKeys(input: ConfigInput, models: readonly ModelSettings[], providerKeyNames: readonly string[]): void {
    for (const [index, model] of models.entries()) {
        const name = model.apiKeyEnv;
        if (name === undefined || providerKeyNames.includes(name)) {
            continue;
        }
        input.problem(
            `models[${index}].apiKeyEnv`,
            `model "${model.name}" reads its API key from ${name}, but the stack holds no value for ${name}.`,
            name === HF_TOKEN_ENV
                ? setCommand("hfToken", "hf_...", { secret: true })
                : setCommand(`providerKeys.${name}`, "<api key>", { secret: true, path: true }),
        );
    }
}

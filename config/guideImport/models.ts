/** model_list, and the guide's top-level rate_limits that LiteLLM never read. */
import { checkProviderKeyName, hasControlCharacters, suggestProviderKeyName } from "../settings/untrusted";
import { commentedModels } from "./commentedModels";
import { Draft, isObject, Json, referenceName } from "./types";

export function translateModels(draft: Draft, document: Json, configYaml: string): void {
    const entries: { entry: unknown; where: string }[] = (Array.isArray(document.model_list) ? document.model_list : []).map((entry, index) => ({
        entry,
        where: `model_list[${index}]`,
    }));
    for (const { entry, heading } of commentedModels(configYaml)) {
        const name = typeof entry.model_name === "string" ? entry.model_name : "(unnamed)";
        if (draft.options.uncommentModels) {
            entries.push({ entry, where: `model_list (commented out) ${name}` });
            if (/fallback/i.test(heading) || /fallback/i.test(name)) {
                draft.fallbackModels.push(name);
            }
        } else {
            draft.drop(`model_list (commented out) ${name}`, "commented out in config.yaml, so LiteLLM does not load it; run the import with --uncomment-models to carry it over.");
        }
    }
    for (const { entry, where } of entries) {
        if (!isObject(entry)) {
            draft.drop(where, "not a model entry (a mapping with model_name and litellm_params).");
            continue;
        }
        const params = isObject(entry.litellm_params) ? entry.litellm_params : {};
        const model: Json = { name: entry.model_name, model: params.model };
        const apiKey = params.api_key;
        const referenced = referenceName(apiKey);
        if (referenced !== undefined) {
            const name = referenced === "HF_TOKEN" || checkProviderKeyName(referenced) === "ok" ? referenced : suggestProviderKeyName(referenced);
            if (name !== referenced) {
                draft.move(`${where}.litellm_params.api_key`, `os.environ/${referenced} becomes ${name}: provider keys are named <PROVIDER>_API_KEY in this stack.`);
            }
            draft.keyNames.set(referenced, name);
            model.apiKeyEnv = name;
        } else if (typeof apiKey === "string" && apiKey !== "") {
            const provider = typeof params.model === "string" ? params.model.split("/")[0] : "provider";
            const name = suggestProviderKeyName(provider);
            draft.move(`${where}.litellm_params.api_key`, `was written into config.yaml in plain text; it becomes the secret providerKeys.${name} (the value is not shown here).`);
            draft.secrets.push({ key: `providerKeys.${name}`, reason: `the key ${where} had in plain text in config.yaml; copy it from there` });
            model.apiKeyEnv = name;
        }
        const apiBase = params.api_base;
        const baseReference = referenceName(apiBase);
        if (baseReference !== undefined) {
            if (draft.env[baseReference] !== undefined && !hasControlCharacters(draft.env[baseReference])) {
                model.apiBase = draft.env[baseReference];
                draft.move(`${where}.litellm_params.api_base`, `os.environ/${baseReference} is written as the URL from .env: it is not a secret, and config.yaml holds it.`);
            } else {
                draft.drop(`${where}.litellm_params.api_base`, `os.environ/${baseReference} has no value in .env; set the URL with pulumi config set --path '<models entry>.apiBase'.`);
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
                draft.drop(`${where}.litellm_params.${key}`, "this stack has no setting for it (only model, api_key, api_base, rpm and tpm).");
            }
        }
        for (const key of Object.keys(entry)) {
            if (!["model_name", "litellm_params", "rpm", "tpm"].includes(key)) {
                draft.drop(`${where}.${key}`, "this stack has no setting for it.");
            }
        }
        draft.models.push(model);
    }
    if (draft.models.length > 0) {
        draft.config.models = draft.models;
    }

    // the guide's top-level rate_limits, which LiteLLM does not read
    if (document.rate_limits !== undefined) {
        const limits = Array.isArray(document.rate_limits) ? document.rate_limits : [];
        for (const [index, limit] of limits.entries()) {
            const target = isObject(limit) ? draft.models.find((m) => m.name === limit.model) : undefined;
            if (!isObject(limit) || !target) {
                draft.drop(`rate_limits[${index}]`, "names no model of model_list.");
                continue;
            }
            for (const field of ["rpm", "tpm"] as const) {
                if (limit[field] !== undefined) {
                    target[field] = limit[field];
                }
            }
            draft.move(`rate_limits[${index}]`, `LiteLLM reads no top-level rate_limits; they become rpm/tpm on model "${String(limit.model)}", enforced as hard limits (enforceModelRateLimits, router_settings.optional_pre_call_checks).`);
            draft.config.enforceModelRateLimits = "true";
        }
    }

}

/** A commented-out model labelled as a fallback becomes the fallback of the first model. */
export function translateFallbackModels(draft: Draft): void {
    if (draft.fallbackModels.length > 0 && draft.models.length > 0) {
        const primary = String(draft.models[0].name);
        const existing = isObject(draft.config.fallbacks) ? draft.config.fallbacks : {};
        draft.config.fallbacks = { ...existing, [primary]: draft.fallbackModels.filter((name) => name !== primary) };
        draft.move("model_list (commented out)", `${draft.fallbackModels.join(", ")}, labelled as a fallback in config.yaml, becomes the fallback of "${primary}" (fallbacks).`);
    }

}

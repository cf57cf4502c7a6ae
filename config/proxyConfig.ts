/**
 * settings → LiteLLM's config.yaml, the same file for both targets. Secrets never appear in it:
 * every confidential value is an `os.environ/NAME` reference, and `referencedEnvironment` lists
 * those names so each target can prove it sets them.
 */
import { stringify } from "yaml";
import { PROXY_ENV } from "./proxyEnvironment";
import { ProxySettings } from "./settings";

const ENV_REFERENCE = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

export function envReference(name: string): string {
    return `os.environ/${name}`;
}

/** The config.yaml document as a plain object (sections as LiteLLM reads them). */
export function proxyConfigDocument(settings: ProxySettings): Record<string, unknown> {
    const litellmSettings: Record<string, unknown> = {
        // Clients such as aiterm send OpenAI parameters some providers reject; drop them instead of failing.
        drop_params: true,
    };
    if (settings.maxBudget !== undefined) {
        // Proxy-wide budget: LiteLLM reads it from litellm_settings (the seed put it in general_settings).
        litellmSettings.max_budget = settings.maxBudget;
        litellmSettings.budget_duration = settings.budgetDuration;
    }
    return {
        model_list: settings.models.map((model) => ({
            model_name: model.name,
            litellm_params: {
                model: model.model,
                ...(model.apiKeyEnv ? { api_key: envReference(model.apiKeyEnv) } : {}),
                ...(model.apiBase ? { api_base: model.apiBase } : {}),
            },
        })),
        general_settings: {
            master_key: envReference(PROXY_ENV.masterKey),
            database_url: envReference(PROXY_ENV.databaseUrl),
        },
        litellm_settings: litellmSettings,
    };
}

export function renderProxyConfig(settings: ProxySettings): string {
    return stringify(proxyConfigDocument(settings), { lineWidth: 0 });
}

/** Every NAME the document reads through `os.environ/NAME`, sorted. */
export function referencedEnvironment(document: unknown): string[] {
    const names = new Set<string>();
    const visit = (value: unknown): void => {
        if (typeof value === "string") {
            const match = ENV_REFERENCE.exec(value);
            if (match) {
                names.add(match[1]);
            }
        } else if (Array.isArray(value)) {
            value.forEach(visit);
        } else if (value && typeof value === "object") {
            Object.values(value).forEach(visit);
        }
    };
    visit(document);
    return [...names].sort();
}

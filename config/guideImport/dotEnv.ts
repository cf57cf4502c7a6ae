/** The .env file: settings it carries, and the secrets to set from it (never their values). */
import { checkProviderKeyName } from "../settings/untrusted";
import { Draft } from "./types";

export function translateEnv(draft: Draft): void {
    const usable = (name: string, pattern: RegExp) => draft.env[name] !== undefined && pattern.test(draft.env[name]) && !/your|change-me|here$/i.test(draft.env[name]);
    for (const name of Object.keys(draft.env)) {
        const where = `.env ${name}`;
        if (name === "HF_TOKEN") {
            continue; // below, with the models' keys
        }
        if (name === "LITELLM_MASTER_KEY") {
            draft.drop(
                where,
                "the stack generates its own master key (an sk- key in its encrypted state). Virtual keys issued with the old one keep working once the database is copied; credentials stored through the dashboard were encrypted with the old master key (the guide sets no LITELLM_SALT_KEY) and must be entered again.",
            );
        } else if (name === "UI_PASSWORD") {
            draft.drop(where, "the stack generates the dashboard password (output dashboardPassword).");
        } else if (name === "UI_USERNAME") {
            draft.config.dashboardUsername = draft.env[name];
        } else if (name === "DATABASE_URL") {
            if (draft.options.target === "hfspaces") {
                draft.secrets.push({ key: "databaseUrl", fromEnv: name, reason: "the Space's database" });
            } else {
                draft.drop(where, "the dev stack runs its own Postgres and builds DATABASE_URL itself; to keep keys and spend, copy the old database across (README, Moving from the docker compose setup).");
            }
        } else if (name === "LITELLM_PORT") {
            if (draft.options.target === "docker") {
                draft.config.port = draft.env[name];
                draft.move(where, "the guide published the proxy on this host port; it becomes port (on 127.0.0.1 unless bindAddress says otherwise).");
            } else {
                draft.drop(where, "a Space always serves on its own port (7860).");
            }
        } else if (name === "LOG_LEVEL" || name === "LITELLM_LOG") {
            draft.config.logLevel = draft.env[name];
            if (name === "LOG_LEVEL") {
                draft.move(where, "LiteLLM ignores LOG_LEVEL; it becomes logLevel, which the stack sets as LITELLM_LOG.");
            }
        } else if (checkProviderKeyName(name) === "ok" || [...draft.keyNames.keys()].includes(name)) {
            // Provider keys: below.
        } else {
            draft.drop(where, "not a setting of this stack, and not a <PROVIDER>_API_KEY name (the value is not shown).");
        }
    }

    const needed = new Set<string>(draft.models.map((m) => m.apiKeyEnv).filter((n): n is string => typeof n === "string"));
    for (const name of Object.keys(draft.env)) {
        if (checkProviderKeyName(name) === "ok") {
            needed.add(name);
        }
    }
    for (const name of [...needed].sort()) {
        const envName = [...draft.keyNames.entries()].find(([, stackName]) => stackName === name)?.[0] ?? name;
        if (name === "HF_TOKEN") {
            const fromEnv = usable("HF_TOKEN", /^hf_[A-Za-z0-9]{8,}$/) ? "HF_TOKEN" : undefined;
            draft.secrets.push({ key: "hfToken", fromEnv, reason: fromEnv ? "the models' Hugging Face token" : "the models' Hugging Face token (the .env has none, or a placeholder)" });
        } else if (!draft.secrets.some((s) => s.key === `providerKeys.${name}`)) {
            const fromEnv = usable(envName, /^[\x21-\x7e]{8,}$/) ? envName : undefined;
            draft.secrets.push({ key: `providerKeys.${name}`, fromEnv, reason: fromEnv ? `${name} for the models` : `${name} for the models (not in .env: paste it)` });
        }
    }
    if (draft.options.target === "hfspaces" && !draft.secrets.some((s) => s.key === "databaseUrl")) {
        draft.secrets.push({ key: "databaseUrl", reason: "the Space's database (the .env has no DATABASE_URL)" });
    }
    if (draft.options.target === "hfspaces" && !draft.secrets.some((s) => s.key === "hfToken")) {
        draft.secrets.push({ key: "hfToken", reason: "a write token to manage the Space" });
    }
}

/**
 * The secrets a stack provides: the Hugging Face token, other providers' keys, the Space's
 * database URL. They are read in plain form here only to be validated; messages never repeat
 * them, and stackConfig wraps them as Pulumi secrets before anything else sees them.
 */
import { checkDatabaseUrl } from "../databaseUrl";
import { setCommand } from "../messages";
import { configKey } from "./declaration";
import type { ConfigInput } from "./input";
import { HF_TOKEN_ENV } from "./models";
import type { ProvidedSecrets } from "./types";
import { checkProviderKeyName, isPlainSecretText, suggestProviderKeyName } from "./untrusted";

export const hfTokenKey = configKey({
    key: "hfToken",
    type: "secret",
    default: "",
    description: "Hugging Face access token (hf_...). Models read it as HF_TOKEN; the hfspaces stack also uses it to manage the Space and needs write access.",
    accepts: "`hf_` followed by letters and digits (surrounding whitespace is trimmed; anything else inside is refused).",
});

export const providerKeysKey = configKey({
    key: "providerKeys",
    type: "secret",
    default: {},
    description: "Other provider API keys, by environment variable name (set with --secret --path 'providerKeys.OPENAI_API_KEY').",
    accepts:
        "A map from `<PROVIDER>_API_KEY` names (not `LITELLM_*`, `PROXY_*`, `UI_*`, `DATABASE_*`, `REDIS_*` and other names the proxy reads for itself) to keys of 8-4096 printable characters without spaces. They are the only variables besides the stack's own that reach the proxy's environment.",
});

export const databaseUrlKey = configKey({
    key: "databaseUrl",
    type: "secret",
    default: "",
    targets: ["hfspaces", "swarm"],
    description:
        "PostgreSQL URL, password URL-encoded: required for the Space; on swarm an external database (recommended) instead of the bundled Postgres. For Supabase, the session pooler on port 5432, not db.<ref>.supabase.co.",
    accepts:
        "`postgresql://USER:PASSWORD@HOST:PORT/DATABASE`, printable characters without spaces, user and password URL-encoded. Supabase's direct host is refused; its transaction pooler (port 6543) is warned about.",
});

const HF_TOKEN = /^hf_[A-Za-z0-9]{8,200}$/;
const PROVIDER_KEY_MAX = 4096;

function nonEmpty(value: string | undefined): string | undefined {
    return value === undefined || value.trim() === "" ? undefined : value.trim();
}

export function parseProvidedSecrets(input: ConfigInput, read: (key: string) => string | undefined): ProvidedSecrets {
    const hfToken = nonEmpty(read(hfTokenKey.key));
    if (hfToken !== undefined && !HF_TOKEN.test(hfToken)) {
        input.problem(
            "hfToken",
            hfToken.startsWith("hf_")
                ? "is not a Hugging Face access token: after hf_ they have only letters and digits (a space, newline or other character inside is usually a copy-and-paste accident)."
                : "is not a Hugging Face access token (they start with hf_).",
            `create one at https://huggingface.co/settings/tokens, then ${setCommand("hfToken", "hf_...", { secret: true })}`,
        );
    }
    const providerKeys = parseProviderKeys(input, nonEmpty(read(providerKeysKey.key)));
    const databaseUrl = nonEmpty(read(databaseUrlKey.key));
    return { hfToken, providerKeys, databaseUrl };
}

function parseProviderKeys(input: ConfigInput, raw: string | undefined): Record<string, string> {
    const providerKeys: Record<string, string> = {};
    const example = setCommand("providerKeys.OPENAI_API_KEY", "sk-...", { secret: true, path: true });
    if (raw === undefined) {
        return providerKeys;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        input.problem("providerKeys", "must be a map of provider key names (like OPENAI_API_KEY) to API keys.", example);
        return providerKeys;
    }
    for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
        const safeName = /^[A-Za-z0-9_]{1,64}$/.test(name) ? name : JSON.stringify(name.slice(0, 64));
        const key = `providerKeys.${safeName}`;
        const removal = `pulumi config rm --path '${key.replace(/'/g, "")}'`;
        if (name === HF_TOKEN_ENV) {
            input.problem(key, "the Hugging Face token has its own key, hfToken.", `${removal} and ${setCommand("hfToken", "hf_...", { secret: true })}`);
            continue;
        }
        const verdict = checkProviderKeyName(name);
        if (verdict !== "ok") {
            const suggestion = suggestProviderKeyName(name);
            input.problem(
                key,
                verdict === "reserved-prefix"
                    ? "names a variable LiteLLM or this stack reads for the proxy itself: a provider key cannot set it."
                    : "is not a provider key name. Provider keys are named <PROVIDER>_API_KEY (upper case letters, digits and _): only such names reach the proxy's environment, so that no key can set a variable that controls the proxy or its process (PATH, LD_PRELOAD, LITELLM_CONFIG_BUCKET_NAME, ...).",
                `${removal}, then ${setCommand(`providerKeys.${suggestion}`, "<api key>", { secret: true, path: true })} and point the model at it (apiKeyEnv: ${suggestion})`,
            );
            continue;
        }
        if (typeof value !== "string" || value.trim() === "") {
            input.problem(key, "must be the API key, as text.", setCommand(key, "<api key>", { secret: true, path: true }));
            continue;
        }
        const trimmed = value.trim();
        if (!isPlainSecretText(trimmed) || trimmed.length < 8 || trimmed.length > PROVIDER_KEY_MAX) {
            input.problem(
                key,
                `is not an API key as providers issue them: 8 to ${PROVIDER_KEY_MAX} printable characters without spaces, newlines or other control characters (often a copy-and-paste accident; the value is not shown).`,
                setCommand(key, "<api key>", { secret: true, path: true }),
            );
            continue;
        }
        providerKeys[name] = trimmed;
    }
    return providerKeys;
}

/** What the hfspaces target needs: a token to manage the Space, and a database (a Space has none). */
export function checkSpaceSecrets(input: ConfigInput, secrets: ProvidedSecrets): void {
    if (!secrets.hfToken) {
        input.problem(
            "hfToken",
            "is required for the hfspaces stack (it creates and updates the Space).",
            `create a token with write access at https://huggingface.co/settings/tokens, then ${setCommand("hfToken", "hf_...", { secret: true })}`,
        );
    }
    if (!secrets.databaseUrl) {
        input.problem(
            "databaseUrl",
            "is required for the hfspaces stack: a Space has no database of its own (virtual keys and spend live there).",
            `create a Postgres database (Supabase session pooler, Neon, ...), then ${setCommand("databaseUrl", "'postgresql://USER:URL_ENCODED_PASSWORD@HOST:5432/DATABASE'", { secret: true })}`,
        );
        return;
    }
    const verdict = checkDatabaseUrl("databaseUrl", secrets.databaseUrl);
    for (const problem of verdict.problems) {
        input.problem(problem.key, problem.problem, problem.fix);
    }
    for (const warning of verdict.warnings) {
        input.warn("databaseUrl", warning);
    }
}

/**
 * The rules for values that come from a stack file: written by people, copied from blog posts,
 * edited in pull requests and run by CI with real secrets. Each rule names the class of input it
 * rules out; the settings modules apply them to every field they accept.
 */

/**
 * C0 and C1 control characters, DEL, the Unicode line and paragraph separators (PyYAML, a YAML
 * 1.1 reader, breaks lines at NEL, U+2028 and U+2029) and the byte order mark. None of them is
 * part of a name, token, key or URL anyone means to type; in an HTTP header they make the request
 * fail with an error that echoes the whole header, secret included.
 */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

export function hasControlCharacters(value: string): boolean {
    return CONTROL_CHARACTERS.test(value);
}

/**
 * LiteLLM replaces every string of its config that starts with `os.environ/` by the value of that
 * environment variable (ProxyConfig._check_for_os_environ_vars in litellm/proxy/proxy_server.py,
 * and the Router again for litellm_params), in any field, model names included, and a model name
 * is printed at start-up and listed by /v1/models. Only the stack puts such references in
 * config.yaml, for the fields it means them in.
 */
export const ENV_REFERENCE_PREFIX = "os.environ/";

export function isEnvironmentReference(value: string): boolean {
    return value.startsWith(ENV_REFERENCE_PREFIX);
}

/** A secret as a user pastes it: printable ASCII, no space inside (surrounding whitespace is trimmed before). */
const SECRET_TEXT = /^[\x21-\x7e]+$/;

export function isPlainSecretText(value: string): boolean {
    return SECRET_TEXT.test(value);
}

/**
 * A non-secret value as it may appear in a message: quoted, control characters escaped, cut short.
 * Never used for a secret, and never for a URL before its credentials are removed.
 */
export function shown(value: string, max = 80): string {
    const cut = value.length > max ? `${value.slice(0, max)}...` : value;
    return JSON.stringify(cut);
}

export interface UrlParts {
    protocol: "http:" | "https:";
    hostname: string;
    hasCredentials: boolean;
    /** The URL without user and password, for messages. */
    withoutCredentials: string;
}

/** An http(s) URL with a host, or undefined. Control characters are refused before parsing: URL() drops tabs and newlines. */
export function parseHttpUrl(value: string): UrlParts | undefined {
    if (hasControlCharacters(value) || /\s/.test(value)) {
        return undefined;
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return undefined;
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
        return undefined;
    }
    const hasCredentials = url.username !== "" || url.password !== "";
    const clean = new URL(url.toString());
    clean.username = "";
    clean.password = "";
    return { protocol: url.protocol, hostname: url.hostname, hasCredentials, withoutCredentials: clean.toString().replace(/\/$/, "") };
}

/** `value` for a message: a URL without its credentials, anything else as shown(). */
export function shownUrl(value: string): string {
    const parts = parseHttpUrl(value);
    if (parts) {
        return shown(parts.withoutCredentials);
    }
    // Not a URL we can clean up: never echo what could be `user:password@`.
    return /@/.test(value) ? "(the value, not repeated here: it looks like it holds credentials)" : shown(value);
}

/** This machine, a name inside a private network (a container or service name), or a private address. */
export function isLocalOrPrivateHost(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    if (host === "localhost" || host === "host.docker.internal" || host === "::1" || (!host.includes(".") && !host.includes(":"))) {
        return true;
    }
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
    if (v4) {
        const [a, b] = [Number(v4[1]), Number(v4[2])];
        return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
    }
    return /^f[cd][0-9a-f]{2}:/.test(host) || host.endsWith(".local") || host.endsWith(".internal");
}

export function isLoopbackHost(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
    return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Names a provider key may have. LiteLLM's docs name nearly every provider's key
 * `<PROVIDER>_API_KEY` (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, AZURE_API_KEY, ...;
 * docs.litellm.ai/docs/set_keys and each provider's page), and this stack only ever reads a
 * provider key through `api_key: os.environ/<NAME>`, so the name is free: requiring the suffix keeps
 * every name that controls the process or the proxy out (PATH, HOME, LD_PRELOAD, PYTHONPATH,
 * SSL_VERIFY, LITELLM_CONFIG_BUCKET_NAME, DATABASE_URL, ...). LiteLLM reads many variables of its
 * own (LITELLM_*, DEFAULT_*, REDIS_*, PROXY_*, UI_*, ...), so those prefixes are refused as well.
 * The Hugging Face token has a key of its own (hfToken, HF_TOKEN).
 */
const PROVIDER_KEY_NAME = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*_API_KEY$/;
const PROXY_OWN_PREFIXES = ["LITELLM_", "LITELLM", "PROXY_", "UI_", "DATABASE_", "REDIS_", "PRISMA_", "DEFAULT_", "DISABLE_", "STORE_", "CONFIG_", "SSL_", "AWS_", "GOOGLE_", "SMTP_", "SLACK_"];

export type ProviderKeyNameVerdict = "ok" | "not-a-provider-key-name" | "reserved-prefix";

export function checkProviderKeyName(name: string): ProviderKeyNameVerdict {
    if (PROXY_OWN_PREFIXES.some((prefix) => name.startsWith(prefix))) {
        return "reserved-prefix";
    }
    return PROVIDER_KEY_NAME.test(name) ? "ok" : "not-a-provider-key-name";
}

/** A provider key name to suggest instead of `name` (`openai-key` → `OPENAI_API_KEY`). */
export function suggestProviderKeyName(name: string): string {
    const provider = name
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, "_")
        .replace(/_?(API_?)?(KEY|TOKEN|SECRET)$/, "")
        .replace(/^_+|_+$/g, "")
        .split("_")[0];
    const candidate = `${provider || "OPENAI"}_API_KEY`;
    return checkProviderKeyName(candidate) === "ok" ? candidate : "OPENAI_API_KEY";
}

/**
 * The one client for a running LiteLLM proxy's admin API: readiness, and the key endpoints
 * (`/key/generate`, `/key/info`, `/key/update`, `/key/delete`) with the master key as Bearer.
 * Every request has a timeout; 429, 5xx, timeouts and dropped connections are retried; 401/403
 * become one "the proxy rejected the master key" error; everything that reaches a message is
 * redacted of the secrets the connection knows (the master key, raw keys).
 *
 * This module is captured by value into dynamic providers (Pulumi serializes their closures into
 * the stack's state), the same way as components/hfspaces/hub.ts: it uses only globals at run time
 * (fetch, AbortSignal, URL, TextEncoder, crypto.subtle, setTimeout) and its own functions, holds no
 * module-level state, and exports no constant that its functions read (under CommonJS a read of an
 * exported constant compiles to `exports.NAME`, which would capture the whole module object). Its
 * only import is `import type`, which leaves nothing behind in the compiled module.
 */

/** Where and how to reach one proxy. */
export interface AdminConnectionOptions {
    /** Base URL of the proxy, e.g. `http://127.0.0.1:4000`; a trailing slash is ignored. */
    proxyUrl: string;
    /** The proxy's master key (LITELLM_MASTER_KEY). */
    masterKey: string;
    /**
     * Timeout of each HTTP request, in seconds.
     * @default 30
     */
    requestTimeoutSeconds?: number;
    /**
     * How long `waitUntilReady` waits for the proxy, in seconds.
     * @default 300
     */
    readyTimeoutSeconds?: number;
    /** Other values that must never appear in an error (raw virtual keys). */
    secrets?: readonly (string | undefined)[];
}

export interface AdminConnection {
    /** Without trailing slash. */
    baseUrl: string;
    masterKey: string;
    requestTimeoutMs: number;
    readyTimeoutSeconds: number;
    /** Values that must never appear in an error message. */
    secrets: string[];
}

/** One HTTP answer of the admin API. */
export interface AdminAnswer {
    method: string;
    path: string;
    status: number;
    body: unknown;
    /** LiteLLM's error message (or the start of the body), secrets removed; empty on success. */
    message: string;
    /** A numeric Retry-After header (seconds), as on 429. */
    retryAfterSeconds?: number;
}

export type AdminMethod = "GET" | "POST";

export function adminConnection(options: AdminConnectionOptions): AdminConnection {
    const secrets = [options.masterKey, ...(options.secrets ?? [])].filter(
        (secret): secret is string => typeof secret === "string" && secret.trim().length >= 4,
    );
    return {
        baseUrl: String(options.proxyUrl).replace(/\/+$/, ""),
        masterKey: options.masterKey,
        requestTimeoutMs: Math.max(1, Number(options.requestTimeoutSeconds) || 30) * 1000,
        readyTimeoutSeconds: Number(options.readyTimeoutSeconds) || 300,
        secrets,
    };
}

/**
 * `text` without any of `secrets` and without anything shaped like a full LiteLLM key. A secret is
 * also removed in the forms it takes inside JSON and URLs, and piecewise: Node's fetch quotes an
 * invalid header value in its error ("Headers.append: \"Bearer sk-...\n...\" is an invalid header
 * value."), and a secret split by a line break must not survive as its two halves.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
    const forms = new Set<string>();
    for (const secret of secrets) {
        if (secret.length < 4) {
            continue;
        }
        forms.add(secret);
        forms.add(JSON.stringify(secret).slice(1, -1));
        forms.add(encodeURIComponent(secret));
        for (const piece of secret.split(/[\s\u0000-\u001f\u007f]+/)) {
            if (piece.length >= 4) {
                forms.add(piece);
            }
        }
    }
    let out = text;
    // Longest first, so that a piece never leaves the rest of a longer form behind.
    for (const form of [...forms].sort((a, b) => b.length - a.length)) {
        out = out.split(form).join("[redacted]");
    }
    return out.replace(/sk-[A-Za-z0-9_-]{8,}/g, "sk-[redacted]");
}

/**
 * Why a value cannot be sent as an HTTP header value (what makes Node's fetch throw), or
 * undefined when it can: line breaks, NUL, other control characters than tab, and characters
 * beyond Latin-1. The value itself is never part of the answer.
 */
export function headerValueProblem(value: string): string | undefined {
    if (/[\r\n]/.test(value)) {
        return "contains a line break";
    }
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
        return "contains a control character";
    }
    if (/[^\u0000-\u00ff]/.test(value)) {
        return "contains a character beyond Latin-1";
    }
    return undefined;
}

/** LiteLLM's error message from any of its shapes: `{error: {message}}`, `{detail: {error}}`, `{detail}`. */
export function liteLLMErrorMessage(body: unknown, text: string): string {
    const asText = (value: unknown): string | undefined => {
        if (typeof value === "string") {
            return value;
        }
        if (value && typeof value === "object") {
            const record = value as Record<string, unknown>;
            return asText(record.message) ?? asText(record.error) ?? JSON.stringify(value);
        }
        return undefined;
    };
    if (body && typeof body === "object") {
        const record = body as Record<string, unknown>;
        const found = asText(record.error) ?? asText(record.detail) ?? asText(record.message);
        if (found) {
            return found.slice(0, 500);
        }
    }
    const trimmed = text.trim();
    return trimmed.length > 0 ? trimmed.slice(0, 300) : "(empty body)";
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
    const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (err?.name === "TimeoutError" || err?.name === "AbortError") {
        return `no answer within ${timeoutMs / 1000} s`;
    }
    const code = err?.cause?.code;
    if (code === "ECONNREFUSED") {
        return "connection refused (nothing listens there yet)";
    }
    if (code) {
        return `${code}${err.cause?.message ? ` (${err.cause.message})` : ""}`;
    }
    return err?.cause?.message ?? err?.message ?? String(error);
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The path as it may appear in a message: the query (it can carry a key or its hash) left out. */
function shownPath(path: string): string {
    return path.split("?")[0];
}

/** The master key as a Bearer header, or an error that says what is wrong with it (never the key). */
function authorizationHeader(conn: AdminConnection): string {
    const problem = headerValueProblem(conn.masterKey);
    if (problem) {
        throw new Error(
            `The master key for the proxy at ${conn.baseUrl} ${problem}, so it cannot be sent in an HTTP header. ` +
                "Compare `pulumi stack output --show-secrets masterKey` with the proxy's LITELLM_MASTER_KEY; a key pasted with a " +
                "trailing newline is the usual cause.",
        );
    }
    return `Bearer ${conn.masterKey}`;
}

/** One request; throws on network errors and timeouts (redacted), returns every HTTP answer. */
async function send(conn: AdminConnection, authorization: string, method: AdminMethod, path: string, body?: unknown): Promise<AdminAnswer> {
    let response: Response;
    let text: string;
    try {
        response = await fetch(conn.baseUrl + path, {
            method,
            headers: {
                Authorization: authorization,
                Accept: "application/json",
                ...(body === undefined ? {} : { "Content-Type": "application/json" }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(conn.requestTimeoutMs),
        });
        text = await response.text();
    } catch (error) {
        // fetch's own errors can quote the request (an invalid header value, the URL): rethrow
        // them with every known secret removed, keeping name and cause code for the retry logic.
        const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
        const safe = new Error(redactSecrets(err?.message ?? String(error), conn.secrets));
        safe.name = err?.name ?? "Error";
        if (err?.cause) {
            (safe as Error & { cause?: unknown }).cause = {
                code: err.cause.code,
                message: err.cause.message === undefined ? undefined : redactSecrets(err.cause.message, conn.secrets),
            };
        }
        throw safe;
    }
    let parsed: unknown = undefined;
    try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
        parsed = undefined;
    }
    const message = response.ok ? "" : redactSecrets(liteLLMErrorMessage(parsed, text), conn.secrets);
    const retryAfter = Number(response.headers.get("retry-after") ?? Number.NaN);
    return {
        method,
        path,
        status: response.status,
        body: parsed,
        message,
        ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
}

/** The proxy answered 401/403 to the master key: it runs with another one. */
function masterKeyRejected(conn: AdminConnection, answer: AdminAnswer): Error {
    return new Error(
        `The proxy at ${conn.baseUrl} rejected the master key (HTTP ${answer.status} on ${answer.method} ${shownPath(answer.path)}); ` +
            "the stack's masterKey output and the proxy's LITELLM_MASTER_KEY differ. The proxy is probably running with " +
            "another master key (a container or Space not redeployed since the key changed, or an edited environment). " +
            "Compare `pulumi stack output --show-secrets masterKey` with the proxy's LITELLM_MASTER_KEY, redeploy the proxy " +
            "with `pulumi up` so that it runs with the stack's key, then run the command again. " +
            `LiteLLM said: ${answer.message}`,
    );
}

/**
 * An admin API call with the master key. 429, 5xx, timeouts and network errors are retried (4
 * attempts, 0.25 s doubling, or the Retry-After of a 429 up to 10 s); 401/403 become the master
 * key error; every other answer goes back to the caller, which decides what a 400 or 404 means.
 */
export async function callAdminApi(conn: AdminConnection, method: AdminMethod, path: string, body?: unknown): Promise<AdminAnswer> {
    // Checked before the first attempt: a key that cannot be sent does not get better by retrying.
    const authorization = authorizationHeader(conn);
    const attempts = 4;
    let delayMs = 250;
    for (let attempt = 1; ; attempt++) {
        let answer: AdminAnswer | undefined;
        let networkProblem = "";
        try {
            answer = await send(conn, authorization, method, path, body);
        } catch (error) {
            networkProblem = redactSecrets(describeNetworkError(error, conn.requestTimeoutMs), conn.secrets);
        }
        if (answer && (answer.status === 401 || answer.status === 403)) {
            throw masterKeyRejected(conn, answer);
        }
        const retryable = !answer || answer.status === 429 || answer.status >= 500;
        if (answer && !retryable) {
            return answer;
        }
        if (attempt >= attempts) {
            if (answer) {
                return answer;
            }
            throw new Error(
                `Could not reach the LiteLLM proxy at ${conn.baseUrl} (${method} ${shownPath(path)}): ${networkProblem}, ` +
                    `${attempts} attempts. Check that the proxy is running and reachable from this machine.`,
            );
        }
        await sleep(answer?.retryAfterSeconds !== undefined ? Math.min(answer.retryAfterSeconds, 10) * 1000 : delayMs);
        delayMs *= 2;
    }
}

export function isSuccess(answer: AdminAnswer): boolean {
    return answer.status >= 200 && answer.status < 300;
}

/**
 * The key does not exist (any more). LiteLLM answers 404 on current versions; older ones
 * answered 400 with the reason in the message. 401/403 never count: they are about the master key.
 */
export function isKeyNotFound(answer: AdminAnswer): boolean {
    if (answer.status === 404) {
        return true;
    }
    return answer.status === 400 && /key[^.]*not found|not found in (the )?(db|database)|no keys? (were )?found|(key|token)[^.]*(does not exist|deleted)/i.test(answer.message);
}

/** LiteLLM: "Key with alias '<alias>' already exists. Unique key aliases across all keys are required." */
export function isDuplicateAlias(answer: AdminAnswer): boolean {
    return answer.status === 400 && /alias/i.test(answer.message) && /already exists|unique/i.test(answer.message);
}

/** `<what> failed: the proxy at <url> answered HTTP <status> to <method> <path>: <LiteLLM's message>` */
export function adminFailure(conn: AdminConnection, what: string, answer: AdminAnswer): Error {
    return new Error(
        `${what} failed: the proxy at ${conn.baseUrl} answered HTTP ${answer.status} to ${answer.method} ${shownPath(answer.path)}: ${answer.message}`,
    );
}

/** What the public readiness probe said once it answered 200. */
export interface Readiness {
    /**
     * The `db` field, which only the old (pre-1.104) public body and the opt-in detailed one carry
     * (`connected`, `Not connected` without a database); undefined on the current low-detail body
     * `{"status": "healthy"}` (litellm/proxy/health_endpoints/_health_endpoints.py).
     */
    db: string | undefined;
}

/**
 * Polls `GET /health/readiness` (no auth) until it answers 200. Connection refused, 5xx and
 * timeouts mean "not ready yet": LiteLLM runs its database migrations before it listens, and
 * answers 503 while a configured database is unreachable. Works with the old detailed body and the
 * current low-detail one alike: only the status decides.
 */
export async function waitUntilReady(conn: AdminConnection): Promise<Readiness> {
    const timeoutSeconds = conn.readyTimeoutSeconds;
    const deadline = Date.now() + timeoutSeconds * 1000;
    let delayMs = 250;
    let lastAnswer = "nothing yet";
    for (;;) {
        const remaining = deadline - Date.now();
        const attemptTimeoutMs = Math.max(100, Math.min(conn.requestTimeoutMs, remaining));
        try {
            const response = await fetch(`${conn.baseUrl}/health/readiness`, { signal: AbortSignal.timeout(attemptTimeoutMs) });
            const text = await response.text();
            if (response.status === 200) {
                let body: unknown;
                try {
                    body = JSON.parse(text);
                } catch {
                    body = undefined;
                }
                const db = body && typeof body === "object" ? (body as Record<string, unknown>).db : undefined;
                return { db: typeof db === "string" ? db : undefined };
            }
            lastAnswer = `HTTP ${response.status}: ${redactSecrets(text.trim().slice(0, 200), conn.secrets) || "(empty body)"}`;
        } catch (error) {
            lastAnswer = redactSecrets(describeNetworkError(error, attemptTimeoutMs), conn.secrets);
        }
        const left = deadline - Date.now();
        if (left <= 0) {
            throw new Error(
                `The LiteLLM proxy at ${conn.baseUrl} did not become ready within ${timeoutSeconds} s; ` +
                    `GET /health/readiness last answered: ${lastAnswer}. Check that the proxy runs and reaches its ` +
                    "database (its logs tell, e.g. `docker logs <prefix>-proxy` for the local stack), or raise " +
                    "readyTimeoutSeconds if it needs longer to start. If the proxy is gone for good, remove the key " +
                    "from the stack with `pulumi state delete <urn>`.",
            );
        }
        await sleep(Math.min(delayMs, left));
        delayMs = Math.min(delayMs * 2, 2000);
    }
}

/**
 * `GET /health/readiness/details` with the master key: LiteLLM's readiness diagnostics (db, cache,
 * version), which current releases moved behind authentication. A proxy older than that answers 404.
 */
export function readinessDetails(conn: AdminConnection): Promise<AdminAnswer> {
    return callAdminApi(conn, "GET", "/health/readiness/details");
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/** `POST /key/generate`: the body is LiteLLM's (snake_case). */
export function generateKey(conn: AdminConnection, body: Record<string, unknown>): Promise<AdminAnswer> {
    return callAdminApi(conn, "POST", "/key/generate", body);
}

/** `GET /key/info?key=`: the raw key or its hash (LiteLLM accepts both); an unknown key is a 404. */
export function keyInfo(conn: AdminConnection, keyOrToken: string): Promise<AdminAnswer> {
    return callAdminApi(conn, "GET", `/key/info?key=${encodeURIComponent(keyOrToken)}`);
}

/** `POST /key/update`: `{key, ...changed fields}`; an unknown key is a 404. */
export function updateKey(conn: AdminConnection, body: Record<string, unknown>): Promise<AdminAnswer> {
    return callAdminApi(conn, "POST", "/key/update", body);
}

/** `POST /key/delete` with `{keys: [...]}` (raw keys or hashes) or `{key_aliases: [...]}`. */
export function deleteKeys(conn: AdminConnection, which: { keys: string[] } | { key_aliases: string[] }): Promise<AdminAnswer> {
    return callAdminApi(conn, "POST", "/key/delete", which);
}

/** SHA-256 hex of a raw key: LiteLLM's `hash_token`, what it stores and calls the key's `token`. */
export async function hashOfKey(rawKey: string): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rawKey));
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The hash of a key `/key/generate` just issued, from either shape of its answer: current LiteLLM
 * sets `token` to the hash and carries it as `token_id` too (`response.token = response.token_id`,
 * key_management_endpoints.py); older answers (and LiteLLM's GenerateKeyResponse before that remap)
 * carry the raw key in `token`. A value is taken only if it looks like a hash and is not the raw key;
 * otherwise the hash is computed the way LiteLLM does. The raw key never becomes the hash: as a
 * resource id it would be printed in plain text.
 */
export async function issuedKeyHash(generated: Record<string, unknown>, rawKey: string): Promise<string> {
    for (const candidate of [generated.token_id, generated.token]) {
        if (typeof candidate === "string" && /^[0-9a-f]{64}$/.test(candidate) && candidate !== rawKey) {
            return candidate;
        }
    }
    return hashOfKey(rawKey);
}

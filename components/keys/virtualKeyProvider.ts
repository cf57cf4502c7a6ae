/**
 * A Pulumi dynamic provider for one LiteLLM virtual key, managed through the proxy's key API
 * (`/key/generate`, `/key/info`, `/key/update`, `/key/delete`) with the master key as Bearer.
 *
 * Pulumi ships a dynamic provider to its engine as source text: it serializes
 * `virtualKeyProvider` and every function and value it reaches (`pulumi.runtime.serializeFunction`).
 * So the code below only uses globals at run time (fetch, AbortSignal, URL, TextEncoder,
 * crypto.subtle, setTimeout) and functions of this module; the only import is `import type`,
 * which leaves nothing behind in the compiled module. Exported constants are not referenced from
 * the provider's methods: under CommonJS they compile to `exports.NAME`, which would capture the
 * whole module object.
 *
 * Secrets: the master key arrives in plain form inside the provider (it is a secret input, kept
 * encrypted in the state); the raw key is an output that the resource lists in
 * `additionalSecretOutputs`. Neither, nor the Authorization header, ever appears in an error.
 */
import type * as pulumi from "@pulumi/pulumi";

/** The `resourceKind` input every VirtualKey carries: its engine type is the generic dynamic one. */
export const VIRTUAL_KEY_RESOURCE_KIND = "LiteLLMVirtualKey";

export interface VirtualKeyInputs {
    /** Marks the resource for policies and tests (`LiteLLMVirtualKey`). */
    resourceKind?: string;
    /** Base URL of the proxy, e.g. `http://127.0.0.1:4000`. */
    proxyUrl: string;
    /** The proxy's master key (`sk-...`). */
    masterKey: string;
    /** LiteLLM's `key_alias`: unique across the proxy. */
    alias: string;
    /** Model names the key may call; empty means every model. */
    models: string[];
    /** Spending limit in USD. */
    maxBudget?: number;
    /** Budget reset period (`30d`, `1h`, `1mo`). */
    budgetDuration?: string;
    rpmLimit?: number;
    tpmLimit?: number;
    metadata?: Record<string, string>;
    /** How long create, update and delete wait for a proxy that is not ready yet. */
    readyTimeoutSeconds: number;
    /** Timeout of each HTTP request. */
    requestTimeoutSeconds: number;
}

export interface VirtualKeyOutputs extends VirtualKeyInputs {
    /** The raw key (`sk-...`): a secret output. */
    key: string;
    /** LiteLLM's SHA-256 hash of the key (its `token_id`): the resource's id. */
    token: string;
    /** USD spent with the key, as of the last create, update or refresh. */
    spend: number;
    expires: string | null;
    createdAt: string | null;
}

// ---------------------------------------------------------------------------------------------
// check and diff: plain decisions, no network
// ---------------------------------------------------------------------------------------------

/** Everything wrong with a set of inputs; values Pulumi does not know yet (previews) are skipped. */
export function validateVirtualKeyInputs(inputs: Partial<Record<keyof VirtualKeyInputs, unknown>>): pulumi.dynamic.CheckFailure[] {
    // Pulumi's marker for a value only known after an update (rpc.unknownValue).
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (value: unknown) => value !== unknown;
    const positive = (property: keyof VirtualKeyInputs, integer: boolean) => {
        const value = inputs[property];
        if (value === undefined || value === null || !known(value)) {
            return;
        }
        if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
            fail(property, `must be a positive ${integer ? "whole number" : "number"}, got ${JSON.stringify(value)}`);
        }
    };

    const { proxyUrl, masterKey, alias, models, budgetDuration, metadata } = inputs;
    if (known(proxyUrl)) {
        if (typeof proxyUrl !== "string" || !/^https?:\/\/[^\s/]+/.test(proxyUrl)) {
            fail("proxyUrl", `must be the proxy's base URL such as http://127.0.0.1:4000, got ${JSON.stringify(proxyUrl)}`);
        }
    }
    if (known(masterKey)) {
        // The value itself is a secret: never echo it.
        if (typeof masterKey !== "string" || masterKey.length === 0) {
            fail("masterKey", "is required: the proxy's master key (LITELLM_MASTER_KEY)");
        } else if (!masterKey.startsWith("sk-")) {
            fail("masterKey", "must start with sk- (LiteLLM refuses a master key without the prefix)");
        }
    }
    if (known(alias)) {
        if (typeof alias !== "string" || alias.length === 0) {
            fail("alias", "is required: the key's name on the proxy (LiteLLM's key_alias)");
        } else if (!/^[A-Za-z0-9._-]+$/.test(alias)) {
            fail("alias", `may only contain letters, digits, '.', '_' and '-', got ${JSON.stringify(alias)}`);
        }
    }
    if (known(models) && models !== undefined) {
        if (!Array.isArray(models) || models.some((m) => known(m) && (typeof m !== "string" || m.length === 0))) {
            fail("models", "must be a list of model names (an empty list allows every model)");
        }
    }
    positive("maxBudget", false);
    positive("rpmLimit", true);
    positive("tpmLimit", true);
    positive("readyTimeoutSeconds", false);
    positive("requestTimeoutSeconds", false);
    if (budgetDuration !== undefined && budgetDuration !== null && known(budgetDuration)) {
        if (typeof budgetDuration !== "string" || !/^[1-9][0-9]*(s|m|h|d|mo)$/.test(budgetDuration)) {
            fail("budgetDuration", `must be a number and a unit (s, m, h, d or mo) such as "30d", got ${JSON.stringify(budgetDuration)}`);
        }
    }
    if (metadata !== undefined && metadata !== null && known(metadata)) {
        const entries = typeof metadata === "object" && !Array.isArray(metadata) ? Object.values(metadata) : undefined;
        if (!entries || entries.some((v) => known(v) && typeof v !== "string")) {
            fail("metadata", "must map names to strings");
        }
    }
    return failures;
}

/** The LiteLLM fields (snake_case) whose value differs between the state and the new inputs. */
export function changedKeyFields(olds: Partial<VirtualKeyInputs>, news: Partial<VirtualKeyInputs>): string[] {
    const sorted = (list: string[] | undefined) => JSON.stringify([...(list ?? [])].sort());
    const entries = (map: Record<string, string> | undefined) => JSON.stringify(Object.entries(map ?? {}).sort());
    const changed: string[] = [];
    if (olds.alias !== news.alias) changed.push("key_alias");
    if (sorted(olds.models) !== sorted(news.models)) changed.push("models");
    if (olds.maxBudget !== news.maxBudget) changed.push("max_budget");
    if (olds.budgetDuration !== news.budgetDuration) changed.push("budget_duration");
    if (olds.rpmLimit !== news.rpmLimit) changed.push("rpm_limit");
    if (olds.tpmLimit !== news.tpmLimit) changed.push("tpm_limit");
    if (entries(olds.metadata) !== entries(news.metadata)) changed.push("metadata");
    return changed;
}

/**
 * Replace only for another proxy. Limits, models, metadata and the alias update in place.
 *
 * The master key and the timeouts are not part of the key, but they are still reported as a
 * change (an update that makes no /key/update call): `read` and `delete` only receive the
 * state's outputs, and Pulumi keeps the old outputs when a diff reports no change. After a
 * master key rotation reported as "no change", `pulumi refresh` and `pulumi destroy` would keep
 * presenting the revoked master key.
 */
export function diffVirtualKey(olds: VirtualKeyOutputs, news: VirtualKeyInputs): pulumi.dynamic.DiffResult {
    const base = (url: string | undefined) => (url ?? "").replace(/\/+$/, "");
    const replaces = base(olds.proxyUrl) !== base(news.proxyUrl) ? ["proxyUrl"] : [];
    const keyChanges = changedKeyFields(olds, news);
    const settingChanges = (["masterKey", "readyTimeoutSeconds", "requestTimeoutSeconds", "resourceKind"] as const).filter(
        (name) => olds[name] !== news[name],
    );
    return {
        changes: replaces.length > 0 || keyChanges.length > 0 || settingChanges.length > 0,
        replaces,
        // The key and its hash survive an update; a replacement issues new ones.
        stables: replaces.length > 0 ? [] : ["token", "key"],
        deleteBeforeReplace: false,
    };
}

// ---------------------------------------------------------------------------------------------
// Requests to the key API
// ---------------------------------------------------------------------------------------------

interface Connection {
    /** Without trailing slash. */
    baseUrl: string;
    masterKey: string;
    requestTimeoutMs: number;
    readyTimeoutSeconds: number;
    /** Values that must never appear in an error message. */
    secrets: string[];
}

interface ApiAnswer {
    method: string;
    path: string;
    status: number;
    body: unknown;
    /** LiteLLM's error message (or the start of the body), secrets removed. */
    message: string;
    /** A numeric Retry-After header (seconds), as on 429. */
    retryAfterSeconds?: number;
}

function connectionOf(settings: Pick<VirtualKeyInputs, "proxyUrl" | "masterKey" | "readyTimeoutSeconds" | "requestTimeoutSeconds">, rawKey?: string): Connection {
    return {
        baseUrl: String(settings.proxyUrl).replace(/\/+$/, ""),
        masterKey: settings.masterKey,
        requestTimeoutMs: Math.max(1, Number(settings.requestTimeoutSeconds) || 30) * 1000,
        readyTimeoutSeconds: Number(settings.readyTimeoutSeconds) || 300,
        secrets: [settings.masterKey, rawKey ?? ""].filter((s) => typeof s === "string" && s.length >= 4),
    };
}

/** `text` without any secret of the connection and without anything shaped like a full LiteLLM key. */
function redact(text: string, secrets: string[]): string {
    let out = text;
    for (const secret of secrets) {
        out = out.split(secret).join("[redacted]");
    }
    return out.replace(/sk-[A-Za-z0-9_-]{8,}/g, "sk-[redacted]");
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

/** One request; throws on network errors and timeouts, returns every HTTP answer. */
async function send(conn: Connection, method: "GET" | "POST", path: string, body?: unknown): Promise<ApiAnswer> {
    const response = await fetch(conn.baseUrl + path, {
        method,
        headers: {
            Authorization: `Bearer ${conn.masterKey}`,
            Accept: "application/json",
            ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(conn.requestTimeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
        parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
        parsed = undefined;
    }
    const message = response.ok ? "" : redact(liteLLMErrorMessage(parsed, text), conn.secrets);
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

/** The path as it may appear in a message: the query (it can carry a key hash) left out. */
function shownPath(path: string): string {
    return path.split("?")[0];
}

function masterKeyRejected(conn: Connection, answer: ApiAnswer): Error {
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
 * A key API call with the master key. 429, 5xx, timeouts and network errors are retried (4
 * attempts, 0.25 s doubling, or the Retry-After of a 429 up to 10 s); 401/403 become the master
 * key error; every other answer goes back to the caller, which decides what a 400 or 404 means.
 */
async function callKeyApi(conn: Connection, method: "GET" | "POST", path: string, body?: unknown): Promise<ApiAnswer> {
    const attempts = 4;
    let delayMs = 250;
    for (let attempt = 1; ; attempt++) {
        let answer: ApiAnswer | undefined;
        let networkProblem = "";
        try {
            answer = await send(conn, method, path, body);
        } catch (error) {
            networkProblem = redact(describeNetworkError(error, conn.requestTimeoutMs), conn.secrets);
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

function isSuccess(answer: ApiAnswer): boolean {
    return answer.status >= 200 && answer.status < 300;
}

/**
 * The key does not exist (any more). LiteLLM answers 404 on current versions; older ones
 * answered 400 with the reason in the message. 401/403 never count: they are about the master key.
 */
function isKeyNotFound(answer: ApiAnswer): boolean {
    if (answer.status === 404) {
        return true;
    }
    return answer.status === 400 && /key[^.]*not found|not found in (the )?(db|database)|no keys? (were )?found|(key|token)[^.]*(does not exist|deleted)/i.test(answer.message);
}

/** LiteLLM: "Key with alias '<alias>' already exists. Unique key aliases across all keys are required." */
function isDuplicateAlias(answer: ApiAnswer): boolean {
    return answer.status === 400 && /alias/i.test(answer.message) && /already exists|unique/i.test(answer.message);
}

function failure(conn: Connection, what: string, answer: ApiAnswer): Error {
    return new Error(
        `${what} failed: the proxy at ${conn.baseUrl} answered HTTP ${answer.status} to ${answer.method} ${shownPath(answer.path)}: ${answer.message}`,
    );
}

function keyGoneOnUpdate(conn: Connection, alias: string): Error {
    return new Error(
        `The virtual key "${alias}" no longer exists on the proxy at ${conn.baseUrl}: it was deleted outside Pulumi ` +
            "(or the proxy's database was reset). Run `pulumi refresh` to drop it from the stack's state, then " +
            "`pulumi up` to create a new key; clients then need the new key (`pulumi stack output --show-secrets`).",
    );
}

/**
 * Polls `GET /health/readiness` (no auth) until it answers 200. Connection refused, 5xx and
 * timeouts mean "not ready yet": LiteLLM runs its database migrations before it listens.
 */
async function waitUntilReady(conn: Connection): Promise<void> {
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
                return;
            }
            lastAnswer = `HTTP ${response.status}: ${redact(text.trim().slice(0, 200), conn.secrets) || "(empty body)"}`;
        } catch (error) {
            lastAnswer = describeNetworkError(error, attemptTimeoutMs);
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

// ---------------------------------------------------------------------------------------------
// Mapping between the provider's properties and LiteLLM's
// ---------------------------------------------------------------------------------------------

/** The inputs without the ones left out, since Pulumi's wire format has no `undefined`. */
function definedInputs(inputs: VirtualKeyInputs): VirtualKeyInputs {
    const out: Record<string, unknown> = {};
    const names: (keyof VirtualKeyInputs)[] = [
        "resourceKind",
        "proxyUrl",
        "masterKey",
        "alias",
        "models",
        "maxBudget",
        "budgetDuration",
        "rpmLimit",
        "tpmLimit",
        "metadata",
        "readyTimeoutSeconds",
        "requestTimeoutSeconds",
    ];
    for (const name of names) {
        if (inputs[name] !== undefined && inputs[name] !== null) {
            out[name] = inputs[name];
        }
    }
    out.models = inputs.models ?? [];
    return out as unknown as VirtualKeyInputs;
}

function outputsOf(
    inputs: VirtualKeyInputs,
    issued: { key: string; token: string; spend: number; expires: string | null; createdAt: string | null },
): VirtualKeyOutputs {
    return { ...definedInputs(inputs), ...issued };
}

/** The body of /key/generate (snake_case); null and left-out inputs are not sent. */
function generateBody(inputs: VirtualKeyInputs): Record<string, unknown> {
    const body: Record<string, unknown> = { key_alias: inputs.alias, models: inputs.models ?? [] };
    if (inputs.maxBudget !== undefined && inputs.maxBudget !== null) body.max_budget = inputs.maxBudget;
    if (inputs.budgetDuration !== undefined && inputs.budgetDuration !== null) body.budget_duration = inputs.budgetDuration;
    if (inputs.rpmLimit !== undefined && inputs.rpmLimit !== null) body.rpm_limit = inputs.rpmLimit;
    if (inputs.tpmLimit !== undefined && inputs.tpmLimit !== null) body.tpm_limit = inputs.tpmLimit;
    if (inputs.metadata !== undefined && inputs.metadata !== null) body.metadata = inputs.metadata;
    return body;
}

/**
 * The body of /key/update: only the changed fields. A limit that was removed is sent as null,
 * which LiteLLM stores (it applies every field that is present); removed metadata becomes {}.
 */
export function updateBody(token: string, olds: Partial<VirtualKeyInputs>, news: Partial<VirtualKeyInputs>): Record<string, unknown> {
    const body: Record<string, unknown> = { key: token };
    for (const field of changedKeyFields(olds, news)) {
        switch (field) {
            case "key_alias":
                body.key_alias = news.alias;
                break;
            case "models":
                body.models = news.models ?? [];
                break;
            case "metadata":
                body.metadata = news.metadata ?? {};
                break;
            case "max_budget":
                body.max_budget = news.maxBudget ?? null;
                break;
            case "budget_duration":
                body.budget_duration = news.budgetDuration ?? null;
                break;
            case "rpm_limit":
                body.rpm_limit = news.rpmLimit ?? null;
                break;
            case "tpm_limit":
                body.tpm_limit = news.tpmLimit ?? null;
                break;
        }
    }
    return body;
}

/** LiteLLM's `token_id` (the hash), or the hash computed the way LiteLLM does (SHA-256, hex). */
async function tokenOf(generated: Record<string, unknown>, rawKey: string): Promise<string> {
    // `token` in the /key/generate answer is NOT the hash on current LiteLLM: GenerateKeyResponse
    // copies the raw key into it. As the resource id it would print the key in plain text.
    const tokenId = generated.token_id;
    if (typeof tokenId === "string" && /^[0-9a-f]{64}$/.test(tokenId)) {
        return tokenId;
    }
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(rawKey));
    return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function stringOrNull(value: unknown): string | null {
    return typeof value === "string" && value.length > 0 ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
    return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** The key's properties as LiteLLM reports them in /key/info's `info`, in the provider's names. */
function propertiesFromInfo(info: Record<string, unknown>, previous: VirtualKeyOutputs): VirtualKeyInputs {
    const optionalNumber = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
    const metadata: Record<string, string> = {};
    if (info.metadata && typeof info.metadata === "object") {
        // LiteLLM keeps its own non-string entries there (model limits, guardrails); only the
        // string entries can come from this resource.
        for (const [name, value] of Object.entries(info.metadata as Record<string, unknown>)) {
            if (typeof value === "string") {
                metadata[name] = value;
            }
        }
    }
    const hadMetadata = previous.metadata !== undefined;
    return {
        ...previous,
        alias: typeof info.key_alias === "string" ? info.key_alias : previous.alias,
        models: Array.isArray(info.models) ? info.models.filter((m): m is string => typeof m === "string") : previous.models,
        maxBudget: optionalNumber(info.max_budget),
        budgetDuration: typeof info.budget_duration === "string" && info.budget_duration.length > 0 ? info.budget_duration : undefined,
        rpmLimit: optionalNumber(info.rpm_limit),
        tpmLimit: optionalNumber(info.tpm_limit),
        metadata: hadMetadata || Object.keys(metadata).length > 0 ? metadata : undefined,
    };
}

// ---------------------------------------------------------------------------------------------
// The provider's methods
// ---------------------------------------------------------------------------------------------

async function checkKey(_olds: VirtualKeyInputs, news: VirtualKeyInputs): Promise<pulumi.dynamic.CheckResult<VirtualKeyInputs>> {
    return { inputs: news, failures: validateVirtualKeyInputs(news) };
}

async function diffKey(_id: string, olds: VirtualKeyOutputs, news: VirtualKeyInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffVirtualKey(olds, news);
}

async function createKey(inputs: VirtualKeyInputs): Promise<pulumi.dynamic.CreateResult<VirtualKeyOutputs>> {
    const conn = connectionOf(inputs);
    await waitUntilReady(conn);
    const body = generateBody(inputs);
    let answer = await callKeyApi(conn, "POST", "/key/generate", body);
    if (isDuplicateAlias(answer)) {
        // A key with this alias exists already: most likely from a `pulumi up` interrupted after
        // LiteLLM issued the key but before the state recorded it (or a retried request whose
        // first attempt went through). Adopting it is not possible: LiteLLM stores only the hash,
        // so the raw key the outputs need cannot be recovered. The stale key is deleted by alias
        // and a new one issued. Aliases are unique per proxy, so a hand-made key with this alias
        // is deleted too: pick aliases that only this stack uses.
        const removed = await callKeyApi(conn, "POST", "/key/delete", { key_aliases: [inputs.alias] });
        if (!isSuccess(removed) && !isKeyNotFound(removed)) {
            throw failure(conn, `Deleting the stale key with alias "${inputs.alias}"`, removed);
        }
        answer = await callKeyApi(conn, "POST", "/key/generate", body);
    }
    if (!isSuccess(answer)) {
        throw failure(conn, `Creating the virtual key "${inputs.alias}"`, answer);
    }
    const generated = (answer.body ?? {}) as Record<string, unknown>;
    const rawKey = generated.key;
    if (typeof rawKey !== "string" || !rawKey.startsWith("sk-")) {
        throw new Error(
            `Creating the virtual key "${inputs.alias}" failed: the proxy at ${conn.baseUrl} answered /key/generate without a key. ` +
                "Run `pulumi up` again; the half-created key is replaced then.",
        );
    }
    const token = await tokenOf(generated, rawKey);
    return {
        id: token,
        outs: outputsOf(inputs, {
            key: rawKey,
            token,
            spend: numberOr(generated.spend, 0),
            expires: stringOrNull(generated.expires),
            createdAt: stringOrNull(generated.created_at),
        }),
    };
}

/**
 * `pulumi refresh`. A key that no longer exists yields a result without id: the dynamic provider
 * host sends it as an empty id (`resp.setId(result.id)` in
 * @pulumi/pulumi/cmd/dynamic-provider/index.js), which the engine reads as "deleted" and drops
 * the resource from the state; the next `pulumi up` creates a new key.
 */
async function readKey(id: string, props?: VirtualKeyOutputs): Promise<pulumi.dynamic.ReadResult<VirtualKeyOutputs>> {
    if (!props || typeof props.proxyUrl !== "string" || typeof props.masterKey !== "string") {
        throw new Error(
            "A LiteLLM virtual key cannot be imported or read without its state (proxy URL, master key, raw key); " +
                "declare a VirtualKey and let `pulumi up` create it.",
        );
    }
    const conn = connectionOf(props, props.key);
    const answer = await callKeyApi(conn, "GET", `/key/info?key=${encodeURIComponent(id)}`);
    if (isKeyNotFound(answer)) {
        return {};
    }
    if (!isSuccess(answer)) {
        throw failure(conn, `Reading the virtual key "${props.alias}"`, answer);
    }
    const info = (answer.body as { info?: unknown } | undefined)?.info;
    if (!info || typeof info !== "object") {
        return {};
    }
    const record = info as Record<string, unknown>;
    return {
        id,
        props: outputsOf(propertiesFromInfo(record, props), {
            key: props.key,
            token: id,
            spend: numberOr(record.spend, props.spend ?? 0),
            expires: stringOrNull(record.expires),
            createdAt: props.createdAt ?? stringOrNull(record.created_at),
        }),
    };
}

async function updateKey(id: string, olds: VirtualKeyOutputs, news: VirtualKeyInputs): Promise<pulumi.dynamic.UpdateResult<VirtualKeyOutputs>> {
    const conn = connectionOf(news, olds.key);
    await waitUntilReady(conn);
    let spend = olds.spend ?? 0;
    let expires = olds.expires ?? null;
    if (changedKeyFields(olds, news).length > 0) {
        const answer = await callKeyApi(conn, "POST", "/key/update", updateBody(id, olds, news));
        if (answer.status === 404) {
            throw keyGoneOnUpdate(conn, olds.alias);
        }
        if (!isSuccess(answer)) {
            throw failure(conn, `Updating the virtual key "${olds.alias}"`, answer);
        }
    } else {
        // Only the master key or a timeout changed: nothing to change on the key, but the state's
        // outputs must carry the new master key. Reading the key proves the proxy accepts it.
        const answer = await callKeyApi(conn, "GET", `/key/info?key=${encodeURIComponent(id)}`);
        if (isKeyNotFound(answer)) {
            throw keyGoneOnUpdate(conn, olds.alias);
        }
        if (!isSuccess(answer)) {
            throw failure(conn, `Reading the virtual key "${olds.alias}"`, answer);
        }
        const info = ((answer.body as { info?: Record<string, unknown> } | undefined)?.info ?? {}) as Record<string, unknown>;
        spend = numberOr(info.spend, spend);
        expires = stringOrNull(info.expires) ?? expires;
    }
    return { outs: outputsOf(news, { key: olds.key, token: id, spend, expires, createdAt: olds.createdAt ?? null }) };
}

async function deleteKey(id: string, props: VirtualKeyOutputs): Promise<void> {
    const conn = connectionOf(props, props.key);
    await waitUntilReady(conn);
    const answer = await callKeyApi(conn, "POST", "/key/delete", { keys: [id] });
    if (isSuccess(answer) || isKeyNotFound(answer)) {
        return; // deleted now, or already gone
    }
    throw failure(conn, `Deleting the virtual key "${props.alias}"`, answer);
}

/** The provider behind `VirtualKey`; exported so that tests can call its methods directly. */
export const virtualKeyProvider: pulumi.dynamic.ResourceProvider<VirtualKeyInputs, VirtualKeyOutputs> = {
    check: checkKey,
    diff: diffKey,
    create: createKey,
    read: readKey,
    update: updateKey,
    delete: deleteKey,
};

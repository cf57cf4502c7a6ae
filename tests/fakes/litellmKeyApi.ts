/**
 * A fake of LiteLLM's key management API (a test double, in memory) on node:http, bound to
 * 127.0.0.1 on an ephemeral port: `/health/readiness`, `/key/generate`, `/key/info`,
 * `/key/update`, `/key/delete`, and `/v1/chat/completions` to spend with an issued key.
 *
 * It answers the way LiteLLM's proxy does (BerriAI/litellm, v1.104 line), each behaviour with the
 * upstream file it follows:
 * - keys are stored by their hash, SHA-256 hex of the raw key (litellm/proxy/utils.py
 *   `hash_token`); every endpoint accepts the raw key or the hash;
 * - /key/generate answers `key` = the raw key, and `token` = `token_id` = the hash
 *   (key_management_endpoints.py: `response.token = response.token_id  # remap token to use the
 *   hash, and leave the key in the key field`). `generateShape` gives the older answers a client
 *   must also read right: the raw key in `token`, or no `token_id` at all;
 * - a duplicate `key_alias` is a 400 ("Key with alias '<a>' already exists. ...",
 *   key_management_endpoints.py `_enforce_unique_key_alias`);
 * - unknown keys are 404: /key/info "Key not found in database", /key/delete "No keys found",
 *   and /key/update with LiteLLM's own misleading "Team not found" message;
 * - errors have LiteLLM's shape `{"error": {"message", "type", "param", "code"}}`;
 * - the management endpoints need the master key as Bearer, anything else is a 401. The master key
 *   is compared as it is, sk- prefix or not (litellm/proxy/auth/user_api_key_auth.py compares it
 *   before any prefix check; only other keys must start with `sk-`);
 * - `GET /health/readiness` is public and low-detail, `{"status": "healthy"}`, 503 with the same
 *   body while not ready; the details (`db`, `litellm_version`, ...) are behind any valid key on
 *   `GET /health/readiness/details` (litellm/proxy/health_endpoints/_health_endpoints.py).
 *   `readinessShape: "detailed"` gives the older public body with `db` and friends;
 * - a chat completion over the key's `max_budget` is a 422 `budget_exceeded` (v1.104.0 release
 *   notes, PR #42097; `litellm_settings.budget_exceeded_status_code` changes it: the option
 *   `budgetExceededStatus`).
 *
 * Test-only. State is exposed for assertions; faults, an unready proxy and out-of-band deletes
 * can be injected.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeVirtualKey {
    /** The raw key (`sk-...`); the real proxy never stores it, the fake keeps it for assertions. */
    readonly key: string;
    /** SHA-256 hex of the raw key: LiteLLM's `token`. */
    readonly token: string;
    keyAlias: string | null;
    models: string[];
    maxBudget: number | null;
    budgetDuration: string | null;
    rpmLimit: number | null;
    tpmLimit: number | null;
    metadata: Record<string, unknown>;
    spend: number;
    expires: string | null;
    readonly createdAt: string;
    updatedAt: string;
}

export interface RecordedRequest {
    method: string;
    /** Path without the query string. */
    path: string;
    query: Record<string, string>;
    /** The parsed JSON body, if any. */
    body: unknown;
    authorization: string | undefined;
    /** Status the fake answered; null when it dropped the connection. */
    status: number | null;
}

export interface Fault {
    method?: string;
    path: string;
    /** Answer this status with a LiteLLM-shaped error instead of handling the request. */
    status?: number;
    /** Sent as Retry-After with the status (LiteLLM's rate limiter does on 429). */
    retryAfterSeconds?: number;
    /** Destroy the socket without an answer, as a network failure does. */
    dropConnection?: boolean;
    /** How many matching requests the fault applies to. @default 1 */
    times?: number;
}

export interface FakeLiteLLMOptions {
    masterKey: string;
    /**
     * `true`: /health/readiness answers 503 until `ready()` is called. A number: the first N
     * readiness requests answer 503.
     * @default false
     */
    notReady?: boolean | number;
    /** Listen on this port (to start the fake late on a port a client already polls). @default 0 */
    port?: number;
    /** USD booked on a key per chat completion. @default 0.0001 */
    spendPerRequest?: number;
    /**
     * What /key/generate puts in `token` and `token_id`: `current` (both the hash, LiteLLM 1.104),
     * `raw-key-in-token` (the raw key in `token`, the hash in `token_id`: LiteLLM's
     * GenerateKeyResponse before the remap), `no-token-id` (the raw key in `token`, no `token_id`).
     * @default "current"
     */
    generateShape?: "current" | "raw-key-in-token" | "no-token-id";
    /**
     * The public /health/readiness body: `minimal` (current) or `detailed` (before 1.104, and with
     * `general_settings.allow_public_health_readiness_details: true`).
     * @default "minimal"
     */
    readinessShape?: "minimal" | "detailed";
    /** Status of an exhausted budget (`litellm_settings.budget_exceeded_status_code`). @default 422 */
    budgetExceededStatus?: number;
}

export interface FakeLiteLLM {
    readonly url: string;
    readonly port: number;
    /** Keys by token (hash). */
    readonly keys: Map<string, FakeVirtualKey>;
    readonly requests: RecordedRequest[];
    /** How many requests matched a method and path (query ignored). */
    count(method: string, path: string): number;
    keyByAlias(alias: string): FakeVirtualKey | undefined;
    /** /health/readiness answers 200 from now on. */
    ready(): void;
    /** /health/readiness answers 503 from now on. */
    notReady(): void;
    inject(fault: Fault): void;
    /** Someone deletes the key in the dashboard: Pulumi is not told. */
    deleteOutOfBand(token: string): void;
    /** A key issued without the client learning it, as in an interrupted `pulumi up`. */
    issueOutOfBand(alias: string, models?: string[]): FakeVirtualKey;
    close(): Promise<void>;
}

export function hashKey(rawKey: string): string {
    return createHash("sha256").update(rawKey).digest("hex");
}

/** A port that was free a moment ago, for a fake started after its client. */
export async function reservePort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
}

class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly type: string,
        message: string,
        readonly param: string | null = null,
    ) {
        super(message);
    }
}

function toToken(keyOrToken: string): string {
    return keyOrToken.startsWith("sk-") ? hashKey(keyOrToken) : keyOrToken;
}

function info(key: FakeVirtualKey): Record<string, unknown> {
    return {
        key_name: `sk-...${key.key.slice(-4)}`,
        key_alias: key.keyAlias,
        spend: key.spend,
        expires: key.expires,
        models: key.models,
        aliases: {},
        config: {},
        user_id: null,
        team_id: null,
        permissions: {},
        max_parallel_requests: null,
        metadata: key.metadata,
        blocked: null,
        tpm_limit: key.tpmLimit,
        rpm_limit: key.rpmLimit,
        max_budget: key.maxBudget,
        budget_duration: key.budgetDuration,
        budget_reset_at: null,
        allowed_cache_controls: [],
        model_spend: {},
        model_max_budget: {},
        created_at: key.createdAt,
        updated_at: key.updatedAt,
    };
}

export async function startFakeLiteLLM(options: FakeLiteLLMOptions): Promise<FakeLiteLLM> {
    const keys = new Map<string, FakeVirtualKey>();
    const requests: RecordedRequest[] = [];
    const faults: (Fault & { remaining: number })[] = [];
    let readinessRequests = 0;
    let readyNow = options.notReady === true ? false : true;
    const spendPerRequest = options.spendPerRequest ?? 0.0001;
    const generateShape = options.generateShape ?? "current";
    const readinessShape = options.readinessShape ?? "minimal";
    const budgetExceededStatus = options.budgetExceededStatus ?? 422;

    /** _health_endpoints.py `_get_health_readiness_details` */
    function readinessDetails(): Record<string, unknown> {
        return {
            status: "healthy",
            db: readyNow ? "connected" : "disconnected",
            cache: null,
            litellm_version: "fake",
            success_callbacks: [],
            use_aiohttp_transport: false,
            log_level: "WARNING",
            is_detailed_debug: false,
        };
    }

    /** Any valid key: the master key, or one the fake issued (user_api_key_auth). */
    function requireAnyKey(req: IncomingMessage): void {
        const presented = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
        if (presented === options.masterKey || (presented.startsWith("sk-") && keys.has(hashKey(presented)))) {
            return;
        }
        throw new ApiError(401, "auth_error", "Authentication Error, No valid api key passed in.", "None");
    }

    function isReady(): boolean {
        readinessRequests += 1;
        if (typeof options.notReady === "number") {
            return readinessRequests > options.notReady && readyNow;
        }
        return readyNow;
    }

    function requireMaster(req: IncomingMessage): void {
        const auth = req.headers.authorization;
        if (!auth) {
            throw new ApiError(401, "auth_error", "Authentication Error, No api key passed in.", "None");
        }
        const presented = auth.replace(/^Bearer\s+/i, "");
        if (presented !== options.masterKey) {
            // LiteLLM shows an abbreviation of the key it was given, never the key.
            throw new ApiError(
                401,
                "auth_error",
                `Authentication Error, Invalid proxy server token passed. Received API Key = sk-...${presented.slice(-4)}, ` +
                    "Unable to find token in cache or `LiteLLM_VerificationTokenTable`",
                "None",
            );
        }
    }

    function issue(body: Record<string, unknown>): FakeVirtualKey {
        const alias = typeof body.key_alias === "string" ? body.key_alias : null;
        if (alias !== null && [...keys.values()].some((k) => k.keyAlias === alias)) {
            throw new ApiError(
                400,
                "bad_request_error",
                `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
                "key_alias",
            );
        }
        const raw = `sk-${randomBytes(16).toString("base64url")}`;
        const now = new Date().toISOString();
        const key: FakeVirtualKey = {
            key: raw,
            token: hashKey(raw),
            keyAlias: alias,
            models: Array.isArray(body.models) ? (body.models as string[]) : [],
            maxBudget: typeof body.max_budget === "number" ? body.max_budget : null,
            budgetDuration: typeof body.budget_duration === "string" ? body.budget_duration : null,
            rpmLimit: typeof body.rpm_limit === "number" ? body.rpm_limit : null,
            tpmLimit: typeof body.tpm_limit === "number" ? body.tpm_limit : null,
            metadata: body.metadata && typeof body.metadata === "object" ? { ...(body.metadata as Record<string, unknown>) } : {},
            spend: 0,
            expires: null,
            createdAt: now,
            updatedAt: now,
        };
        keys.set(key.token, key);
        return key;
    }

    type Handler = (req: IncomingMessage, query: Record<string, string>, body: Record<string, unknown>) => [number, unknown];

    const routes: Record<string, Handler> = {
        "GET /health/readiness": () => {
            const ready = isReady();
            if (readinessShape === "detailed") {
                return ready
                    ? [200, readinessDetails()]
                    : [503, { error: { message: "Service Unavailable: database not connected", type: "None", param: "None", code: "503" } }];
            }
            // Current LiteLLM: the body stays {"status": "healthy"}; only the status says 503.
            return [ready ? 200 : 503, { status: "healthy" }];
        },
        "GET /health/readiness/details": (req) => {
            requireAnyKey(req);
            return [readyNow ? 200 : 503, readinessDetails()];
        },
        "GET /health/liveliness": () => [200, "I'm alive!"],
        "POST /key/generate": (req, _query, body) => {
            requireMaster(req);
            const key = issue(body);
            return [
                200,
                {
                    ...body,
                    ...info(key),
                    key: key.key,
                    key_name: `sk-...${key.key.slice(-4)}`,
                    // key_management_endpoints.py: `response.token = response.token_id` (the hash);
                    // the older shapes on request.
                    ...(generateShape === "current" ? { token: key.token, token_id: key.token } : {}),
                    ...(generateShape === "raw-key-in-token" ? { token: key.key, token_id: key.token } : {}),
                    ...(generateShape === "no-token-id" ? { token: key.key } : {}),
                },
            ];
        },
        "GET /key/info": (req, query) => {
            requireMaster(req);
            const token = toToken(query.key ?? "");
            const key = keys.get(token);
            if (!key) {
                throw new ApiError(404, "not_found_error", "Key not found in database", "key");
            }
            return [200, { key: query.key, info: info(key) }];
        },
        "POST /key/update": (req, _query, body) => {
            requireMaster(req);
            const passed = typeof body.key === "string" ? body.key : "";
            const key = keys.get(toToken(passed));
            if (!key) {
                // LiteLLM's update_key_fn really says this for an unknown key.
                throw new ApiError(404, "auth_error", "{'error': 'Team not found, passed team_id=None'}", "None");
            }
            if ("key_alias" in body) {
                const alias = body.key_alias as string | null;
                if (alias !== null && [...keys.values()].some((k) => k !== key && k.keyAlias === alias)) {
                    throw new ApiError(
                        400,
                        "bad_request_error",
                        `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
                        "key_alias",
                    );
                }
                key.keyAlias = alias;
            }
            // Every field present is applied, null included (LiteLLM: model_dump(exclude_unset=True)).
            if ("models" in body) key.models = (body.models as string[] | null) ?? [];
            if ("max_budget" in body) key.maxBudget = body.max_budget as number | null;
            if ("budget_duration" in body) key.budgetDuration = body.budget_duration as string | null;
            if ("rpm_limit" in body) key.rpmLimit = body.rpm_limit as number | null;
            if ("tpm_limit" in body) key.tpmLimit = body.tpm_limit as number | null;
            if ("metadata" in body) key.metadata = { ...((body.metadata as Record<string, unknown> | null) ?? {}) };
            key.updatedAt = new Date().toISOString();
            return [200, { key: passed, ...info(key) }];
        },
        "POST /key/delete": (req, _query, body) => {
            requireMaster(req);
            const byKeys = Array.isArray(body.keys) ? (body.keys as string[]).map(toToken) : [];
            const byAliases = Array.isArray(body.key_aliases) ? (body.key_aliases as string[]) : [];
            const doomed = [...keys.values()].filter((k) => byKeys.includes(k.token) || (k.keyAlias !== null && byAliases.includes(k.keyAlias)));
            if (doomed.length === 0) {
                throw new ApiError(404, "not_found_error", "{'error': 'No keys found'}", "keys");
            }
            for (const key of doomed) {
                keys.delete(key.token);
            }
            return [200, { deleted_keys: byKeys.length > 0 ? body.keys : body.key_aliases }];
        },
        "POST /v1/chat/completions": (req, _query, body) => {
            const presented = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
            const key = presented.startsWith("sk-") ? keys.get(hashKey(presented)) : undefined;
            if (!key) {
                throw new ApiError(401, "auth_error", "Authentication Error, Invalid proxy server token passed.", "None");
            }
            const model = String(body.model ?? "");
            if (key.models.length > 0 && !key.models.includes(model)) {
                throw new ApiError(401, "key_model_access_denied", `API Key not allowed to access model. This key can only access models=${JSON.stringify(key.models)}. Tried to access ${model}`, "model");
            }
            if (key.maxBudget !== null && key.spend >= key.maxBudget) {
                throw new ApiError(budgetExceededStatus, "budget_exceeded", `Budget has been exceeded! Current cost: ${key.spend}, Max budget: ${key.maxBudget}`, "None");
            }
            key.spend += spendPerRequest;
            return [
                200,
                {
                    id: `chatcmpl-${randomBytes(6).toString("hex")}`,
                    object: "chat.completion",
                    created: Math.floor(Date.now() / 1000),
                    model,
                    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "ok" } }],
                    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
                },
            ];
        },
    };

    function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
        const text = JSON.stringify(payload ?? null);
        res.writeHead(status, { ...headers, "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)) });
        res.end(text);
    }

    async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", "http://fake");
        const chunks: Buffer[] = [];
        for await (const chunk of req) {
            chunks.push(chunk as Buffer);
        }
        const raw = Buffer.concat(chunks).toString("utf8");
        let body: unknown = undefined;
        try {
            body = raw.length > 0 ? JSON.parse(raw) : undefined;
        } catch {
            body = undefined;
        }
        const record: RecordedRequest = {
            method: req.method ?? "GET",
            path: url.pathname === "/chat/completions" ? "/v1/chat/completions" : url.pathname,
            query: Object.fromEntries(url.searchParams),
            body,
            authorization: req.headers.authorization,
            status: null,
        };
        requests.push(record);

        const fault = faults.find((f) => f.remaining > 0 && f.path === record.path && (f.method === undefined || f.method === record.method));
        if (fault) {
            fault.remaining -= 1;
            if (fault.dropConnection) {
                req.socket.destroy();
                return;
            }
            const status = fault.status ?? 500;
            record.status = status;
            send(
                res,
                status,
                { error: { message: `Injected fault: HTTP ${status}`, type: status === 429 ? "rate_limit_error" : "internal_server_error", param: "None", code: String(status) } },
                fault.retryAfterSeconds === undefined ? {} : { "Retry-After": String(fault.retryAfterSeconds) },
            );
            return;
        }

        const handler = routes[`${record.method} ${record.path}`];
        if (!handler) {
            record.status = 404;
            send(res, 404, { detail: "Not Found" });
            return;
        }
        try {
            const [status, payload] = handler(req, record.query, body && typeof body === "object" ? (body as Record<string, unknown>) : {});
            record.status = status;
            send(res, status, payload);
        } catch (error) {
            if (!(error instanceof ApiError)) {
                throw error;
            }
            record.status = error.status;
            send(res, error.status, { error: { message: error.message, type: error.type, param: error.param, code: String(error.status) } });
        }
    }

    const server: Server = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
            if (!res.headersSent) {
                send(res, 500, { error: { message: `fake failed: ${String(error)}`, type: "internal_server_error", param: "None", code: "500" } });
            }
        });
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;

    return {
        url: `http://127.0.0.1:${port}`,
        port,
        keys,
        requests,
        count: (method, path) => requests.filter((r) => r.method === method && r.path === path).length,
        keyByAlias: (alias) => [...keys.values()].find((k) => k.keyAlias === alias),
        ready() {
            readyNow = true;
            if (typeof options.notReady === "number") {
                options = { ...options, notReady: false };
            }
        },
        notReady() {
            readyNow = false;
        },
        inject(fault) {
            faults.push({ ...fault, remaining: fault.times ?? 1 });
        },
        deleteOutOfBand(token) {
            if (!keys.delete(token)) {
                throw new Error(`the fake has no key with token ${token}`);
            }
        },
        issueOutOfBand(alias, models = []) {
            return issue({ key_alias: alias, models });
        },
        close() {
            server.closeAllConnections();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

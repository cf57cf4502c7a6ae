/**
 * One client for the Hugging Face Hub: `@huggingface/hub` where it covers the call (identity,
 * repositories, files, commits), `fetch` for what it does not (secrets, variables, runtime,
 * restart). Every request has a timeout, and rate limits (429), server errors (5xx), network
 * errors and "conflicting operation" answers (409) are retried with backoff. No error it throws
 * shows the token or a secret value it was given (see `redactorFor`).
 *
 * This module is captured by value into the Space's dynamic providers (Pulumi serializes their
 * closures into the stack's state), so it uses only globals, Node built-ins and packages from
 * node_modules, and holds no module-level mutable state.
 */
import type * as HubLibrary from "@huggingface/hub";

export interface HubClientOptions {
    /** Base URL of the Hub API (`https://huggingface.co`, or a mirror or a local fake). */
    endpoint: string;
    /** An `hf_...` access token. Never printed. */
    token: string;
    /** Per-attempt timeout. */
    requestTimeoutMs?: number;
    /** Retries after the first attempt for retryable answers. */
    maxRetries?: number;
    /** Base backoff delay; doubles on every retry. */
    retryBaseDelayMs?: number;
    /** Longest wait honoured from Retry-After / RateLimit before giving up. */
    maxRetryWaitMs?: number;
    /**
     * Values to keep out of every error besides the token (e.g. the Space's secret values). The
     * values written with `putSecret` are added by themselves.
     */
    secretValues?: string[];
}

/** A failed Hub call, with what was attempted. Never contains the token. */
export interface HubError extends Error {
    name: "HubError";
    /** HTTP status; undefined when no answer came (timeout, network). */
    status: number | undefined;
    /** The Hub's X-Error-Code (RepoNotFound, ...). */
    code: string | undefined;
}

/**
 * A factory, not a subclass of Error: Pulumi's closure serializer rewrites classes into plain
 * functions that call `Error.call(this, ...)`, which drops the message.
 */
export function hubError(operation: string, status: number | undefined, detail: string, code?: string): HubError {
    const error = new Error(
        `Hugging Face Hub: ${operation} failed${status === undefined ? "" : ` (HTTP ${status}${code ? ` ${code}` : ""})`}: ${detail}`,
    ) as HubError;
    error.name = "HubError";
    error.status = status;
    error.code = code;
    return error;
}

export function isHubError(error: unknown, status?: number): error is HubError {
    return error instanceof Error && error.name === "HubError" && (status === undefined || (error as HubError).status === status);
}

export interface HubIdentity {
    name: string;
    orgs: string[];
    /** The token's role: `read`, `write`, or `fineGrained`. */
    role: string;
}

export interface SpaceInfo {
    id: string;
    /** HEAD commit of the main branch. */
    sha: string | undefined;
    private: boolean;
    subdomain: string | undefined;
}

/** One of `runtime.domains` (huggingface.js types/api/api-collection.ts). */
export interface SpaceDomain {
    domain: string;
    /** True for a custom domain the owner set up; absent on the Space's own `*.hf.space`. */
    isCustom?: boolean | null;
    stage?: string;
}

export interface SpaceRuntime {
    stage: string;
    domains: SpaceDomain[];
    errorMessage?: string;
}

export type SpaceVisibility = "public" | "protected" | "private";

/**
 * What creating a Space came to: made now, already there and writable (adopted), or already there
 * but the token cannot write to it.
 */
export type CreateOutcome = "created" | "exists" | "exists-read-only";

/** Values are never returned by the Hub; only when each secret was last written. */
export type SecretListing = Record<string, { updatedAt?: string }>;
export type VariableListing = Record<string, { value: string; updatedAt?: string }>;

export type HubClient = ReturnType<typeof createHubClient>;

/** Secrets shorter than this are not searched for: they would blank out ordinary words. */
const SHORTEST_REDACTED = 4;

/**
 * A function that blanks every form in which a secret can end up in an error message: as it is,
 * JSON-escaped (an answer quoting the request), URL-encoded, and each run of it between control
 * characters or whitespace (fetch's own messages keep some of those, a header-safe copy turns them
 * into spaces, a trimmed copy drops a trailing newline). Longest first, so that a secret that
 * contains another is blanked whole.
 */
export function redactorFor(secrets: Iterable<string>): (text: string) => string {
    const forms = new Set<string>();
    for (const secret of secrets) {
        if (typeof secret !== "string" || secret.length === 0) {
            continue;
        }
        for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
            forms.add(form);
        }
        // eslint-disable-next-line no-control-regex
        for (const piece of secret.split(/[\u0000-\u001f\u007f\s]+/)) {
            forms.add(piece);
        }
    }
    const ordered = [...forms].filter((form) => form.length >= SHORTEST_REDACTED).sort((a, b) => b.length - a.length);
    return (text: string) => ordered.reduce((redacted, form) => redacted.split(form).join("[redacted]"), text);
}

export function createHubClient(options: HubClientOptions) {
    // Required here, not imported at the top: a require inside the function is what Pulumi's
    // closure serializer turns back into a require when the provider runs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const hub = require("@huggingface/hub") as typeof HubLibrary;
    const endpoint = options.endpoint.replace(/\/+$/, "");
    const timeoutMs = options.requestTimeoutMs ?? 30_000;
    const maxRetries = options.maxRetries ?? 4;
    const baseDelayMs = options.retryBaseDelayMs ?? 500;
    const maxWaitMs = options.maxRetryWaitMs ?? 120_000;
    const credentials = { accessToken: options.token };
    /** What no error may show: the token, the secrets given, every secret value written since. */
    const secrets = new Set<string>([options.token, ...(options.secretValues ?? [])]);

    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

    /** Every error of this client is made here, with its text redacted before the Error exists (its stack repeats the message). */
    function clientError(operation: string, status: number | undefined, detail: string, code?: string): HubError {
        const redact = redactorFor(secrets);
        return hubError(redact(operation), status, redact(detail), code === undefined ? undefined : redact(code));
    }

    /** Seconds the Hub asks us to wait: Retry-After, else the RateLimit header's `t=`. */
    function requestedWaitMs(response: Response): number | undefined {
        const retryAfter = response.headers.get("retry-after");
        if (retryAfter && /^[0-9]+$/.test(retryAfter.trim())) {
            return Number(retryAfter) * 1000;
        }
        // huggingface_hub utils/_http.py parse_ratelimit_headers: `"api";r=0;t=55`.
        const rateLimit = /(?:^|;)\s*t=([0-9]+)/.exec(response.headers.get("ratelimit") ?? "");
        return rateLimit ? Number(rateLimit[1]) * 1000 : undefined;
    }

    async function isConflictingOperation(response: Response): Promise<boolean> {
        if (response.status !== 409) {
            return false;
        }
        const text = await response.clone().text().catch(() => "");
        return /conflicting operation/i.test(text);
    }

    /**
     * fetch refuses to send a header value it cannot carry before anything reaches the network:
     * Node 20 throws `TypeError: Headers.append: "Bearer hf_..." is an invalid header value.` for
     * a CR, LF or NUL (the token is in the message), `TypeError: fetch failed` caused by
     * `InvalidArgumentError: invalid Authorization header` for other control characters, and
     * "Cannot convert argument to a ByteString" above U+00FF. Only the Authorization header
     * carries something the user typed, so all three mean the token.
     */
    function isUnsendableHeader(error: unknown): boolean {
        if (!(error instanceof TypeError)) {
            return false;
        }
        const cause = (error as { cause?: unknown }).cause;
        const causeText = cause instanceof Error ? `${cause.name} ${cause.message}` : "";
        return /invalid header value|ByteString/i.test(error.message) || /InvalidArgumentError[\s\S]*header/i.test(causeText);
    }

    /** fetch with a timeout per attempt and retries for what is worth retrying. */
    async function resilientFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
        let lastError: unknown;
        for (let attempt = 0; attempt <= maxRetries; attempt++) {
            const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
            let response: Response;
            try {
                response = await fetch(input, { ...init, signal });
            } catch (error) {
                if (isUnsendableHeader(error)) {
                    // Nothing was sent and no retry can change that.
                    throw clientError(
                        `request to ${endpoint}`,
                        undefined,
                        "hfToken contains a character an HTTP header cannot carry (a line break, or another control character), so the request was not sent. " +
                            "Copy the token again from https://huggingface.co/settings/tokens and set it with `pulumi config set --secret hfToken hf_...`, without the line break.",
                    );
                }
                // Timeouts and network errors: the request may or may not have reached the Hub;
                // every call made through here is safe to repeat.
                lastError = error;
                if (attempt < maxRetries) {
                    await sleep(baseDelayMs * 2 ** attempt);
                    continue;
                }
                break;
            }
            const retryable = response.status === 429 || response.status >= 500 || (await isConflictingOperation(response));
            if (!retryable || attempt === maxRetries) {
                return response;
            }
            const asked = response.status === 429 ? requestedWaitMs(response) : undefined;
            const wait = asked ?? baseDelayMs * 2 ** attempt;
            if (wait > maxWaitMs) {
                return response;
            }
            await response.body?.cancel().catch(() => undefined);
            await sleep(wait);
        }
        const reason = lastError instanceof Error ? (lastError.name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : lastError.message) : String(lastError);
        throw clientError(`request to ${endpoint}`, undefined, `${reason} (after ${maxRetries + 1} attempts)`);
    }

    async function failure(operation: string, response: Response): Promise<HubError> {
        const text = await response.text().catch(() => "");
        let detail = response.headers.get("x-error-message") ?? "";
        try {
            const body = JSON.parse(text) as { error?: unknown };
            if (typeof body.error === "string") {
                detail = body.error;
            }
        } catch {
            detail = detail || text.slice(0, 200);
        }
        return clientError(operation, response.status, detail || response.statusText, response.headers.get("x-error-code") ?? undefined);
    }

    async function api(operation: string, method: string, path: string, body?: unknown): Promise<Response> {
        const response = await resilientFetch(`${endpoint}${path}`, {
            method,
            headers: {
                Authorization: `Bearer ${options.token}`,
                ...(body === undefined ? {} : { "Content-Type": "application/json" }),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        if (!response.ok) {
            throw await failure(operation, response);
        }
        return response;
    }

    /**
     * Runs one call of this client; whatever it throws leaves as a redacted HubError. Library
     * errors (HubApiError) carry the status, and their message quotes the Hub's answer and the URL.
     */
    async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
        try {
            return await run();
        } catch (error) {
            if (isHubError(error)) {
                throw error;
            }
            const apiError = error as { statusCode?: unknown; message?: unknown };
            const status = typeof apiError.statusCode === "number" ? apiError.statusCode : undefined;
            throw clientError(operation, status, typeof apiError.message === "string" ? apiError.message : String(error));
        }
    }

    async function spaceInfo(spaceId: string): Promise<SpaceInfo | undefined> {
        const response = await resilientFetch(`${endpoint}/api/spaces/${spaceId}`, {
            headers: { Authorization: `Bearer ${options.token}` },
        });
        if (response.status === 404) {
            await response.body?.cancel();
            return undefined;
        }
        if (!response.ok) {
            throw await failure(`reading Space ${spaceId}`, response);
        }
        const info = (await response.json()) as { id: string; sha?: string; private?: boolean; subdomain?: string };
        return { id: info.id, sha: info.sha, private: info.private === true, subdomain: info.subdomain };
    }

    /**
     * Whether the token may write to the Space: the Hub's own answer (`auth-check/write`,
     * huggingface_hub hf_api.py auth_check(write=True)), which knows what whoami cannot settle
     * alone: fine-grained scopes, the member's role in an organization, resource groups.
     */
    async function canWrite(spaceId: string): Promise<boolean> {
        const response = await resilientFetch(`${endpoint}/api/spaces/${spaceId}/auth-check/write`, {
            headers: { Authorization: `Bearer ${options.token}` },
        });
        await response.body?.cancel().catch(() => undefined);
        return response.ok;
    }

    const library = { hubUrl: endpoint, fetch: resilientFetch as typeof fetch, credentials };
    const space = (spaceId: string) => ({ type: "space" as const, name: spaceId });

    return {
        endpoint,

        whoAmI(): Promise<HubIdentity> {
            return guarded("checking the token (whoami)", async () => {
                const me = (await hub.whoAmI(library)) as unknown as {
                    name: string;
                    orgs?: { name: string }[];
                    auth?: { accessToken?: { role?: string } };
                };
                return { name: me.name, orgs: (me.orgs ?? []).map((o) => o.name), role: me.auth?.accessToken?.role ?? "unknown" };
            });
        },

        /** The Space, or undefined when it does not exist. */
        spaceInfo(spaceId: string): Promise<SpaceInfo | undefined> {
            return guarded(`reading Space ${spaceId}`, () => spaceInfo(spaceId));
        },

        /**
         * Creates a Docker Space. The Hub checks the plan (402) and the rights (401, 403) before it
         * checks whether the Space exists (409), so a Space that exists can be answered 402
         * (huggingface_hub#4535). As huggingface_hub's create_repo(exist_ok=True) does since PR
         * #4539, those answers are followed by a look-up: a Space that is there is adopted when
         * the token can write to it; otherwise the create's own error stands.
         */
        createSpace(spaceId: string, visibility: SpaceVisibility): Promise<CreateOutcome> {
            return guarded(`creating Space ${spaceId}`, async () => {
                let refusal: HubError;
                try {
                    await guarded(`creating Space ${spaceId}`, () => hub.createRepo({ ...library, repo: space(spaceId), sdk: "docker", visibility }));
                    return "created";
                } catch (error) {
                    refusal = error as HubError;
                }
                if (refusal.status === 409) {
                    return "exists";
                }
                if (refusal.status !== 401 && refusal.status !== 402 && refusal.status !== 403) {
                    throw refusal;
                }
                const existing = await spaceInfo(spaceId).catch(() => undefined);
                if (!existing) {
                    throw refusal;
                }
                return (await canWrite(spaceId)) ? "exists" : "exists-read-only";
            });
        },

        deleteSpace(spaceId: string): Promise<void> {
            return guarded(`deleting Space ${spaceId}`, async () => {
                try {
                    await guarded(`deleting Space ${spaceId}`, () => hub.deleteRepo({ ...library, repo: space(spaceId) }));
                } catch (error) {
                    if (!isHubError(error, 404)) {
                        throw error;
                    }
                }
            });
        },

        /**
         * `PUT /api/spaces/{id}/settings {"visibility"}`, as huggingface_hub's update_repo_settings
         * sends it (hf_api.py); the answer has nothing the client reads.
         */
        setVisibility(spaceId: string, visibility: SpaceVisibility): Promise<void> {
            return guarded(`changing the visibility of Space ${spaceId} to ${visibility}`, async () => {
                await (await api(`changing the visibility of Space ${spaceId} to ${visibility}`, "PUT", `/api/spaces/${spaceId}/settings`, { visibility })).body?.cancel();
            });
        },

        /** Git blob SHA-1 of every file on the main branch, by path. */
        fileOids(spaceId: string): Promise<Record<string, string>> {
            return guarded(`listing the files of Space ${spaceId}`, async () => {
                const oids: Record<string, string> = {};
                for await (const entry of hub.listFiles({ ...library, repo: space(spaceId), recursive: true })) {
                    if (entry.type === "file") {
                        oids[entry.path] = entry.oid ?? "";
                    }
                }
                return oids;
            });
        },

        /** One commit with every given file; fails with HTTP 412 when HEAD is not parentCommit. */
        commitFiles(spaceId: string, files: Record<string, string>, parentCommit: string | undefined, summary: string): Promise<string> {
            return guarded(`committing to Space ${spaceId}`, async () => {
                const result = await hub.commit({
                    ...library,
                    repo: space(spaceId),
                    title: summary,
                    parentCommit,
                    operations: Object.entries(files).map(([path, content]) => ({
                        operation: "addOrUpdate" as const,
                        path,
                        content: new Blob([content]),
                    })),
                    useWebWorkers: false,
                    useXet: false,
                });
                return result?.commit.oid ?? "";
            });
        },

        listSecrets(spaceId: string): Promise<SecretListing> {
            const operation = `listing the secrets of Space ${spaceId}`;
            return guarded(operation, async () => (await api(operation, "GET", `/api/spaces/${spaceId}/secrets`)).json() as Promise<SecretListing>);
        },

        putSecret(spaceId: string, key: string, value: string): Promise<void> {
            secrets.add(value);
            const operation = `writing secret ${key} of Space ${spaceId}`;
            return guarded(operation, async () => {
                await (await api(operation, "POST", `/api/spaces/${spaceId}/secrets`, { key, value })).body?.cancel();
            });
        },

        deleteSecret(spaceId: string, key: string): Promise<void> {
            const operation = `deleting secret ${key} of Space ${spaceId}`;
            return guarded(operation, async () => {
                await (await api(operation, "DELETE", `/api/spaces/${spaceId}/secrets`, { key })).body?.cancel();
            });
        },

        listVariables(spaceId: string): Promise<VariableListing> {
            const operation = `listing the variables of Space ${spaceId}`;
            return guarded(operation, async () => (await api(operation, "GET", `/api/spaces/${spaceId}/variables`)).json() as Promise<VariableListing>);
        },

        putVariable(spaceId: string, key: string, value: string): Promise<void> {
            const operation = `writing variable ${key} of Space ${spaceId}`;
            return guarded(operation, async () => {
                await (await api(operation, "POST", `/api/spaces/${spaceId}/variables`, { key, value })).body?.cancel();
            });
        },

        deleteVariable(spaceId: string, key: string): Promise<void> {
            const operation = `deleting variable ${key} of Space ${spaceId}`;
            return guarded(operation, async () => {
                await (await api(operation, "DELETE", `/api/spaces/${spaceId}/variables`, { key })).body?.cancel();
            });
        },

        runtime(spaceId: string): Promise<SpaceRuntime> {
            const operation = `reading the runtime of Space ${spaceId}`;
            return guarded(operation, async () => {
                const runtime = (await (await api(operation, "GET", `/api/spaces/${spaceId}/runtime`)).json()) as {
                    stage: string;
                    domains?: SpaceDomain[];
                    errorMessage?: string | null;
                };
                return { stage: runtime.stage, domains: runtime.domains ?? [], errorMessage: runtime.errorMessage ?? undefined };
            });
        },

        restart(spaceId: string): Promise<void> {
            const operation = `restarting Space ${spaceId}`;
            return guarded(operation, async () => {
                await (await api(operation, "POST", `/api/spaces/${spaceId}/restart`)).body?.cancel();
            });
        },
    };
}

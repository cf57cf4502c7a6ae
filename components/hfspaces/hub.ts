/**
 * One client for the Hugging Face Hub: `@huggingface/hub` where it covers the call (identity,
 * repositories, files, commits), `fetch` for what it does not (secrets, variables, runtime,
 * restart). Every request has a timeout, and rate limits (429), server errors (5xx), network
 * errors and "conflicting operation" answers (409) are retried with backoff.
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

export interface SpaceRuntime {
    stage: string;
    domains: { domain: string; stage?: string }[];
    errorMessage?: string;
}

/** Values are never returned by the Hub; only when each secret was last written. */
export type SecretListing = Record<string, { updatedAt?: string }>;
export type VariableListing = Record<string, { value: string; updatedAt?: string }>;

export type HubClient = ReturnType<typeof createHubClient>;

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

    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

    /** Seconds the Hub asks us to wait: Retry-After, else the RateLimit header's `t=`. */
    function requestedWaitMs(response: Response): number | undefined {
        const retryAfter = response.headers.get("retry-after");
        if (retryAfter && /^[0-9]+$/.test(retryAfter.trim())) {
            return Number(retryAfter) * 1000;
        }
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

    /** fetch with a timeout per attempt and retries for what is worth retrying. */
    async function resilientFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
        let lastError: unknown;
        for (let attempt = 0; attempt <= maxRetries; attempt++) {
            const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
            let response: Response;
            try {
                response = await fetch(input, { ...init, signal });
            } catch (error) {
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
        throw hubError(`request to ${endpoint}`, undefined, `${reason} (after ${maxRetries + 1} attempts)`);
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
        return hubError(operation, response.status, detail || response.statusText, response.headers.get("x-error-code") ?? undefined);
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

    /** Library errors (HubApiError) carry the status; rethrow them in our words. */
    function translate(operation: string, error: unknown): HubError {
        if (isHubError(error)) {
            return error;
        }
        const apiError = error as { statusCode?: number; message?: string };
        return hubError(operation, apiError.statusCode, apiError.message ?? String(error));
    }

    const library = { hubUrl: endpoint, fetch: resilientFetch as typeof fetch, credentials };
    const space = (spaceId: string) => ({ type: "space" as const, name: spaceId });

    return {
        endpoint,

        async whoAmI(): Promise<HubIdentity> {
            try {
                const me = (await hub.whoAmI(library)) as unknown as {
                    name: string;
                    orgs?: { name: string }[];
                    auth?: { accessToken?: { role?: string } };
                };
                return { name: me.name, orgs: (me.orgs ?? []).map((o) => o.name), role: me.auth?.accessToken?.role ?? "unknown" };
            } catch (error) {
                throw translate("checking the token (whoami)", error);
            }
        },

        /** The Space, or undefined when it does not exist. */
        async spaceInfo(spaceId: string): Promise<SpaceInfo | undefined> {
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
        },

        /** Creates a Docker Space; "exists" when it was already there (adopted, not created). */
        async createSpace(spaceId: string, visibility: string): Promise<"created" | "exists"> {
            try {
                await hub.createRepo({ ...library, repo: space(spaceId), sdk: "docker", visibility: visibility as "public" });
                return "created";
            } catch (error) {
                const hubError = translate(`creating Space ${spaceId}`, error);
                if (hubError.status === 409) {
                    return "exists";
                }
                throw hubError;
            }
        },

        async deleteSpace(spaceId: string): Promise<void> {
            try {
                await hub.deleteRepo({ ...library, repo: space(spaceId) });
            } catch (error) {
                const hubError = translate(`deleting Space ${spaceId}`, error);
                if (hubError.status !== 404) {
                    throw hubError;
                }
            }
        },

        /** Git blob SHA-1 of every file on the main branch, by path. */
        async fileOids(spaceId: string): Promise<Record<string, string>> {
            const oids: Record<string, string> = {};
            try {
                for await (const entry of hub.listFiles({ ...library, repo: space(spaceId), recursive: true })) {
                    if (entry.type === "file") {
                        oids[entry.path] = entry.oid ?? "";
                    }
                }
            } catch (error) {
                throw translate(`listing the files of Space ${spaceId}`, error);
            }
            return oids;
        },

        /** One commit with every given file; fails with HTTP 412 when HEAD is not parentCommit. */
        async commitFiles(spaceId: string, files: Record<string, string>, parentCommit: string | undefined, summary: string): Promise<string> {
            try {
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
            } catch (error) {
                throw translate(`committing to Space ${spaceId}`, error);
            }
        },

        async listSecrets(spaceId: string): Promise<SecretListing> {
            return (await api(`listing the secrets of Space ${spaceId}`, "GET", `/api/spaces/${spaceId}/secrets`)).json() as Promise<SecretListing>;
        },

        async putSecret(spaceId: string, key: string, value: string): Promise<void> {
            await (await api(`writing secret ${key} of Space ${spaceId}`, "POST", `/api/spaces/${spaceId}/secrets`, { key, value })).body?.cancel();
        },

        async deleteSecret(spaceId: string, key: string): Promise<void> {
            await (await api(`deleting secret ${key} of Space ${spaceId}`, "DELETE", `/api/spaces/${spaceId}/secrets`, { key })).body?.cancel();
        },

        async listVariables(spaceId: string): Promise<VariableListing> {
            return (await api(`listing the variables of Space ${spaceId}`, "GET", `/api/spaces/${spaceId}/variables`)).json() as Promise<VariableListing>;
        },

        async putVariable(spaceId: string, key: string, value: string): Promise<void> {
            await (await api(`writing variable ${key} of Space ${spaceId}`, "POST", `/api/spaces/${spaceId}/variables`, { key, value })).body?.cancel();
        },

        async deleteVariable(spaceId: string, key: string): Promise<void> {
            await (await api(`deleting variable ${key} of Space ${spaceId}`, "DELETE", `/api/spaces/${spaceId}/variables`, { key })).body?.cancel();
        },

        async runtime(spaceId: string): Promise<SpaceRuntime> {
            const runtime = (await (await api(`reading the runtime of Space ${spaceId}`, "GET", `/api/spaces/${spaceId}/runtime`)).json()) as {
                stage: string;
                domains?: { domain: string; stage?: string }[];
                errorMessage?: string | null;
            };
            return { stage: runtime.stage, domains: runtime.domains ?? [], errorMessage: runtime.errorMessage ?? undefined };
        },

        async restart(spaceId: string): Promise<void> {
            await (await api(`restarting Space ${spaceId}`, "POST", `/api/spaces/${spaceId}/restart`)).body?.cancel();
        },
    };
}

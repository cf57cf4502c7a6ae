/**
 * How the Hub answers errors: the HubError an endpoint throws, the JSON body and headers it
 * becomes, the texts of the 401s, and the 429 of the rate limiter.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import type { HubResponse } from "./requests";

/**
 * An error the Hub answers with: JSON `{"error": message}` (hf.js error.ts reads `error`), plus
 * `X-Error-Code` where the Hub sets one (RepoNotFound, RevisionNotFound, EntryNotFound: _http.py)
 * and `X-Error-Message` (_http.py compares it with "Invalid credentials in Authorization header").
 * The recorded 409 from create carries no X-Error-Message (cassette test_manage_secrets), hence
 * `withoutMessageHeader`.
 */
export class HubError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { errorCode?: string; extraBody?: Record<string, unknown>; headers?: Record<string, string>; withoutMessageHeader?: true } = {},
  ) {
    super(message);
  }
}

// _http.py tells an invalid token apart from a hidden repo by this exact X-Error-Message.
export const INVALID_TOKEN_MESSAGE = "Invalid credentials in Authorization header";
// UNVERIFIED: the text of a 401 to an anonymous request.
export const ANONYMOUS_MESSAGE = "Invalid username or password.";

function headerSafe(message: string): string {
  return message.replace(/[^\x20-\x7e]/g, " ").slice(0, 500);
}

export function errorResponse(error: unknown): HubResponse {
  if (error instanceof HubError) {
    return {
      status: error.status,
      headers: {
        ...(error.details.withoutMessageHeader === undefined && { "X-Error-Message": headerSafe(error.message) }),
        ...(error.details.errorCode !== undefined && { "X-Error-Code": error.details.errorCode }),
        ...error.details.headers,
      },
      json: { error: error.message, ...error.details.extraBody },
    };
  }
  const message = "Internal Error - We're working hard to fix this as soon as possible!";
  return { status: 500, headers: { "X-Error-Message": message }, json: { error: message, fakeHubBug: String(error) } };
}

/** 429 from the Hub's rate limiter, for an injected fault and for the whoami-v2 quota alike. */
export function rateLimitResponse(limit: { resetSeconds?: number; retryAfterSeconds?: number }): HubResponse {
  // Header formats as _http.py parse_ratelimit_headers documents them ("api";r=0;t=55 and
  // "fixed window";"api";q=500;w=300); the quota is the reference's free-user figure.
  const resetSeconds = limit.resetSeconds ?? 55;
  return errorResponse(
    new HubError(429, `You have exceeded our API rate limit. Retry after ${resetSeconds} seconds.`, {
      headers: {
        RateLimit: `"api";r=0;t=${resetSeconds}`,
        "RateLimit-Policy": '"fixed window";"api";q=1000;w=300',
        ...(limit.retryAfterSeconds !== undefined && { "Retry-After": String(limit.retryAfterSeconds) }),
      },
    }),
  );
}

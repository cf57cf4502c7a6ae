/**
 * Fault injection: the faults a test queues (one-shot) or makes recur (every n-th matching
 * request), which one a request meets, and the answer each fault gives. Network-level faults
 * (dropConnection, slowResponse, echoRequest) are carried out by server.ts.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { errorResponse, HubError, rateLimitResponse } from "./errors";
import type { HubFault, RequestMatcher } from "./harness";
import type { HubResponse } from "./requests";
import type { InMemoryHub } from "./state";

interface FaultRule extends RequestMatcher {
  fault: HubFault;
  every?: number;
  matchedSoFar: number;
}

export function matches(matcher: RequestMatcher, method: string, path: string): boolean {
  if (matcher.method && matcher.method.toUpperCase() !== method) return false;
  if (matcher.pathPattern) {
    matcher.pathPattern.lastIndex = 0; // a /g pattern would otherwise alternate between hits and misses
    if (!matcher.pathPattern.test(path)) return false;
  }
  return true;
}

/** The faults a test injected and has not cleared, in the order it injected them. */
export class FaultInjector {
  private readonly oneShotFaults: FaultRule[] = [];
  private readonly recurringFaults: FaultRule[] = [];

  injectFault(fault: HubFault, match: RequestMatcher = {}): void {
    this.oneShotFaults.push({ ...match, fault, matchedSoFar: 0 });
  }

  injectRecurringFault(fault: HubFault, match: RequestMatcher & { every: number }): void {
    if (!Number.isInteger(match.every) || match.every < 1) throw new Error("injectRecurringFault: every must be a positive integer");
    this.recurringFaults.push({ ...match, fault, matchedSoFar: 0 });
  }

  clearFaults(): void {
    this.oneShotFaults.length = 0;
    this.recurringFaults.length = 0;
  }

  takeFault(method: string, path: string): HubFault | undefined {
    const index = this.oneShotFaults.findIndex((rule) => matches(rule, method, path));
    if (index !== -1) return this.oneShotFaults.splice(index, 1)[0]?.fault;
    for (const rule of this.recurringFaults) {
      if (!matches(rule, method, path)) continue;
      rule.matchedSoFar += 1;
      if (rule.every !== undefined && rule.matchedSoFar % rule.every === 0) return rule.fault;
    }
    return undefined;
  }
}

export function faultResponse(hub: InMemoryHub, fault: Exclude<HubFault, { kind: "dropConnection" | "slowResponse" | "echoRequest" }>, path: string): HubResponse {
  switch (fault.kind) {
    case "rateLimit":
      return rateLimitResponse(fault);
    case "serverError": {
      const status = fault.status ?? 500;
      if (status === 500) return errorResponse(new Error("injected fault"));
      // 502 and 503 come from the load balancer in front of the Hub: HTML, not JSON.
      const reason = status === 502 ? "Bad Gateway" : "Service Temporarily Unavailable";
      return { status, headers: { "Content-Type": "text/html" }, raw: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>\n` };
    }
    case "headMoved": {
      // hf_api.py create_commit: the commit "will fail if `revision` does not point to
      // `parent_commit`". UNVERIFIED: the status (412) and the text.
      const commitPath = /^\/api\/spaces\/([^/]+)\/([^/]+)\/commit\//.exec(path);
      const spaceId = commitPath ? `${decodeURIComponent(commitPath[1] ?? "")}/${decodeURIComponent(commitPath[2] ?? "")}` : undefined;
      if (spaceId !== undefined && hub.state.spaces.has(spaceId)) hub.commitAsSomeoneElse(spaceId);
      return errorResponse(new HubError(412, "A commit has happened since. Please refresh and try again."));
    }
    case "conflictingOperation":
      // The text create_repo retries on (hf_api.py); upstream documents this 409 for create only.
      return errorResponse(new HubError(409, "Cannot create repo: another conflicting operation is in progress"));
  }
}

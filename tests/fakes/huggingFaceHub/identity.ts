/**
 * Who is calling: the bearer token of a request, and `GET /api/whoami-v2` with its quota.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { requireUser } from "./access";
import { HubError, INVALID_TOKEN_MESSAGE, rateLimitResponse } from "./errors";
import type { Caller, HubResponse, RequestContext } from "./requests";
import { databaseId, type InMemoryHub } from "./state";

export function authenticate(hub: InMemoryHub, authorization: string | undefined): Caller {
  if (authorization === undefined) return { kind: "anonymous" };
  const bearer = /^Bearer (.+)$/i.exec(authorization.trim());
  const token = bearer?.[1] ? hub.state.tokens.get(bearer[1]) : undefined;
  const user = token ? hub.state.users.get(token.user) : undefined;
  if (!token || !user) throw new HubError(401, INVALID_TOKEN_MESSAGE);
  return { kind: "user", user, token };
}

/** whoami-v2 is "heavily rate-limited for security reasons" (hf_api.py whoami): see whoAmIQuota. */
export function whoAmI(hub: InMemoryHub, context: RequestContext): HubResponse {
  const { user, token } = requireUser(context);
  const calls = (hub.whoAmICalls.get(token.token) ?? 0) + 1;
  hub.whoAmICalls.set(token.token, calls);
  if (calls > (hub.options.whoAmIQuota ?? Number.POSITIVE_INFINITY)) {
    return rateLimitResponse({ resetSeconds: 300 });
  }
  const orgs = [...hub.state.orgs.values()]
    .filter((org) => org.members.has(user.name))
    .map((org) => ({ type: "org", id: org.id, name: org.name, fullname: org.name, email: null, canPay: org.plan === "pro", avatarUrl: `/avatars/${org.id}.svg`, periodEnd: null, roleInOrg: org.roles.get(user.name) ?? "write" }));
  // `roleInOrg` as OAuth userinfo carries it (_oauth.py); UNVERIFIED that whoami-v2 lists it
  // (hf.js WhoAmIOrg does not). The stack does not read it.
  // A fine-grained token lists its permissions per entity (shape of a recorded whoami-v2 answer).
  const fineGrained =
    token.role === "fineGrained"
      ? {
          canReadGatedRepos: false,
          global: [],
          scoped: Object.entries(token.scoped ?? {}).map(([name, permissions]) => {
            const org = hub.state.orgs.get(name);
            return { entity: { _id: org?.id ?? databaseId(`user:${name}`), type: org ? "org" : "user", name }, permissions };
          }),
        }
      : undefined;
  // Shape: hf.js lib/who-am-i.ts (WhoAmIUser, AuthInfo).
  return {
    status: 200,
    json: {
      type: "user",
      id: user.id,
      name: user.name,
      fullname: user.name,
      email: `${user.name}@example.com`,
      emailVerified: true,
      isPro: user.plan === "pro",
      canPay: user.plan === "pro",
      avatarUrl: `/avatars/${user.id}.svg`,
      periodEnd: null,
      billingMode: "postpaid",
      orgs,
      auth: { type: "access_token", accessToken: { displayName: token.displayName, role: token.role, createdAt: token.createdAt, ...(fineGrained && { fineGrained }) } },
    },
  };
}

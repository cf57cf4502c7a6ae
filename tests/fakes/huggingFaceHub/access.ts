/**
 * Who may do what to a Space: read it (public, or a member of its namespace), manage it (a
 * member) or write to it (a member with write rights, and a token that may write there), and
 * how the Hub answers a caller who may not. Also the plan of a namespace.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { settleTimedBuild } from "./builds";
import { ANONYMOUS_MESSAGE, HubError } from "./errors";
import type { AccountPlan, FakeSpace, FakeUser } from "./model";
import type { AuthenticatedCaller, RequestContext } from "./requests";
import type { InMemoryHub } from "./state";

export function requireUser(context: RequestContext): AuthenticatedCaller {
  if (context.caller.kind === "anonymous") throw new HubError(401, ANONYMOUS_MESSAGE);
  return context.caller;
}

/**
 * Whether this token may write to repos of `namespace`: the user's own namespace or an
 * organization where the user's role is write or admin, with a token that has the "write" role,
 * or a fine-grained token with "repo.write" on that namespace. The Hub answers a refused write
 * with 403 (PR #2053, #1364: "You don't have the rights to create a model under this namespace",
 * also for a read token; hf_api.py accept_access_request documents 403 for "a `read` token" or no
 * write/admin role in the organization).
 */
export function canWrite(hub: InMemoryHub, caller: AuthenticatedCaller, namespace: string): boolean {
  const org = hub.state.orgs.get(namespace);
  const memberCanWrite = namespace === caller.user.name || (org !== undefined && org.members.has(caller.user.name) && (org.roles.get(caller.user.name) ?? "write") !== "read");
  if (!memberCanWrite) return false;
  if (caller.token.role === "write") return true;
  if (caller.token.role === "fineGrained") return caller.token.scoped?.[namespace]?.includes("repo.write") ?? false;
  return false;
}

function requireWriteAccess(hub: InMemoryHub, caller: AuthenticatedCaller, space: FakeSpace): void {
  if (!canWrite(hub, caller, space.owner)) {
    // UNVERIFIED wording: upstream quotes the Hub's 403 text for creating repos only.
    throw new HubError(403, `You don't have the rights to write to this space: "${space.id}"`);
  }
}

function isMember(hub: InMemoryHub, user: FakeUser, namespace: string): boolean {
  return namespace === user.name || (hub.state.orgs.get(namespace)?.members.has(user.name) ?? false);
}

export function planOf(hub: InMemoryHub, namespace: string): AccountPlan {
  return hub.state.orgs.get(namespace)?.plan ?? hub.state.users.get(namespace)?.plan ?? "free";
}

/** Repo reads: anyone for public Spaces; a private or protected Space hides its existence. */
export function readableSpace(hub: InMemoryHub, context: RequestContext, spaceId: string): FakeSpace {
  const space = hub.state.spaces.get(spaceId);
  const caller = context.caller;
  const visible = space !== undefined && (space.visibility === "public" || (caller.kind === "user" && isMember(hub, caller.user, space.owner)));
  if (space && visible) {
    settleTimedBuild(hub, space);
    return space;
  }
  // Anonymous callers get 401 for missing and private repos alike (_http.py: "401 is misleading
  // as it is returned for private and gated repos if user is not authenticated, missing repos"),
  // which is why clients treat 401 as "does not exist" (hf.js repo-exists.ts does).
  if (caller.kind === "anonymous") throw new HubError(401, ANONYMOUS_MESSAGE, { errorCode: "RepoNotFound" });
  throw new HubError(404, "Repository not found", { errorCode: "RepoNotFound" });
}

/**
 * Settings reads (secrets, variables, logs): members of the owning namespace, any role.
 * hf_api.py restart_space / pause_space: "403 Forbidden: only the owner of a Space can" act on it.
 */
export function ownedSpace(hub: InMemoryHub, context: RequestContext, spaceId: string): FakeSpace {
  const caller = requireUser(context);
  const space = hub.state.spaces.get(spaceId);
  if (!space) throw new HubError(404, "Repository not found", { errorCode: "RepoNotFound" });
  if (!isMember(hub, caller.user, space.owner)) {
    throw new HubError(403, `You don't have the rights to manage the space "${space.id}": it belongs to "${space.owner}"`);
  }
  settleTimedBuild(hub, space);
  return space;
}

/** Writes: members of the owning namespace who may write there, with a token that may too. */
export function writableSpace(hub: InMemoryHub, context: RequestContext, spaceId: string): FakeSpace {
  const space = ownedSpace(hub, context, spaceId);
  requireWriteAccess(hub, requireUser(context), space);
  return space;
}

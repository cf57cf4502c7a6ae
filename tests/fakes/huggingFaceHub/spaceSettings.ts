/**
 * A Space's secrets and variables: `GET`, `POST` and `DELETE /api/spaces/{repo}/secrets` and
 * `.../variables`. Secret values are kept for tests to inspect, never answered.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { ownedSpace, writableSpace } from "./access";
import { HubError } from "./errors";
import { optionalString, parseJsonObject, requireString, type HubResponse, type RequestContext } from "./requests";
import type { InMemoryHub } from "./state";

const ENVIRONMENT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function environmentEntry(context: RequestContext): { key: string; value: string; description?: string } {
  const body = parseJsonObject(context.body);
  const key = requireString(body, "key");
  if (!ENVIRONMENT_KEY.test(key)) {
    throw new HubError(400, `Invalid key "${key}": use letters, digits and underscores, not starting with a digit`);
  }
  const value = body["value"];
  if (typeof value !== "string") throw new HubError(400, '"value" is required and must be a string');
  const description = optionalString(body, "description");
  return { key, value, ...(description !== undefined && { description }) };
}

function deletionKey(context: RequestContext): string {
  return requireString(parseJsonObject(context.body), "key");
}

/** Answers `{}` to POST and DELETE, also for a missing key (cassette test_manage_secrets); values are never listed (_space_api.py SpaceSecret). */
export function secrets(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  if (context.method === "GET") {
    const space = ownedSpace(hub, context, spaceId);
    return { status: 200, json: Object.fromEntries([...space.secrets].map(([key, { description, updatedAt }]) => [key, { ...(description !== undefined && { description }), updatedAt }])) };
  }
  const space = writableSpace(hub, context, spaceId);
  if (context.method === "POST") {
    const { key, value, description } = environmentEntry(context);
    space.secrets.set(key, { value, updatedAt: hub.isoNow(), ...(description !== undefined && { description }) });
    return { status: 200, json: {} };
  }
  if (context.method === "DELETE") {
    space.secrets.delete(deletionKey(context));
    return { status: 200, json: {} };
  }
  throw new HubError(404, "Sorry, we can't find the page you are looking for.");
}

/** Every call answers the whole map (cassette test_manage_variables), DELETE of a missing key included. */
export function variables(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = context.method === "GET" ? ownedSpace(hub, context, spaceId) : writableSpace(hub, context, spaceId);
  if (context.method === "POST") {
    const { key, value, description } = environmentEntry(context);
    space.variables.set(key, { value, updatedAt: hub.isoNow(), ...(description !== undefined && { description }) });
  } else if (context.method === "DELETE") {
    space.variables.delete(deletionKey(context));
  } else if (context.method !== "GET") {
    throw new HubError(404, "Sorry, we can't find the page you are looking for.");
  }
  return { status: 200, json: Object.fromEntries([...space.variables].map(([key, variable]) => [key, { ...variable }])) };
}

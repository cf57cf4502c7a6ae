/**
 * What an endpoint is given (the caller and the request) and gives back (a HubResponse), and
 * the checks every request body goes through: JSON objects, required strings, file paths and
 * file contents, each refused with a 400.
 */
import type { IncomingMessage } from "node:http";
import { HubError } from "./errors";
import type { FakeAccessToken, FakeUser } from "./model";

export interface HubResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  raw?: Buffer | string;
}

export type AuthenticatedCaller = { kind: "user"; user: FakeUser; token: FakeAccessToken };
export type Caller = { kind: "anonymous" } | AuthenticatedCaller;

export interface RequestContext {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage["headers"];
  readonly body: Buffer;
  readonly caller: Caller;
}

export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8") || "null");
  } catch {
    throw new HubError(400, "Invalid JSON in request body");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new HubError(400, "Expected a JSON object in the request body");
  }
  return parsed as Record<string, unknown>;
}

export function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") {
    throw new HubError(400, `"${field}" is required and must be a non-empty string`);
  }
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HubError(400, `"${field}" must be a string`);
  return value;
}

export function validateRepoFilePath(path: unknown): string {
  if (typeof path !== "string" || path === "" || path.startsWith("/") || path.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new HubError(400, `Invalid file path: ${JSON.stringify(path)}`);
  }
  return path;
}

export function decodeContent(value: Record<string, unknown>): Buffer {
  const content = value["content"];
  if (typeof content !== "string") throw new HubError(400, `"content" must be a string for ${String(value["path"])}`);
  const encoding = value["encoding"] ?? "utf-8";
  if (encoding === "base64") return Buffer.from(content, "base64");
  if (encoding === "utf-8" || encoding === "utf8") return Buffer.from(content, "utf8");
  throw new HubError(400, `Unsupported encoding ${JSON.stringify(encoding)}`);
}

/**
 * The README front matter that configures a Space (its sdk among others), read as the Hub reads
 * it on every commit and build.
 */
import { parse as parseYaml } from "yaml";
import type { SpaceSdk } from "./model";

export const SPACE_SDKS: readonly SpaceSdk[] = ["docker", "gradio", "streamlit", "static"];

export type FrontMatter = { kind: "missing" } | { kind: "invalid"; reason: string } | { kind: "valid"; data: Record<string, unknown> };

export function readFrontMatter(readme: Buffer | undefined): FrontMatter {
  if (!readme) return { kind: "missing" };
  const match = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/.exec(readme.toString("utf8"));
  if (!match) return { kind: "missing" };
  try {
    const data: unknown = parseYaml(match[1] ?? "");
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      return { kind: "invalid", reason: "the front matter is not a YAML mapping" };
    }
    return { kind: "valid", data: data as Record<string, unknown> };
  } catch (error) {
    return { kind: "invalid", reason: error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error) };
  }
}

export function isSpaceSdk(value: unknown): value is SpaceSdk {
  return typeof value === "string" && (SPACE_SDKS as readonly string[]).includes(value);
}

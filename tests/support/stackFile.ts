/**
 * A stack file (`Pulumi.<stack>.yaml`) as the program receives it: each key without the project
 * namespace, each value as text (Pulumi hands structured values over as JSON).
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { PROJECT_NAME } from "../../config/messages";

export function stackFileConfig(text: string): Record<string, string> {
    const file = parse(text) as { config?: Record<string, unknown> } | null;
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(file?.config ?? {})) {
        const name = key.startsWith(`${PROJECT_NAME}:`) ? key.slice(PROJECT_NAME.length + 1) : key;
        config[name] = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return config;
}

export function readStackFile(path: string): Record<string, string> {
    return stackFileConfig(readFileSync(path, "utf8"));
}

/** A raw config reader over such a map, as parseSettings takes it. */
export function rawConfig(values: Record<string, string | undefined>): (key: string) => string | undefined {
    return (key) => values[key];
}

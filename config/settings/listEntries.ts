/**
 * What every list setting (models, virtualKeys) does with its entries: each must be an object,
 * and a field that is not a setting (a misspelt `apibase`) is refused with the likely fix.
 */
import type { ConfigInput } from "./input";
import { shown } from "./untrusted";

export function entryObject(input: ConfigInput, key: string, entry: unknown, what: string, fix: string): Record<string, unknown> | undefined {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        input.problem(key, `must be an object with ${what}.`, fix);
        return undefined;
    }
    return entry as Record<string, unknown>;
}

export function refuseUnknownFields(input: ConfigInput, key: string, fields: Record<string, unknown>, known: readonly string[], what: string): void {
    for (const field of Object.keys(fields)) {
        if (known.includes(field)) {
            continue;
        }
        const suggestion = known.find((f) => f.toLowerCase() === field.toLowerCase().replace(/_/g, ""));
        input.problem(
            `${key}.${/^[A-Za-z0-9_]{1,40}$/.test(field) ? field : shown(field, 40)}`,
            `is not a ${what} setting (known: ${known.join(", ")}).`,
            suggestion ? `rename it to ${suggestion}` : `remove it: pulumi config rm --path '${key}.${field.replace(/'/g, "")}'`,
        );
    }
}

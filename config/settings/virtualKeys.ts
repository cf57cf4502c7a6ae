/**
 * `virtualKeys`: the LiteLLM virtual keys the stack issues on the running proxy. Their fields go
 * to LiteLLM's key API (not config.yaml), as JSON; they are still untrusted input, checked before
 * anything is called: names and labels without control characters, numbers that are numbers.
 */
import { setCommand } from "../messages";
import { configKey } from "./declaration";
import { BUDGET_DURATION, ConfigInput, fieldNumber, MAX_USD_AMOUNT } from "./input";
import { entryObject, refuseUnknownFields } from "./listEntries";
import type { VirtualKeySettings } from "./types";
import { hasControlCharacters } from "./untrusted";

/** The seed's key for aiterm: the `default` model, 5 USD per 30 days. */
export const DEFAULT_VIRTUAL_KEYS: readonly VirtualKeySettings[] = [{ alias: "aiterm", models: ["default"], maxBudget: 5, budgetDuration: "30d" }];

export const virtualKeysKey = configKey({
    key: "virtualKeys",
    type: "list",
    default: DEFAULT_VIRTUAL_KEYS,
    defaultShown: "the aiterm key (see [Virtual keys](#virtual-keys))",
    description:
        "LiteLLM virtual keys the stack creates once the proxy runs: each has alias, optional models (names from models; empty for all), maxBudget (USD), budgetDuration, rpmLimit, tpmLimit and metadata. An empty list creates none.",
    accepts:
        "A list (may be empty). `alias`: 1-64 letters, digits, `. _ -`, unique. `models`: names from `models`. `maxBudget`: USD, more than 0 and at most 1,000,000, at most 6 decimals. `budgetDuration`: a number and `s`, `m`, `h`, `d` or `mo`. `rpmLimit`, `tpmLimit`: whole numbers up to 1e9. `metadata`: up to 32 labels, names of letters, digits and `_ -`, values of up to 256 characters without control characters.",
});

const KEY_FIELDS = ["alias", "models", "maxBudget", "budgetDuration", "rpmLimit", "tpmLimit", "metadata"] as const;
const ALIAS = /^[A-Za-z0-9._-]{1,64}$/;
const METADATA_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const LIMIT_MAX = 1_000_000_000;

export function parseVirtualKeys(input: ConfigInput, modelNames: readonly string[]): VirtualKeySettings[] {
    const example = `${setCommand("virtualKeys[0].alias", "aiterm", { path: true })} and ${setCommand("virtualKeys[0].models[0]", "default", { path: true })}`;
    const parsed = input.structured(virtualKeysKey, `edit it in Pulumi.<stack>.yaml, or ${example}`);
    if (parsed === undefined) {
        return [];
    }
    if (!Array.isArray(parsed)) {
        input.problem("virtualKeys", "is not a list of keys.", `edit it in Pulumi.<stack>.yaml, or ${example}`);
        return [];
    }
    const keys: VirtualKeySettings[] = [];
    const aliases = new Set<string>();
    parsed.forEach((entry: unknown, index: number) => {
        const key = `virtualKeys[${index}]`;
        const fields = entryObject(input, key, entry, "at least an alias", example);
        if (!fields) {
            return;
        }
        refuseUnknownFields(input, key, fields, KEY_FIELDS, "key");
        const parsedKey = parseKey(input, key, fields, modelNames, aliases);
        if (parsedKey) {
            keys.push(parsedKey);
        }
    });
    return keys;
}

function parseKey(input: ConfigInput, key: string, fields: Record<string, unknown>, modelNames: readonly string[], aliases: Set<string>): VirtualKeySettings | undefined {
    let valid = true;
    const fail = (field: string, problem: string, fix: string) => {
        input.problem(`${key}.${field}`, problem, fix);
        valid = false;
    };
    const { alias, models: allowed = [], maxBudget, budgetDuration, rpmLimit, tpmLimit, metadata } = fields;

    if (typeof alias !== "string" || !ALIAS.test(alias)) {
        fail("alias", "must be a key name (1-64 letters, digits, . _ -).", setCommand(`${key}.alias`, "aiterm", { path: true }));
    } else if (aliases.has(alias)) {
        fail("alias", `"${alias}" is used by an earlier key; aliases must be unique.`, setCommand(`${key}.alias`, `${alias}-2`, { path: true }));
    } else {
        aliases.add(alias);
    }

    if (!Array.isArray(allowed) || !allowed.every((m) => typeof m === "string")) {
        fail("models", "must be a list of model names (empty for every model).", setCommand(`${key}.models[0]`, modelNames[0] ?? "default", { path: true }));
    } else {
        allowed.forEach((name: string, modelIndex: number) => {
            if (!modelNames.includes(name)) {
                fail(
                    `models[${modelIndex}]`,
                    `${hasControlCharacters(name) ? JSON.stringify(name.slice(0, 64)) : `"${name.slice(0, 64)}"`} is not in the stack's model list (${modelNames.join(", ") || "empty"}); the proxy would reject every request for it.`,
                    setCommand(`${key}.models[${modelIndex}]`, modelNames[0] ?? "default", { path: true }),
                );
            }
        });
    }

    const numbers: Partial<Pick<VirtualKeySettings, "maxBudget" | "rpmLimit" | "tpmLimit">> = {};
    if (maxBudget !== undefined) {
        const amount = fieldNumber(maxBudget, "amount", MAX_USD_AMOUNT);
        if (amount === undefined) {
            fail("maxBudget", `must be a positive amount in USD, at most ${MAX_USD_AMOUNT.toLocaleString("en-US")}, with at most 6 decimals.`, setCommand(`${key}.maxBudget`, "5", { path: true }));
        } else {
            numbers.maxBudget = amount;
        }
    }
    if (budgetDuration !== undefined && !(typeof budgetDuration === "string" && BUDGET_DURATION.test(budgetDuration))) {
        fail("budgetDuration", "is not a LiteLLM duration (a number followed by s, m, h, d or mo).", setCommand(`${key}.budgetDuration`, "30d", { path: true }));
    }
    for (const [field, limit] of [["rpmLimit", rpmLimit], ["tpmLimit", tpmLimit]] as const) {
        if (limit === undefined) {
            continue;
        }
        const value = fieldNumber(limit, "whole", LIMIT_MAX);
        if (value === undefined) {
            fail(field, `must be a positive whole number, at most ${LIMIT_MAX}.`, setCommand(`${key}.${field}`, "60", { path: true }));
        } else {
            numbers[field] = value;
        }
    }

    let labels: Record<string, string> | undefined;
    if (metadata !== undefined) {
        labels = parseMetadata(metadata);
        if (!labels) {
            fail(
                "metadata",
                "must map up to 32 names (letters, digits, _ -) to text of up to 256 characters without control characters.",
                setCommand(`${key}.metadata.owner`, "me", { path: true }),
            );
        }
    }

    if (!valid) {
        return undefined;
    }
    return {
        alias: alias as string,
        models: allowed as string[],
        ...numbers,
        ...(budgetDuration !== undefined ? { budgetDuration: budgetDuration as string } : {}),
        ...(labels !== undefined ? { metadata: labels } : {}),
    };
}

function parseMetadata(metadata: unknown): Record<string, string> | undefined {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
        return undefined;
    }
    const entries = Object.entries(metadata as Record<string, unknown>);
    const valid =
        entries.length <= 32 &&
        entries.every(([name, value]) => METADATA_NAME.test(name) && typeof value === "string" && value.length <= 256 && !hasControlCharacters(value));
    return valid ? Object.fromEntries(entries as [string, string][]) : undefined;
}

/**
 * Reading the stack's raw configuration: every value arrives as a string (structured values as
 * JSON, as Pulumi passes them), is trimmed, and is read through one of the readers below, which
 * either return a value or record a problem naming the key and the fix. Nothing here throws:
 * parseSettings collects every problem and reports them together.
 */
import { ConfigProblem, configWarning, removeCommand, setCommand } from "../messages";
import type { ConfigDefault, ConfigKey } from "./declaration";
import type { RawConfig } from "./types";
import { shown } from "./untrusted";

export class ConfigInput {
    readonly problems: ConfigProblem[] = [];
    readonly warnings: string[] = [];

    constructor(
        private readonly raw: RawConfig,
        /** The stack's name (`dev`, `hfspaces`). */
        readonly stack: string,
        /** The program's environment, for the few settings Hugging Face's tools read from it. */
        readonly environment: Readonly<Record<string, string | undefined>> = {},
    ) {}

    isSet(key: ConfigKey): boolean {
        return this.raw(key.key) !== undefined;
    }

    /** The raw value without surrounding whitespace, or the default as text. */
    text(key: ConfigKey): string {
        const value = this.raw(key.key);
        return value === undefined ? String(key.default) : value.trim();
    }

    /** A structured (list or map) value, or a copy of the default; undefined after a problem. */
    structured(key: ConfigKey, fix: string): unknown {
        const value = this.raw(key.key);
        if (value === undefined) {
            return structuredClone(key.default as ConfigDefault);
        }
        try {
            return JSON.parse(value) as unknown;
        } catch {
            this.problem(key.key, `is not a ${key.type}.`, fix);
            return undefined;
        }
    }

    problem(key: string, problem: string, fix: string): void {
        this.problems.push({ key, problem, fix });
    }

    warn(key: string, message: string): void {
        this.warnings.push(configWarning(key, message));
    }
}

/** The command that resets a top-level key to its default, as a fix. */
export function resetFix(key: ConfigKey): string {
    return typeof key.default === "object" ? removeCommand(key.key) : setCommand(key.key, String(key.default) || "''");
}

const WHOLE_NUMBER = /^[0-9]{1,15}$/;

/**
 * A whole number between min and max. Only plain digits: no sign, exponent, fraction or
 * separator, so that `1e3`, `1_000` or `0x10` never mean something else on the way to LiteLLM.
 */
export function readInteger(input: ConfigInput, key: ConfigKey, min: number, max: number): number {
    const value = input.text(key);
    const parsed = Number(value);
    if (!WHOLE_NUMBER.test(value) || parsed < min || parsed > max) {
        input.problem(key.key, `${shown(value)} is not a whole number between ${min} and ${max}.`, resetFix(key));
        return typeof key.default === "number" ? key.default : min;
    }
    return parsed;
}

export function readBoolean(input: ConfigInput, key: ConfigKey): boolean {
    const value = input.text(key);
    if (value === "true" || value === "false") {
        return value === "true";
    }
    input.problem(key.key, `${shown(value)} is not true or false.`, setCommand(key.key, String(key.default)));
    return key.default === true;
}

export function readChoice<T extends string>(input: ConfigInput, key: ConfigKey, choices: readonly T[], what: string): T {
    const value = input.text(key);
    if ((choices as readonly string[]).includes(value)) {
        return value as T;
    }
    input.problem(key.key, `${shown(value)} is not ${what} (${choices.join(", ")}).`, resetFix(key));
    return key.default as T;
}

/** `30s`, `30m`, `30h`, `30d`, `1mo`: the durations LiteLLM's budgets accept. */
export const BUDGET_DURATION = /^[1-9][0-9]{0,5}(s|m|h|d|mo)$/;

/**
 * A USD amount: digits with at most 6 decimals, more than 0 and at most a million. The bounds keep
 * every accepted amount in plain decimal notation when it is written to config.yaml: JavaScript
 * writes 1e-7 or 1e21 in exponent form, which PyYAML (LiteLLM's reader) takes for a string.
 */
export const USD_AMOUNT = /^[0-9]{1,7}(\.[0-9]{1,6})?$/;
export const MAX_USD_AMOUNT = 1_000_000;

/** A number field of a list entry (JSON): a number, or the same number as text (`--path` stores text). */
export function fieldNumber(value: unknown, kind: "whole" | "amount", max: number): number | undefined {
    const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : typeof value === "string" ? value.trim() : "";
    const pattern = kind === "whole" ? WHOLE_NUMBER : USD_AMOUNT;
    if (!pattern.test(text)) {
        return undefined;
    }
    const parsed = Number(text);
    return parsed > 0 && parsed <= max ? parsed : undefined;
}

/** A compose duration ("10s", "1m30s", "500ms"; absent = 0) in milliseconds. */
export function durationMs(value: string | undefined): number {
    if (value === undefined) {
        return 0;
    }
    const parts = [...value.matchAll(/([0-9.]+)(ms|us|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
        throw new Error(`cannot read the duration "${value}"`);
    }
    const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
    return parts.reduce((total, [, amount, name]) => total + Number(amount) * unit[name as keyof typeof unit], 0);
}

/**
 * Durations written the way the Docker provider reads them back.
 *
 * @pulumi/docker 5.2.0 (terraform-provider-docker v4.5.0) sends a service's durations to the engine
 * in nanoseconds and, on every read, writes the engine's value back into the state through its
 * `shortDur`: Go's `time.Duration.String()` without a trailing `0s` after minutes or `0m` after
 * hours ("120s" comes back as "2m", "90s" as "1m30s", "3600s" as "1h"). The schema has no
 * DiffSuppressFunc for them, so a program that writes "120s" differs from its state on every run
 * and every `pulumi up` updates (and restarts) the service again. Written in that form, a run
 * without a change changes nothing.
 *
 * Only whole seconds are needed here; `convergeConfig` (never sent to the engine, never read back)
 * may use this form too.
 */

/** `seconds` in the provider's read-back form: 0 -> "0s", 45 -> "45s", 60 -> "1m", 75 -> "1m15s", 3600 -> "1h", 3660 -> "1h1m". */
export function swarmDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) {
        throw new RangeError(`a Swarm duration here is a whole, non-negative number of seconds, not ${seconds}`);
    }
    if (seconds === 0) {
        return "0s";
    }
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = seconds % 60;
    // Duration.String(): "1h2m3s", "2m3s", "3s"; then shortDur drops "0s" after m, and "0m" after h.
    let text = `${hours > 0 ? `${hours}h` : ""}${hours > 0 || minutes > 0 ? `${minutes}m` : ""}${rest}s`;
    if (text.endsWith("m0s")) {
        text = text.slice(0, -2);
    }
    if (text.endsWith("h0m")) {
        text = text.slice(0, -2);
    }
    return text;
}

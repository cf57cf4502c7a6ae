/**
 * What every container of the dev stack gets, whatever runs in it: the container-runtime section of
 * the CIS Docker Benchmark wherever the image allows it. Pure functions from settings to
 * docker.Container inputs; the components say, per image, what the image needs beyond this.
 *
 * Measured on Docker 20.10 (see the README's security section): `docker kill` leaves a container
 * stopped under every policy; a crash (SIGKILL of its main process from the host) is restarted by
 * on-failure:N, unless-stopped and always alike; after the daemon restarts (a reboot, an upgrade),
 * an on-failure container that had exited 0 on the daemon's stop signal (Postgres and LiteLLM both
 * do) stays down, unless-stopped comes back; on-failure:5 gives up for good after the 5th restart,
 * however far apart the crashes were, until the container is started by hand or replaced.
 */
import type { ContainerRestartPolicy } from "../../config/settings";

/** CIS 5.25: no process in the container gains privileges through setuid binaries or file capabilities. */
export const NO_NEW_PRIVILEGES = "no-new-privileges:true";

/** CIS 5.3: every capability dropped; an image that needs some adds exactly those back. */
export const DROP_ALL_CAPABILITIES = ["ALL"];

export interface ContainerLimits {
    /** Memory limit in MiB; the container gets no swap beyond it. */
    memoryMb: number;
    /** CPU weight against other containers (1024 for a container without one). */
    cpuShares: number;
}

/**
 * CIS 5.10 and 5.11. `memorySwap` equal to `memory` means no swap at all: without it Docker lets a
 * container swap as much again, and a leaking proxy would slow the whole laptop down before the
 * OOM killer stops it. All three update in place (the provider's ContainerUpdate), no replacement.
 */
export function limitInputs(limits: ContainerLimits): { memory: number; memorySwap: number; cpuShares: number } {
    return { memory: limits.memoryMb, memorySwap: limits.memoryMb, cpuShares: limits.cpuShares };
}

/**
 * CIS 5.14 where the policy allows it. Both inputs update in place. Docker refuses a retry count
 * with any policy but on-failure, so unless-stopped leaves it unset (0).
 */
export function restartInputs(policy: ContainerRestartPolicy): { restart: string; maxRetryCount?: number } {
    return policy.name === "on-failure" ? { restart: "on-failure", maxRetryCount: policy.maxRetries } : { restart: policy.name };
}

/** Options of a tmpfs mount. Docker's default for `--tmpfs` is noexec, nosuid, nodev and no size limit. */
export function tmpfsOptions(options: { sizeMb: number; mode: string; exec: boolean }): string {
    return ["rw", options.exec ? "exec" : "noexec", "nosuid", "nodev", `size=${options.sizeMb}m`, `mode=${options.mode}`].join(",");
}

/** @default on-failure:5, the CIS Docker Benchmark's recommendation (5.14). */
export const DEFAULT_RESTART_POLICY: ContainerRestartPolicy = { name: "on-failure", maxRetries: 5 };

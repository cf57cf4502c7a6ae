/**
 * Least privilege and limits for every Swarm task of this stack, as the pack's hardening policies
 * require (policy/hardening.ts: every capability dropped, a memory limit; CIS Docker Benchmark 5.3,
 * 5.10): what each image needs beyond that is added back where it is declared, with why.
 *
 * Swarm tasks cannot set no-new-privileges or a CPU weight in Engine API 1.41 (Docker 20.10), which
 * the dev stack's containers have; they get memory limits (a task over it is killed and replaced).
 */
import type * as docker from "@pulumi/docker";

export const DROP_ALL_CAPABILITIES = ["ALL"];

const MIB = 1024 * 1024;

/** Memory limits in MiB of the tasks besides the proxy's (which is a setting, swarmProxyMemoryMb). */
export const FRONT_DOOR_MEMORY_MB = 256;
export const REDIS_MEMORY_MB = 512;
export const POSTGRES_MEMORY_MB = 1024;
/** Postgres keeps the shared memory of parallel queries in /dev/shm (Docker's default 64 MiB is small). */
export const POSTGRES_SHARED_MEMORY_MB = 128;
/** The proxy's only writable place; it counts against its memory limit. */
export const PROXY_TMPFS_MB = 512;

export function memoryLimit(memoryMb: number): docker.types.input.ServiceTaskSpecResources {
    return { limits: { memoryBytes: memoryMb * MIB } };
}

/** A tmpfs mount: empty at every start, counted against the task's memory. */
export function tmpfsMount(target: string, sizeMb: number, mode: number): docker.types.input.ServiceTaskSpecContainerSpecMount {
    return { type: "tmpfs", target, tmpfsOptions: { sizeBytes: sizeMb * MIB, mode } };
}

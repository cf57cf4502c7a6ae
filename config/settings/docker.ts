/**
 * The local Docker target (stack `dev`): the database image, where the proxy is published, timeouts,
 * and the limits and restart policy of its two containers.
 */
import { checkImagePin } from "../images";
import { removeCommand, setCommand } from "../messages";
import { configKey } from "./declaration";
import { ConfigInput, readBoolean, readInteger } from "./input";
import type { ContainerRestartPolicy, DeploymentTarget, DockerSettings } from "./types";
import { shown } from "./untrusted";

export const DEFAULT_POSTGRES_IMAGE =
    "postgres:16-alpine@sha256:57c72fd2a128e416c7fcc499958864df5301e940bca0a56f58fddf30ffc07777";

const DOCKER: readonly DeploymentTarget[] = ["docker"];

export const postgresImageKey = configKey({
    key: "postgresImage",
    type: "string",
    default: DEFAULT_POSTGRES_IMAGE,
    targets: DOCKER,
    description: "Postgres 16 image for the dev stack, pinned by version and digest.",
    accepts: "`repository:version@sha256:<64 hex>`; rolling tags are refused.",
});
export const portKey = configKey({
    key: "port",
    type: "integer",
    default: 4000,
    targets: DOCKER,
    description: "Host port the proxy is published on (dev stack).",
    accepts: "A whole number from 1 to 65535.",
});
export const bindAddressKey = configKey({
    key: "bindAddress",
    type: "string",
    default: "127.0.0.1",
    targets: DOCKER,
    description: "Host address the proxy is published on (dev stack). Anything but 127.x exposes it to your network and is warned about.",
    accepts: "An IPv4 address of this host: `127.0.0.1` (only this machine), another 127.x, a LAN address, or `0.0.0.0` (every interface).",
});
export const keepDataKey = configKey({
    key: "keepDataOnDestroy",
    type: "boolean",
    default: true,
    targets: DOCKER,
    description: "Keep the database volume (virtual keys, spend) when the dev stack is destroyed.",
    accepts: "`true` or `false`.",
});
export const startupTimeoutKey = configKey({
    key: "startupTimeoutSeconds",
    type: "integer",
    default: 300,
    targets: DOCKER,
    description: "Seconds pulumi up waits for each container to report healthy (dev stack).",
    accepts: "A whole number from 10 to 3600.",
});

// Limits. Docker counts a container's tmpfs pages (the proxy's /tmp, the database's /dev/shm)
// against its memory limit, and the limit includes swap (memory-swap is set to the same value), so
// a container that needs more is killed by the kernel's OOM killer and restarted by its policy.
export const proxyMemoryKey = configKey({
    key: "proxyMemoryMb",
    type: "integer",
    default: 2048,
    targets: DOCKER,
    description:
        "Memory limit of the proxy container in MiB, its /tmp included, without swap (dev stack). LiteLLM's production guide recommends 4 GB for production traffic.",
    accepts: "A whole number from 512 to 65536.",
});
export const proxyCpuSharesKey = configKey({
    key: "proxyCpuShares",
    type: "integer",
    default: 512,
    targets: DOCKER,
    description:
        "CPU weight of the proxy container against other containers while the CPU is busy (Docker's --cpu-shares; a container without one weighs 1024). Not a cap: idle CPUs stay usable.",
    accepts: "A whole number from 2 to 262144.",
});
export const databaseMemoryKey = configKey({
    key: "databaseMemoryMb",
    type: "integer",
    default: 512,
    targets: DOCKER,
    description: "Memory limit of the database container in MiB, its shared memory included, without swap (dev stack).",
    accepts: "A whole number from 256 to 65536, at least twice `databaseSharedMemoryMb`.",
});
export const databaseSharedMemoryKey = configKey({
    key: "databaseSharedMemoryMb",
    type: "integer",
    default: 128,
    targets: DOCKER,
    description:
        "Size of the database container's /dev/shm in MiB, where Postgres keeps the shared memory of parallel queries (Docker's default is 64; the official image's docs use 128).",
    accepts: "A whole number from 64 to 32768, at most half of `databaseMemoryMb`.",
});
export const databaseCpuSharesKey = configKey({
    key: "databaseCpuShares",
    type: "integer",
    default: 512,
    targets: DOCKER,
    description: "CPU weight of the database container against other containers while the CPU is busy (Docker's --cpu-shares). Not a cap.",
    accepts: "A whole number from 2 to 262144.",
});
export const restartPolicyKey = configKey({
    key: "restartPolicy",
    type: "string",
    default: "on-failure:5",
    targets: DOCKER,
    description:
        "What Docker does when a container exits (dev stack). on-failure:N restarts a crashed container at most N times over its life, but not after the Docker daemon or the machine restarts; unless-stopped also restarts it then, without bound.",
    accepts: "`on-failure:N` with N from 1 to 100, or `unless-stopped`. See [Security](#security).",
});

export const DOCKER_KEYS = [
    postgresImageKey,
    portKey,
    bindAddressKey,
    keepDataKey,
    startupTimeoutKey,
    proxyMemoryKey,
    proxyCpuSharesKey,
    databaseMemoryKey,
    databaseSharedMemoryKey,
    databaseCpuSharesKey,
    restartPolicyKey,
];

const ON_FAILURE = /^on-failure:([0-9]{1,3})$/;
const MAX_RESTART_RETRIES = 100;

function parseRestartPolicy(input: ConfigInput): ContainerRestartPolicy {
    const value = input.text(restartPolicyKey);
    if (value === "unless-stopped") {
        return { name: "unless-stopped" };
    }
    const onFailure = ON_FAILURE.exec(value);
    const retries = onFailure ? Number(onFailure[1]) : NaN;
    if (retries >= 1 && retries <= MAX_RESTART_RETRIES) {
        return { name: "on-failure", maxRetries: retries };
    }
    const problem =
        value === "always"
            ? "always is refused: it differs from unless-stopped only in restarting, after the Docker daemon restarts, a container you stopped yourself."
            : value === "no" || value === "on-failure" || value === "on-failure:0"
              ? `${shown(value)} is refused: a crashed proxy or database would stay down (on-failure without a count retries forever).`
              : `${shown(value)} is not on-failure:N (N from 1 to ${MAX_RESTART_RETRIES}) or unless-stopped.`;
    input.problem(
        restartPolicyKey.key,
        problem,
        `${setCommand(restartPolicyKey.key, String(restartPolicyKey.default))} (bounded), or ${setCommand(restartPolicyKey.key, "unless-stopped")} to come back after a reboot`,
    );
    return { name: "on-failure", maxRetries: 5 };
}

function isIPv4(value: string): boolean {
    const parts = value.split(".");
    return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

export function parseDockerSettings(input: ConfigInput, target: DeploymentTarget): DockerSettings {
    const postgresImage = input.text(postgresImageKey);
    if (target === "docker") {
        for (const problem of checkImagePin("postgresImage", postgresImage, DEFAULT_POSTGRES_IMAGE)) {
            input.problem(problem.key, problem.problem, problem.fix);
        }
    }
    const port = readInteger(input, portKey, 1, 65535);
    const bindAddress = input.text(bindAddressKey);
    if (!isIPv4(bindAddress)) {
        input.problem(
            "bindAddress",
            `${shown(bindAddress)} is not an IPv4 address of this host.`,
            `${setCommand("bindAddress", "127.0.0.1")} (only this machine), or ${setCommand("bindAddress", "0.0.0.0")} to expose the proxy on every interface`,
        );
    } else if (target === "docker" && !bindAddress.startsWith("127.")) {
        input.warn(
            "bindAddress",
            `the proxy is published on ${bindAddress}:${port}, reachable from other machines on your network; anyone who reaches it still needs a key. ${removeCommand("bindAddress")} to keep it on 127.0.0.1.`,
        );
    }
    const databaseMemoryMb = readInteger(input, databaseMemoryKey, 256, 65536);
    const databaseSharedMemoryMb = readInteger(input, databaseSharedMemoryKey, 64, 32768);
    if (databaseSharedMemoryMb * 2 > databaseMemoryMb) {
        // /dev/shm is a tmpfs charged to the container's memory: most of the limit must stay for the server itself.
        input.problem(
            databaseSharedMemoryKey.key,
            `${databaseSharedMemoryMb} MiB of shared memory is more than half of the database's ${databaseMemoryMb} MiB memory limit (databaseMemoryMb), which it counts against.`,
            `${setCommand(databaseMemoryKey.key, String(databaseSharedMemoryMb * 2))}, or ${setCommand(databaseSharedMemoryKey.key, String(Math.max(64, Math.floor(databaseMemoryMb / 2))))}`,
        );
    }
    return {
        postgresImage,
        port,
        bindAddress,
        keepDataOnDestroy: readBoolean(input, keepDataKey),
        startupTimeoutSeconds: readInteger(input, startupTimeoutKey, 10, 3600),
        proxyMemoryMb: readInteger(input, proxyMemoryKey, 512, 65536),
        proxyCpuShares: readInteger(input, proxyCpuSharesKey, 2, 262144),
        databaseMemoryMb,
        databaseSharedMemoryMb,
        databaseCpuShares: readInteger(input, databaseCpuSharesKey, 2, 262144),
        restartPolicy: parseRestartPolicy(input),
    };
}

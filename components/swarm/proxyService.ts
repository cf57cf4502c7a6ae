import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import { stopGracePeriodSeconds, UPDATE_PARALLELISM } from "../../config/multiInstance";
import { nonRootEnvironment, PROXY_GID, PROXY_UID, PROXY_USER, PROXY_WRITABLE_DIR } from "../../config/nonRootRuntime";
import { entrypointCommand } from "./entrypoint";
import { swarmServiceName } from "./names";
import { PROXY_CONFIG_PATH, PROXY_CONTAINER_PORT } from "./proxyPorts";
import { swarmDuration } from "./durations";
import { ConfigReference, configInput, roleLabels, SecretReference, secretInput, serviceOptions } from "./swarmObjects";
import { DROP_ALL_CAPABILITIES, memoryLimit, PROXY_TMPFS_MB, tmpfsMount } from "./taskHardening";

/** Service label with the migration key the running image was migrated for. */
export const MIGRATION_LABEL = "aiterm-litellm.migration";

export interface ProxyServiceArgs {
    /** LiteLLM image with Postgres support, pinned by version and digest. */
    image: string;
    /** The stack's Swarm name prefix (`litellm-swarm` → service `litellm-swarm-proxy`). */
    namePrefix: string;
    /** Instances; at least 1. */
    replicas: number;
    /** config.yaml as a Swarm config (mounted at /app/config.yaml). */
    configYaml: ConfigReference;
    /** The start-up script as a Swarm config (entrypoint.ts). */
    entrypoint: ConfigReference;
    /** Every confidential environment variable, as a Swarm secret file named after the variable. */
    secrets: SecretReference[];
    /** Plain environment (nothing confidential). */
    environment: Record<string, string>;
    /** Overlay network IDs: the data services' internal one, and the front door's (with a route out). */
    networkIds: pulumi.Input<string>[];
    /** LiteLLM's GRACEFUL_SHUTDOWN_TIMEOUT; the stop grace period is set above it. */
    gracefulShutdownSeconds: number;
    /**
     * Seconds `pulumi up` waits for every task to run and be healthy.
     * @default 300
     */
    convergeTimeoutSeconds?: number;
    /** The key of the migration this image ran (a label, so the service waits for it). */
    migrationKey: pulumi.Input<string>;
    /** Memory limit of each task in MiB, its /tmp included. */
    memoryMb: number;
}

/**
 * How a proxy task runs, shared with the migration job (the same image and start-up): as the
 * non-root user every target uses (config/nonRootRuntime.ts), every capability dropped, a
 * read-only root file system with a tmpfs on /tmp where LiteLLM's start-up writes are pointed.
 */
export const PROXY_TASK_USER = PROXY_USER;
export const PROXY_SECRET_ACCESS = { mode: 0o400, uid: PROXY_UID, gid: PROXY_GID };
export function proxyTaskEnvironment(environment: Record<string, string>): Record<string, string> {
    return { ...environment, ...nonRootEnvironment() };
}
export const PROXY_TMPFS = { target: PROXY_WRITABLE_DIR, sizeMb: PROXY_TMPFS_MB, mode: 0o1777 };

/**
 * The container healthcheck, LiteLLM's liveness endpoint and not its readiness one, on purpose.
 * Swarm's healthcheck decides two things: when a new task counts as started (a start-first update
 * stops an old task only then, and rolls back when the new one never gets there), and when a task
 * is killed and replaced. `/health/readiness` fails while the database is unreachable: as a
 * container check it would make Swarm kill every instance during a database outage, over and over,
 * and make every update roll back. `/health/liveliness` checks the process only, and answers only
 * once LiteLLM's start-up (config, database connection, router) is done, since uvicorn accepts
 * connections after it. Readiness is what the front door routes on (frontDoorConfig.ts): LiteLLM's
 * health docs pair the two the same way for Kubernetes (liveness on /health/liveliness, readiness on
 * /health/readiness: docs/my-website/docs/proxy/health.md). The image has
 * python3 but no curl or wget; a bare socket request costs a few milliseconds of CPU.
 */
export const PROXY_HEALTHCHECK = [
    "CMD",
    "python3",
    "-c",
    `import socket; s = socket.create_connection(("127.0.0.1", ${PROXY_CONTAINER_PORT}), 4); ` +
        `s.sendall(b"GET /health/liveliness HTTP/1.0\\r\\n\\r\\n"); ` +
        `assert s.recv(32).split()[1] == b"200"`,
];

/**
 * The LiteLLM proxy as a replicated Swarm service behind the front door.
 *
 * - Updates are start-first (a new task is healthy before an old one stops, so capacity never
 *   drops), one task at a time, watched for 20 s, rolled back automatically when a new task fails;
 *   `convergeConfig` makes `pulumi up` wait for the update and fail with Swarm's reason when it
 *   ended rolled back or paused.
 * - Spread: no per-node maximum (start-first with one task per node and as many tasks as nodes
 *   deadlocks: the new task has nowhere to go), Swarm's scheduler already places a service's tasks
 *   on the nodes with the fewest of them.
 * - Stop: the start-up script drains the instance before SIGTERM; the grace period is
 *   GRACEFUL_SHUTDOWN_TIMEOUT plus a margin, so Swarm never kills a draining instance.
 * - dnsrr: the front door finds the tasks through `tasks.<service>`; no VIP (which needs IPVS).
 */
export class ProxyService extends pulumi.ComponentResource {
    readonly service: docker.Service;
    readonly serviceName: string;

    constructor(name: string, args: ProxyServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:swarm:ProxyService", name, {}, opts);
        const problems = checkImagePin("litellmImage", args.image, "ghcr.io/berriai/litellm-database:v1.104.0@sha256:...");
        if (!Number.isInteger(args.replicas) || args.replicas < 1) {
            problems.push({ key: "swarmReplicas", problem: `${args.replicas} is not a number of instances.`, fix: "pulumi config set swarmReplicas 2" });
        }
        if (problems.length > 0) {
            throw new pulumi.ResourceError(formatProblems(problems), this);
        }
        this.serviceName = swarmServiceName(args.namePrefix, "proxy");
        const { command, args: commandArgs } = entrypointCommand("proxy", ["--port", String(PROXY_CONTAINER_PORT), "--config", PROXY_CONFIG_PATH]);
        const monitor = swarmDuration(20);
        this.service = new docker.Service(
            name,
            {
                name: this.serviceName,
                labels: roleLabels("proxy", { [MIGRATION_LABEL]: args.migrationKey }),
                mode: { replicated: { replicas: args.replicas } },
                endpointSpec: { mode: "dnsrr" },
                updateConfig: { parallelism: UPDATE_PARALLELISM, delay: swarmDuration(0), order: "start-first", failureAction: "rollback", monitor, maxFailureRatio: "0" },
                rollbackConfig: { parallelism: UPDATE_PARALLELISM, delay: swarmDuration(0), order: "start-first", failureAction: "pause", monitor },
                convergeConfig: { delay: "2s", timeout: `${args.convergeTimeoutSeconds ?? 300}s` },
                taskSpec: {
                    containerSpec: {
                        image: args.image,
                        commands: command,
                        args: commandArgs,
                        env: proxyTaskEnvironment(args.environment),
                        user: PROXY_TASK_USER,
                        readOnly: true,
                        capDrops: DROP_ALL_CAPABILITIES,
                        mounts: [tmpfsMount(PROXY_TMPFS.target, PROXY_TMPFS.sizeMb, PROXY_TMPFS.mode)],
                        secrets: args.secrets.map((reference) => secretInput(reference, PROXY_SECRET_ACCESS)),
                        configs: [configInput(args.configYaml), configInput(args.entrypoint)],
                        healthcheck: { tests: PROXY_HEALTHCHECK, interval: swarmDuration(2), timeout: swarmDuration(4), retries: 3, startPeriod: swarmDuration(60) },
                        stopSignal: "SIGTERM",
                        stopGracePeriod: swarmDuration(stopGracePeriodSeconds(args.gracefulShutdownSeconds)),
                        labels: roleLabels("proxy"),
                    },
                    networksAdvanceds: args.networkIds.map((id) => ({ id })),
                    resources: memoryLimit(args.memoryMb),
                    restartPolicy: { condition: "any", delay: swarmDuration(2) },
                },
            },
            // The component's dependsOn (the migration, Redis, the database) holds the service back.
            serviceOptions({ parent: this, dependsOn: opts?.dependsOn }),
        );
        this.registerOutputs({ serviceName: this.serviceName });
    }
}

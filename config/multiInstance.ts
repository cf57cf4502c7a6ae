/**
 * What changes when LiteLLM runs as several instances, decided once for every multi-instance
 * target (Swarm today; a Kubernetes target would take the same): the connection pool each instance
 * may hold, how many instances run at once during a rolling update, how long a stopping instance
 * may drain, and the config.yaml topology that wires Redis everywhere LiteLLM needs it.
 *
 * Plain values in, plain values out: the components only pass the results on.
 */
import { createHash } from "node:crypto";
import type { ProxyTopology } from "./proxyConfig";
import type { RouterSettings } from "./settings/types";

/**
 * Uvicorn workers per instance. LiteLLM's production guide runs one per container and scales by
 * containers (docs/my-website/docs/proxy/prod.md, "Use 1 Uvicorn worker"); the drain endpoint
 * and GRACEFUL_SHUTDOWN_TIMEOUT are per worker process (litellm/proxy/shutdown/graceful_shutdown_manager.py).
 */
export const WORKERS_PER_INSTANCE = 1;

/** Tasks a rolling update replaces at a time (Swarm's update parallelism). */
export const UPDATE_PARALLELISM = 1;

/**
 * Seconds between spend writes to the database. LiteLLM's production config batches them every 60 s
 * (general_settings.proxy_batch_write_at, docs/my-website/docs/proxy/prod.md) so that several
 * instances do not write on every request.
 */
export const PROXY_BATCH_WRITE_SECONDS = 60;

/**
 * From about ten instances (or 1,000 requests a second) LiteLLM asks for its Redis transaction
 * buffer, so that one instance at a time commits spend (general_settings.use_redis_transaction_buffer,
 * docs/my-website/docs/proxy/db_deadlocks.md).
 */
export const REDIS_TRANSACTION_BUFFER_FROM_INSTANCES = 10;

/** Seconds on top of the drain timeout before Swarm kills a stopping task: the drain call, then the process exit. */
export const STOP_MARGIN_SECONDS = 15;

/** The environment variables the multi-instance settings of config.yaml read. */
export const MULTI_INSTANCE_ENV = {
    redisHost: "REDIS_HOST",
    redisPort: "REDIS_PORT",
    redisPassword: "REDIS_PASSWORD",
    drainToken: "DRAIN_ENDPOINT_TOKEN",
    gracefulShutdown: "GRACEFUL_SHUTDOWN_TIMEOUT",
    disableSchemaUpdate: "DISABLE_SCHEMA_UPDATE",
} as const;

/**
 * Instances that hold database connections at the same time: the replicas, plus the tasks a
 * start-first update starts before it stops the old ones.
 */
export function rolloutInstances(replicas: number, updateParallelism: number = UPDATE_PARALLELISM): number {
    return replicas + updateParallelism;
}

export interface ConnectionBudget {
    /** Connections the database gives LiteLLM in all. */
    connectionBudget: number;
    /** Instances holding connections at once (see rolloutInstances). */
    instances: number;
    /** @default WORKERS_PER_INSTANCE */
    workersPerInstance?: number;
}

/**
 * `general_settings.database_connection_pool_limit`: LiteLLM applies it per worker, so the total is
 * limit x workers x instances (docs/my-website/docs/proxy/prod.md: "MAX Number of DB
 * Connections/Number of instances"). Rounded down, so the total never exceeds the budget; 0 means
 * the budget cannot give every instance one connection.
 */
export function databaseConnectionPoolLimit({ connectionBudget, instances, workersPerInstance = WORKERS_PER_INSTANCE }: ConnectionBudget): number {
    if (instances < 1 || workersPerInstance < 1) {
        throw new RangeError("instances and workers per instance must be at least 1");
    }
    return Math.floor(connectionBudget / (instances * workersPerInstance));
}

/** Swarm's stop grace period: above GRACEFUL_SHUTDOWN_TIMEOUT, so the instance exits before it is killed. */
export function stopGracePeriodSeconds(gracefulShutdownSeconds: number): number {
    return gracefulShutdownSeconds + STOP_MARGIN_SECONDS;
}

export function useRedisTransactionBuffer(replicas: number): boolean {
    return replicas >= REDIS_TRANSACTION_BUFFER_FROM_INSTANCES;
}

export interface MultiInstanceShape {
    replicas: number;
    /** Connections the database gives LiteLLM in all. */
    databaseConnectionBudget: number;
}

/**
 * The config.yaml topology of several instances sharing one Redis: router state, the cache and the
 * auth cache through Redis, the computed pool limit, batched spend writes, and the drain endpoint
 * protected by a token. Every value that could be confidential is an environment reference.
 */
export function multiInstanceTopology(shape: MultiInstanceShape): Required<ProxyTopology> {
    return {
        redis: { hostEnv: MULTI_INSTANCE_ENV.redisHost, portEnv: MULTI_INSTANCE_ENV.redisPort, passwordEnv: MULTI_INSTANCE_ENV.redisPassword },
        instances: {
            databaseConnectionPoolLimit: databaseConnectionPoolLimit({
                connectionBudget: shape.databaseConnectionBudget,
                instances: rolloutInstances(shape.replicas),
            }),
            proxyBatchWriteSeconds: PROXY_BATCH_WRITE_SECONDS,
            drainTokenEnv: MULTI_INSTANCE_ENV.drainToken,
            useRedisTransactionBuffer: useRedisTransactionBuffer(shape.replicas),
        },
    };
}

export interface MultiInstanceVariables {
    gracefulShutdownSeconds: number;
    /** Where the shared Redis is (not secret; its password is). */
    redisHost: string;
    redisPort: number;
}

/**
 * The plain environment every proxy instance adds to proxyEnvironment's: Redis' address, the drain
 * timeout, and no schema update at start (the one-shot migration owns it; LiteLLM's Helm chart does
 * the same: helm/litellm-helm/templates/_deployment.tpl).
 */
export function multiInstanceVariables(values: MultiInstanceVariables): Record<string, string> {
    return {
        [MULTI_INSTANCE_ENV.redisHost]: values.redisHost,
        [MULTI_INSTANCE_ENV.redisPort]: String(values.redisPort),
        [MULTI_INSTANCE_ENV.gracefulShutdown]: String(values.gracefulShutdownSeconds),
        [MULTI_INSTANCE_ENV.disableSchemaUpdate]: "true",
    };
}

/**
 * The environment of the one-shot migration: the chart's migrations Job forces
 * DISABLE_SCHEMA_UPDATE=false (helm/litellm-helm/templates/migrations-job.yaml), and
 * ENFORCE_PRISMA_MIGRATION_CHECK=true makes a failed migration a failed job instead of a warning
 * (litellm/proxy/proxy_cli.py; on by default from v1.104.0, set for older images).
 */
export function migrationVariables(): Record<string, string> {
    return { [MULTI_INSTANCE_ENV.disableSchemaUpdate]: "false", ENFORCE_PRISMA_MIGRATION_CHECK: "true" };
}

/**
 * How long the front door waits for an answer (HAProxy's `timeout server`): at least LiteLLM's whole
 * retry budget for one request (every attempt times out, with the waits between them), and never
 * below 10 minutes, LiteLLM's own default request timeout in its production config.
 */
export function frontDoorServerTimeoutSeconds(router: Pick<RouterSettings, "timeoutSeconds" | "numRetries" | "retryAfterSeconds">): number {
    const retryBudget = router.timeoutSeconds * (router.numRetries + 1) + router.retryAfterSeconds * router.numRetries;
    return Math.max(600, retryBudget + 30);
}

/** The most proxy instances a multi-instance target runs (the swarmReplicas key's upper bound). */
export const MAX_INSTANCES = 50;

/**
 * Server slots the front door keeps for the proxy's tasks (HAProxy's server-template): every task
 * that can be up at once during a rolling update of the largest allowed service, plus room for the
 * replacement of a killed one. Sized for the maximum, not the current replica count, so that scaling
 * the proxy never changes the front door's configuration (which would restart it, stop-first).
 */
export function frontDoorServerSlots(): number {
    return rolloutInstances(MAX_INSTANCES) + 2;
}

/**
 * What a database migration is for: the LiteLLM image's digest (its bundled migrations) and the
 * database they are applied to. The one-shot migration runs when this changes, and only then: a
 * new image or another database runs it, a model-list or key change never does.
 */
export function migrationKey(imageDigest: string, databaseIdentity: string): string {
    if (!/^sha256:[0-9a-f]{64}$/.test(imageDigest)) {
        throw new RangeError("the migration is keyed by the image's digest (sha256:<64 hex>); pin the image by digest");
    }
    return createHash("sha256").update(`${imageDigest}\n${databaseIdentity}`, "utf8").digest("hex");
}

/**
 * Which database a URL points at, without its credentials: a new password for the same database is
 * not a new migration. `host:port/database`, the host in lower case, the port 5432 when left out.
 */
export function databaseIdentity(databaseUrl: string): string {
    const url = new URL(databaseUrl.replace(/^postgres(ql)?:/, "http:"));
    return `${url.hostname.toLowerCase()}:${url.port || "5432"}${decodeURIComponent(url.pathname)}`;
}

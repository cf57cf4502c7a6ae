/**
 * The typed settings every target deploys from: what the stack's configuration means once it has
 * been validated. Plain data, no Pulumi: the renderers and components take these.
 */

export type DeploymentTarget = "docker" | "hfspaces" | "swarm";
export const DEPLOYMENT_TARGETS: readonly DeploymentTarget[] = ["docker", "hfspaces", "swarm"];

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";
export const LOG_LEVELS: readonly LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR"];

export type SpaceVisibility = "public" | "protected" | "private";
export const SPACE_VISIBILITIES: readonly SpaceVisibility[] = ["public", "protected", "private"];

/** What `pulumi destroy` does to the Space: `auto` deletes one this stack created and keeps one it adopted. */
export type SpaceDestroyPolicy = "auto" | "keep" | "delete";
export const SPACE_DESTROY_POLICIES: readonly SpaceDestroyPolicy[] = ["auto", "keep", "delete"];

/** LiteLLM Router's `routing_strategy` values (litellm/router.py, Router.__init__). */
export type RoutingStrategy =
    | "simple-shuffle"
    | "least-busy"
    | "usage-based-routing"
    | "usage-based-routing-v2"
    | "latency-based-routing"
    | "cost-based-routing";
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = [
    "simple-shuffle",
    "least-busy",
    "usage-based-routing",
    "usage-based-routing-v2",
    "latency-based-routing",
    "cost-based-routing",
];

/** `general_settings.ui_access_mode` (litellm/proxy/_types.py, ConfigGeneralSettings): `all` is LiteLLM's default. */
export type DashboardAccess = "admin_only" | "all";
export const DASHBOARD_ACCESS_MODES: readonly DashboardAccess[] = ["admin_only", "all"];

/**
 * Where responses are cached. `local` is in the proxy's memory, one cache per instance; `redis`
 * is shared by every instance and needs a Redis server, which a multi-instance target provides.
 */
export type CacheType = "local" | "redis";
export const CACHE_TYPES: readonly CacheType[] = ["local", "redis"];

/** One entry of LiteLLM's `model_list`. */
export interface ModelSettings {
    /** The name clients ask for (`aiterm config set model <name>`). */
    name: string;
    /** LiteLLM's provider-prefixed model id (`huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct`). */
    model: string;
    /** The environment variable holding the provider's API key; none for keyless providers (Ollama). */
    apiKeyEnv?: string;
    /** The provider's base URL, for self-hosted or proxied providers. */
    apiBase?: string;
    /** Requests per minute this deployment takes (`litellm_params.rpm`). */
    rpm?: number;
    /** Tokens per minute this deployment takes (`litellm_params.tpm`). */
    tpm?: number;
}

/** A LiteLLM virtual key declared in the stack: what aiterm (or another client) uses. */
export interface VirtualKeySettings {
    /** LiteLLM's key_alias: unique, stable name of the key. */
    alias: string;
    /** Model names the key may use; empty means every model. */
    models: string[];
    /** Spend cap in USD over budgetDuration. */
    maxBudget?: number;
    budgetDuration?: string;
    /** Requests per minute. */
    rpmLimit?: number;
    /** Tokens per minute. */
    tpmLimit?: number;
    metadata?: Record<string, string>;
}

/** LiteLLM's router: how a request is retried, timed out, and moved to another model. */
export interface RouterSettings {
    routingStrategy: RoutingStrategy;
    /** Retries of a failed request on the same model group (`num_retries`). */
    numRetries: number;
    /** Seconds a provider call may take (`timeout`). */
    timeoutSeconds: number;
    /** Seconds to wait before retrying (`retry_after`, an integer in LiteLLM). */
    retryAfterSeconds: number;
    /** Failures a deployment may have in a minute before it is cooled down (`allowed_fails`). */
    allowedFails: number;
    /** Seconds a deployment stays cooled down (`cooldown_time`). */
    cooldownSeconds: number;
    /** Make the models' rpm/tpm hard limits (429) instead of routing hints. */
    enforceModelRateLimits: boolean;
    /** Model name → the model names tried, in order, when it fails. */
    fallbacks: Record<string, string[]>;
    /** Model name → the model names tried when a prompt is too long for it. */
    contextWindowFallbacks: Record<string, string[]>;
}

export interface CacheSettings {
    enabled: boolean;
    type: CacheType;
    /** How long a cached response is served, in seconds. */
    ttlSeconds: number;
}

/** What every target shares: the proxy itself. */
export interface ProxySettings {
    models: ModelSettings[];
    /** LiteLLM image, pinned by version and digest. */
    litellmImage: string;
    dashboardUsername: string;
    dashboardAccess: DashboardAccess;
    /** Proxy-wide spend cap in USD; undefined means no cap. */
    maxBudget?: number;
    budgetDuration: string;
    logLevel: LogLevel;
    /** LiteLLM's anonymous usage telemetry (`litellm_settings.telemetry`). */
    telemetry: boolean;
    router: RouterSettings;
    cache: CacheSettings;
    /** Names of the provider-key environment variables for which this stack holds a value. */
    providerKeyNames: string[];
    /** Virtual keys this stack creates on the proxy once it runs. */
    virtualKeys: VirtualKeySettings[];
}

/** The local Docker target (stack `dev`). */
export interface DockerSettings {
    postgresImage: string;
    /** Host port the proxy is published on. */
    port: number;
    /** Host address the proxy is published on. */
    bindAddress: string;
    keepDataOnDestroy: boolean;
    /** How long `pulumi up` waits for a container to report healthy. */
    startupTimeoutSeconds: number;
    /** The proxy container's memory limit in MiB (swap included: it gets none beyond it). */
    proxyMemoryMb: number;
    /** The proxy container's CPU weight against other containers (Docker's CPU shares). */
    proxyCpuShares: number;
    /** The database container's memory limit in MiB, its shared memory included. */
    databaseMemoryMb: number;
    /** Size of the database container's /dev/shm in MiB. */
    databaseSharedMemoryMb: number;
    /** The database container's CPU weight against other containers. */
    databaseCpuShares: number;
    /** What Docker does when a container exits. */
    restartPolicy: ContainerRestartPolicy;
}

/**
 * Docker's restart policy for the dev stack's containers: `on-failure` restarts a container that
 * exits non-zero (a crash, the OOM killer) at most `maxRetries` times over its life;
 * `unless-stopped` restarts it without bound and also after the Docker daemon restarts.
 */
export type ContainerRestartPolicy = { name: "on-failure"; maxRetries: number } | { name: "unless-stopped" };

/** The Hugging Face Space target (stack `hfspaces`). */
export interface SpaceSettings {
    /** User or organization owning the Space; empty means the token's own user. */
    owner: string;
    name: string;
    visibility: SpaceVisibility;
    /** Base URL of the Hub API. */
    hfEndpoint: string;
    onDestroy: SpaceDestroyPolicy;
    /** How long `pulumi up` waits for the Space to run; 0 means it does not wait. */
    waitTimeoutSeconds: number;
    /** Seconds between two reads of the Space's runtime while waiting. */
    pollIntervalSeconds: number;
}

/** Where the Swarm target's database or Redis comes from: a service it runs, or one the user provides. */
export type SwarmBacking = "bundled" | "external";

/** The Docker Swarm target (stack `swarm`): several proxy instances behind one front door. */
export interface SwarmSettings {
    /** Proxy instances (tasks of the proxy service). */
    replicas: number;
    /** Port the front door publishes on every node (host mode). */
    publishedPort: number;
    /** Host name or address clients (and `pulumi up`, for the virtual keys) reach the front door at. */
    publicHost: string;
    /** `external`: the databaseUrl secret; `bundled`: a Postgres service on the data node. */
    database: SwarmBacking;
    /** `external`: redisHost/redisPort/redisPassword; `bundled`: a Redis service on the data node. */
    redis: SwarmBacking;
    /** External Redis host and port (when `redis` is `external`). */
    redisHost: string;
    redisPort: number;
    /** Connections the database gives LiteLLM in all; the pool limit per instance is computed from it. */
    databaseConnectionBudget: number;
    /** LiteLLM's GRACEFUL_SHUTDOWN_TIMEOUT: how long a stopping instance waits for its requests. */
    gracefulShutdownSeconds: number;
    /** Node label (`docker node update --label-add <label>=true`) that pins the bundled Postgres and Redis. */
    dataNodeLabel: string;
    redisImage: string;
    frontDoorImage: string;
    postgresImage: string;
    /** Memory limit of each proxy task in MiB, its /tmp tmpfs included. */
    proxyMemoryMb: number;
    /** How long `pulumi up` waits for a service to converge (tasks running and healthy). */
    convergeTimeoutSeconds: number;
    /** How long `pulumi up` waits for the one-shot migration job. */
    migrationTimeoutSeconds: number;
}

export interface DeploymentSettings {
    target: DeploymentTarget;
    proxy: ProxySettings;
    docker: DockerSettings;
    space: SpaceSettings;
    swarm: SwarmSettings;
}

/** Config values a stack provides as secrets, in plain form (the reader wraps them at once). */
export interface ProvidedSecrets {
    hfToken?: string;
    providerKeys: Record<string, string>;
    databaseUrl?: string;
    /** The external Redis' password (swarm with redisHost). */
    redisPassword?: string;
}

export interface ParsedSettings {
    settings: DeploymentSettings;
    secrets: ProvidedSecrets;
    /** Allowed but risky choices, shown by `pulumi preview`. */
    warnings: string[];
}

/** Reads a raw config value by key; undefined when the stack does not set it. */
export type RawConfig = (key: string) => string | undefined;

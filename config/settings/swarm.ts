/**
 * The Docker Swarm target (stack `swarm`): how many proxy instances, where clients reach the front
 * door, where the database and Redis come from, the connection budget the pool limit is computed
 * from, graceful shutdown, and the pinned images of the services this target runs besides LiteLLM.
 */
import { checkDatabaseUrl } from "../databaseUrl";
import { checkImagePin } from "../images";
import { databaseConnectionPoolLimit, MAX_INSTANCES, rolloutInstances } from "../multiInstance";
import { removeCommand, setCommand } from "../messages";
import { ConfigKey, configKey } from "./declaration";
import { DEFAULT_POSTGRES_IMAGE } from "./docker";
import { ConfigInput, readInteger } from "./input";
import type { CacheSettings, DeploymentTarget, ProvidedSecrets, RawConfig, SwarmBacking, SwarmSettings } from "./types";
import { hasControlCharacters, isPlainSecretText, shown } from "./untrusted";

const SWARM: readonly DeploymentTarget[] = ["swarm"];

/**
 * Redis 7.2 (BSD-3-Clause; 7.4 and later are under RSALv2/SSPL), the alpine image as at least eight
 * unrelated public projects pin it, several as redis:7.2.15-alpine3.21. LiteLLM asks for Redis 7.0 or
 * later (docs/my-website/docs/proxy/prod.md). No registry is reachable where this was written: check
 * it with `docker buildx imagetools inspect redis:7.2.15-alpine3.21` before relying on it.
 */
export const DEFAULT_REDIS_IMAGE = "redis:7.2-alpine@sha256:05a97a479bc73de66f087dc05b569010772880f778cc8671fa6b8aadee32e5c6";
/**
 * HAProxy 3.2 (an LTS branch), the alpine image as at least eight unrelated public projects pin it in
 * files that pull and run it, one as haproxy:3.2.22-alpine3.24. Unchecked against a registry: check it
 * with `docker buildx imagetools inspect haproxy:3.2.22-alpine3.24`.
 */
export const DEFAULT_FRONT_DOOR_IMAGE = "haproxy:3.2-alpine@sha256:79799e8b2977e60802774fa53d29e6b54e045402cdd8a8b9fe43923e7095a047";
export const DEFAULT_SWARM_POSTGRES_IMAGE = DEFAULT_POSTGRES_IMAGE;

export const swarmReplicasKey = configKey({
    key: "swarmReplicas",
    type: "integer",
    default: 2,
    targets: SWARM,
    description: "LiteLLM proxy instances (tasks of the proxy service). Two or more survive a lost instance; rate limits and budgets are shared through Redis.",
    accepts: `A whole number from 1 to ${MAX_INSTANCES}. With 1 a lost instance is an outage until Swarm replaces it.`,
});
export const swarmPortKey = configKey({
    key: "swarmPort",
    type: "integer",
    default: 4000,
    targets: SWARM,
    description: "Port the front door (HAProxy) publishes on every node, in host mode: it listens on all interfaces of each node, with or without IPVS.",
    accepts: "A whole number from 1 to 65535, free on every node.",
});
export const swarmPublicHostKey = configKey({
    key: "swarmPublicHost",
    type: "string",
    default: "127.0.0.1",
    targets: SWARM,
    description: "Host name or address of a node, as clients reach the front door: the stack's URL is http://<it>:<swarmPort>, and pulumi up creates the virtual keys through it.",
    accepts: "A host name (letters, digits, `.` and `-`) or an IPv4 address; no scheme, port, user or password.",
});
export const redisHostKey = configKey({
    key: "redisHost",
    type: "string",
    default: "",
    targets: SWARM,
    description: "Host of an external Redis 7+ the proxy instances share (recommended for production). Empty runs a bundled Redis service pinned to the data node.",
    accepts: "Empty, or a host name or IPv4 address reachable from every node (no scheme, port or credentials: those are redisPort and redisPassword). Plain Redis protocol: keep it on a private network.",
});
export const redisPortKey = configKey({
    key: "redisPort",
    type: "integer",
    default: 6379,
    targets: SWARM,
    description: "Port of the external Redis (redisHost).",
    accepts: "A whole number from 1 to 65535.",
});
export const redisPasswordKey = configKey({
    key: "redisPassword",
    type: "secret",
    default: "",
    targets: SWARM,
    description: "Password of the external Redis (required with redisHost; set with --secret). The bundled Redis gets a generated one.",
    accepts: "8 to 512 printable characters without spaces.",
});
export const swarmDatabaseConnectionBudgetKey = configKey({
    key: "swarmDatabaseConnectionBudget",
    type: "integer",
    default: 80,
    targets: SWARM,
    description:
        "Database connections LiteLLM may hold in all. Each instance's general_settings.database_connection_pool_limit is this divided by the instances that run at once during a rolling update (replicas + 1).",
    accepts: "A whole number from 1 to 10000, at least swarmReplicas + 1. The bundled Postgres allows 100 (80 leaves room for the migration and admin sessions); for an external one, what its plan allows minus other clients.",
});
export const swarmGracefulShutdownKey = configKey({
    key: "swarmGracefulShutdownSeconds",
    type: "integer",
    default: 30,
    targets: SWARM,
    description: "How long a stopping proxy instance waits for its in-flight requests (LiteLLM's GRACEFUL_SHUTDOWN_TIMEOUT); Swarm's stop grace period is set above it.",
    accepts: "A whole number from 1 to 3600. A streamed answer longer than this is cut when its instance is replaced.",
});
export const swarmDataNodeLabelKey = configKey({
    key: "swarmDataNodeLabel",
    type: "string",
    default: "aiterm-litellm.data",
    targets: SWARM,
    description: "Node label that pins the bundled Postgres and Redis (and their volumes) to one node: docker node update --label-add <label>=true <node>.",
    accepts: "A Docker label key: lower-case letters, digits, `.`, `_` and `-`, up to 64, starting and ending with a letter or digit.",
});
export const swarmRedisImageKey = configKey({
    key: "swarmRedisImage",
    type: "string",
    default: DEFAULT_REDIS_IMAGE,
    targets: SWARM,
    description: "Image of the bundled Redis, pinned by version and digest.",
    accepts: "`repository:version@sha256:<64 hex>` of Redis 7 or later; rolling tags are refused.",
});
export const swarmFrontDoorImageKey = configKey({
    key: "swarmFrontDoorImage",
    type: "string",
    default: DEFAULT_FRONT_DOOR_IMAGE,
    targets: SWARM,
    description: "HAProxy image of the front door, pinned by version and digest.",
    accepts: "`repository:version@sha256:<64 hex>` of HAProxy 2.4 or later (its config uses server-template, resolvers and retry-on); rolling tags are refused.",
});
export const swarmPostgresImageKey = configKey({
    key: "swarmPostgresImage",
    type: "string",
    default: DEFAULT_SWARM_POSTGRES_IMAGE,
    targets: SWARM,
    description: "Image of the bundled Postgres (when databaseUrl is empty), pinned by version and digest.",
    accepts: "`repository:version@sha256:<64 hex>` of the official postgres image (it reads POSTGRES_PASSWORD_FILE); rolling tags are refused.",
});
export const swarmProxyMemoryKey = configKey({
    key: "swarmProxyMemoryMb",
    type: "integer",
    default: 2048,
    targets: SWARM,
    description:
        "Memory limit of each proxy instance in MiB, its /tmp included (a task over it is killed and replaced). LiteLLM's production guide recommends 4 GB for production traffic.",
    accepts: "A whole number from 512 to 65536.",
});
export const swarmConvergeTimeoutKey = configKey({
    key: "swarmConvergeTimeoutSeconds",
    type: "integer",
    default: 300,
    targets: SWARM,
    description: "Seconds pulumi up waits for a service to have every task running and healthy; an update that Swarm rolled back fails pulumi up with its reason.",
    accepts: "A whole number from 30 to 3600.",
});
export const swarmMigrationTimeoutKey = configKey({
    key: "swarmMigrationTimeoutSeconds",
    type: "integer",
    default: 600,
    targets: SWARM,
    description: "Seconds pulumi up waits for the one-shot database migration job that runs before the proxy starts on a new image.",
    accepts: "A whole number from 30 to 7200.",
});

export const SWARM_KEYS = [
    swarmReplicasKey,
    swarmPortKey,
    swarmPublicHostKey,
    redisHostKey,
    redisPortKey,
    redisPasswordKey,
    swarmDatabaseConnectionBudgetKey,
    swarmGracefulShutdownKey,
    swarmDataNodeLabelKey,
    swarmRedisImageKey,
    swarmFrontDoorImageKey,
    swarmPostgresImageKey,
    swarmProxyMemoryKey,
    swarmConvergeTimeoutKey,
    swarmMigrationTimeoutKey,
];

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const LABEL_KEY = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;
const REDIS_PASSWORD_MAX = 512;

/** Why `value` is not a bare host name or address, in words that never repeat what could be a credential; undefined when it is one. */
export function hostProblem(value: string): string | undefined {
    if (hasControlCharacters(value) || /\s/.test(value)) {
        return "has a space, newline or other control character in it.";
    }
    if (value.includes("@")) {
        return "holds a user or password (the value is not repeated here): credentials in it would sit in the state and in messages in plain text.";
    }
    if (value.includes("://")) {
        return `${shown(value)} is a URL; give only the host.`;
    }
    if (/:[0-9]*$/.test(value)) {
        return `${shown(value)} has a port; give only the host.`;
    }
    return HOST_NAME.test(value) ? undefined : `${shown(value)} is not a host name or IPv4 address.`;
}

function readImage(input: ConfigInput, key: ConfigKey<string>, check: boolean): string {
    const image = input.text(key);
    if (check) {
        for (const problem of checkImagePin(key.key, image, String(key.default))) {
            input.problem(problem.key, problem.problem, problem.fix);
        }
    }
    return image;
}

/**
 * The database URL check, worded for Swarm: Supabase's direct host is IPv6-only, and Swarm's overlay
 * networks give tasks IPv4 egress only unless the daemons were set up for IPv6.
 */
function checkSwarmDatabaseUrl(input: ConfigInput, url: string): void {
    const verdict = checkDatabaseUrl("databaseUrl", url);
    for (const problem of verdict.problems) {
        input.problem(problem.key, problem.problem.replace("which a Hugging Face Space cannot reach", "which Swarm tasks cannot reach"), problem.fix);
    }
    verdict.warnings.forEach((warning) => input.warn("databaseUrl", warning));
}

export interface SwarmInputs {
    target: DeploymentTarget;
    cache: CacheSettings;
    secrets: ProvidedSecrets;
    /** The raw config, for the one secret of this module (redisPassword): validated, then handed on in ParsedSwarmSettings. */
    raw: RawConfig;
}

export interface ParsedSwarmSettings {
    settings: SwarmSettings;
    /** The external Redis' password, trimmed and validated: only on `swarm` with redisHost. */
    redisPassword?: string;
}

/**
 * The Swarm target's settings. The plain keys are validated on every stack, like the other targets'
 * keys; what only matters where Swarm runs (images, Redis, the database, the cache) only on `swarm`.
 */
export function parseSwarmSettings(input: ConfigInput, { target, cache, secrets, raw }: SwarmInputs): ParsedSwarmSettings {
    const onSwarm = target === "swarm";
    const replicas = readInteger(input, swarmReplicasKey, 1, MAX_INSTANCES);
    const publishedPort = readInteger(input, swarmPortKey, 1, 65535);
    const redisPort = readInteger(input, redisPortKey, 1, 65535);
    const databaseConnectionBudget = readInteger(input, swarmDatabaseConnectionBudgetKey, 1, 10_000);
    const gracefulShutdownSeconds = readInteger(input, swarmGracefulShutdownKey, 1, 3600);
    const proxyMemoryMb = readInteger(input, swarmProxyMemoryKey, 512, 65536);
    const convergeTimeoutSeconds = readInteger(input, swarmConvergeTimeoutKey, 30, 3600);
    const migrationTimeoutSeconds = readInteger(input, swarmMigrationTimeoutKey, 30, 7200);

    const publicHost = input.text(swarmPublicHostKey);
    const publicHostProblem = hostProblem(publicHost);
    if (publicHostProblem) {
        input.problem(swarmPublicHostKey.key, publicHostProblem, `${setCommand(swarmPublicHostKey.key, "127.0.0.1")} (this machine, a node), or a node's name or address`);
    }

    const redisHost = input.text(redisHostKey);
    const redis: SwarmBacking = redisHost === "" ? "bundled" : "external";
    if (redis === "external") {
        const problem = hostProblem(redisHost);
        if (problem) {
            input.problem(redisHostKey.key, problem, `${setCommand(redisHostKey.key, "redis.internal.example")} with the port in redisPort and the password in redisPassword, or ${removeCommand(redisHostKey.key)} for the bundled Redis`);
        }
    }

    const dataNodeLabel = input.text(swarmDataNodeLabelKey);
    if (!LABEL_KEY.test(dataNodeLabel)) {
        input.problem(swarmDataNodeLabelKey.key, `${shown(dataNodeLabel)} is not a Docker label key.`, setCommand(swarmDataNodeLabelKey.key, String(swarmDataNodeLabelKey.default)));
    }

    const database: SwarmBacking = secrets.databaseUrl ? "external" : "bundled";
    const settings: SwarmSettings = {
        replicas,
        publishedPort,
        publicHost,
        database,
        redis,
        redisHost,
        redisPort,
        databaseConnectionBudget,
        gracefulShutdownSeconds,
        dataNodeLabel,
        redisImage: readImage(input, swarmRedisImageKey, onSwarm && redis === "bundled"),
        frontDoorImage: readImage(input, swarmFrontDoorImageKey, onSwarm),
        postgresImage: readImage(input, swarmPostgresImageKey, onSwarm && database === "bundled"),
        proxyMemoryMb,
        convergeTimeoutSeconds,
        migrationTimeoutSeconds,
    };
    if (!onSwarm) {
        return { settings };
    }

    const redisPassword = checkRedisPassword(input, redis, raw(redisPasswordKey.key));
    if (secrets.databaseUrl) {
        checkSwarmDatabaseUrl(input, secrets.databaseUrl);
    }
    if (cache.type !== "redis") {
        input.problem(
            "cacheType",
            "is local, a cache in each instance's memory. LiteLLM shares per-key rate limits, budgets and its auth cache between instances only through a Redis cache (litellm_settings.cache_params.type: redis), so on swarm it must be redis; the response cache is then shared too.",
            setCommand("cacheType", "redis"),
        );
    }
    const instances = rolloutInstances(replicas);
    if (databaseConnectionPoolLimit({ connectionBudget: databaseConnectionBudget, instances }) < 1) {
        input.problem(
            swarmDatabaseConnectionBudgetKey.key,
            `gives ${databaseConnectionBudget} connection(s) to ${instances} instances (${replicas} replicas and the one a rolling update starts first): each needs at least one.`,
            setCommand(swarmDatabaseConnectionBudgetKey.key, String(Math.max(instances, 80))),
        );
    }
    if (replicas === 1) {
        input.warn(swarmReplicasKey.key, "one instance: losing it (or its node) is an outage until Swarm starts another. Two or more keep serving.");
    }
    if (database === "bundled" || redis === "bundled") {
        const bundled = [database === "bundled" ? "Postgres" : "", redis === "bundled" ? "Redis" : ""].filter(Boolean).join(" and ");
        input.warn(
            database === "bundled" ? "databaseUrl" : redisHostKey.key,
            `${bundled} run as one service on the node labelled ${dataNodeLabel}=true, with their data on that node: losing the node stops the proxy. An external ${bundled} (databaseUrl, redisHost) is recommended for production.`,
        );
    }
    return { settings, redisPassword };
}

/** The password to hand on (external Redis only), or undefined; problems and warnings go to input. */
function checkRedisPassword(input: ConfigInput, redis: SwarmBacking, rawPassword: string | undefined): string | undefined {
    const password = rawPassword?.trim() ?? "";
    const fix = setCommand(redisPasswordKey.key, "<the Redis password>", { secret: true });
    if (redis === "external" && password === "") {
        input.problem(redisPasswordKey.key, "is required with redisHost: LiteLLM's instances authenticate to the external Redis with it.", fix);
        return undefined;
    }
    if (redis === "bundled") {
        if (password !== "") {
            input.warn(redisPasswordKey.key, `is ignored without redisHost: the bundled Redis gets a generated password. ${removeCommand(redisPasswordKey.key)}`);
        }
        return undefined;
    }
    if (password !== "" && (!isPlainSecretText(password) || password.length < 8 || password.length > REDIS_PASSWORD_MAX)) {
        input.problem(
            redisPasswordKey.key,
            `is not a usable Redis password: 8 to ${REDIS_PASSWORD_MAX} printable characters without spaces, newlines or other control characters (the value is not shown).`,
            fix,
        );
    }
    return password;
}

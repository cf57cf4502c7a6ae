/**
 * The bundled Postgres and Redis: one task each, pinned to the node labelled for data (a volume
 * lives on one node), reachable only on the internal overlay network, with generated passwords as
 * secret files. An external database and Redis are recommended for production (README).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatDatabaseUrl } from "../../config/databaseUrl";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import {
    POSTGRES_DATA_DIRECTORY,
    POSTGRES_PASSWORD_FILE,
    POSTGRES_STARTUP_PATH,
    POSTGRES_STARTUP_SCRIPT,
    postgresHealthcheck,
    REDIS_AUTH_CONFIG_FILE,
    REDIS_DATA_DIRECTORY,
    redisArgs,
    redisAuthConfig,
    redisHealthcheck,
} from "./dataServiceScripts";
import { swarmServiceName } from "./names";
import { POSTGRES_PORT, REDIS_PORT } from "./proxyPorts";
import { swarmDuration } from "./durations";
import { configInput, roleLabels, secretInput, serviceOptions, swarmConfig, swarmSecret } from "./swarmObjects";
import { DROP_ALL_CAPABILITIES, memoryLimit, POSTGRES_MEMORY_MB, POSTGRES_SHARED_MEMORY_MB, REDIS_MEMORY_MB, tmpfsMount } from "./taskHardening";

export interface DataServiceArgs {
    /** Image pinned by version and digest. */
    image: string;
    /** The stack's Swarm name prefix (`litellm-swarm` → service `litellm-swarm-postgres`). */
    namePrefix: string;
    /** ID of the internal overlay network the proxy reaches the service on. */
    networkId: pulumi.Input<string>;
    /** Node label the task is pinned to (`<label>==true`): where its volume lives. */
    dataNodeLabel: string;
    /** The stack's naming key (secret), for the secrets' names. */
    namingKey: pulumi.Input<string>;
    /**
     * Seconds `pulumi up` waits for the task to run and pass its healthcheck.
     * @default 300
     */
    convergeTimeoutSeconds?: number;
}

const DATABASE_NAME = "litellm";
/** The official redis image's user (UID 999; its group is 999 on Debian, 1000 on Alpine): by name. */
export const REDIS_USER = "redis";
const DATABASE_USER = "litellm";

function checkedImage(parent: pulumi.Resource, key: string, image: string, example: string): string {
    const problems = checkImagePin(key, image, example);
    if (problems.length > 0) {
        throw new pulumi.ResourceError(formatProblems(problems), parent);
    }
    return image;
}

/** What both data services share: one task on the data node, stop-first (two tasks cannot share a volume). */
function dataServiceSpec(args: DataServiceArgs) {
    return {
        mode: { replicated: { replicas: 1 } },
        // The service name resolves to the task itself: no VIP, which needs IPVS.
        endpointSpec: { mode: "dnsrr" },
        updateConfig: { parallelism: 1, order: "stop-first", failureAction: "rollback", monitor: swarmDuration(10) },
        rollbackConfig: { parallelism: 1, order: "stop-first", failureAction: "pause", monitor: swarmDuration(10) },
        convergeConfig: { delay: "2s", timeout: `${args.convergeTimeoutSeconds ?? 300}s` },
    };
}

/** Pinned to the labelled node: a Swarm volume is local to the node it was created on. */
function dataNodePlacement(args: DataServiceArgs) {
    return { constraints: [`node.labels.${args.dataNodeLabel}==true`] };
}

/**
 * PostgreSQL for LiteLLM's keys and spend. Its data volume is created by the engine on the data node
 * the first time the task mounts it, and neither Swarm nor `pulumi destroy` ever removes it: a later
 * deploy finds the keys and spend again (the start-up script aligns the password with the new one).
 */
export class BundledPostgres extends pulumi.ComponentResource {
    /** `postgresql://litellm:<encoded password>@<service>:5432/litellm` (secret). */
    readonly connectionUrl: pulumi.Output<string>;
    readonly service: docker.Service;
    readonly serviceName: string;
    /** Name of the data volume on the data node. */
    readonly volumeName: string;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:swarm:BundledPostgres", name, {}, opts);
        const image = checkedImage(this, "swarmPostgresImage", args.image, "postgres:16-alpine@sha256:...");
        this.serviceName = swarmServiceName(args.namePrefix, "postgres");
        this.volumeName = `${args.namePrefix}-postgres-data`;
        const password = new random.RandomPassword(
            `${name}-password`,
            // Special characters on purpose: they prove the URL encoding of DATABASE_URL.
            { length: 32, special: true, overrideSpecial: "@:/?#%!*-_" },
            { parent: this, additionalSecretOutputs: ["result"] },
        );
        const passwordValue = pulumi.secret(password.result);
        const passwordSecret = swarmSecret(
            `${name}-password-secret`,
            { prefix: args.namePrefix, role: "postgres-password", fileName: POSTGRES_PASSWORD_FILE, value: passwordValue, namingKey: args.namingKey },
            { parent: this },
        );
        const startup = swarmConfig(
            `${name}-startup`,
            { prefix: args.namePrefix, role: "postgres-start", fileName: POSTGRES_STARTUP_PATH, content: POSTGRES_STARTUP_SCRIPT },
            { parent: this },
        );
        this.service = new docker.Service(
            name,
            {
                name: this.serviceName,
                labels: roleLabels("postgres"),
                ...dataServiceSpec(args),
                taskSpec: {
                    containerSpec: {
                        image,
                        commands: ["/bin/sh", POSTGRES_STARTUP_PATH],
                        args: ["postgres"],
                        env: {
                            POSTGRES_USER: DATABASE_USER,
                            POSTGRES_DB: DATABASE_NAME,
                            POSTGRES_PASSWORD_FILE: `/run/secrets/${POSTGRES_PASSWORD_FILE}`,
                        },
                        // Readable by the postgres user the image's entrypoint switches to.
                        secrets: [secretInput(passwordSecret.reference, { mode: 0o444 })],
                        configs: [configInput(startup.reference)],
                        mounts: [
                            {
                                type: "volume",
                                source: this.volumeName,
                                target: POSTGRES_DATA_DIRECTORY,
                                volumeOptions: { labels: [{ label: "aiterm-litellm.role", value: "database-data" }] },
                            },
                            tmpfsMount("/dev/shm", POSTGRES_SHARED_MEMORY_MB, 0o1777),
                        ],
                        // What the official entrypoint needs to prepare the data directory and step down to
                        // postgres with gosu (the dev stack's database measured the same set).
                        capDrops: DROP_ALL_CAPABILITIES,
                        capAdds: ["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"],
                        // pg_isready is a small C program: checking every second costs next to nothing.
                        healthcheck: { tests: postgresHealthcheck(DATABASE_USER, DATABASE_NAME), interval: swarmDuration(1), timeout: swarmDuration(5), retries: 5, startPeriod: swarmDuration(120) },
                        // Postgres' fast shutdown (the image's STOPSIGNAL); SIGTERM would wait for every client.
                        stopSignal: "SIGINT",
                        stopGracePeriod: swarmDuration(60),
                        labels: roleLabels("postgres"),
                    },
                    networksAdvanceds: [{ id: args.networkId }],
                    placement: dataNodePlacement(args),
                    resources: memoryLimit(POSTGRES_MEMORY_MB),
                    restartPolicy: { condition: "any", delay: swarmDuration(2) },
                },
            },
            serviceOptions({ parent: this }),
        );
        this.connectionUrl = pulumi.secret(
            passwordValue.apply((value) => formatDatabaseUrl({ user: DATABASE_USER, password: value, host: this.serviceName, port: POSTGRES_PORT, database: DATABASE_NAME })),
        );
        this.registerOutputs({ connectionUrl: this.connectionUrl, serviceName: this.serviceName, volumeName: this.volumeName });
    }
}

/** Redis for router state, the cache and the auth cache; append-only persistence on the data node. */
export class BundledRedis extends pulumi.ComponentResource {
    /** The password the proxies authenticate with (secret). */
    readonly password: pulumi.Output<string>;
    readonly service: docker.Service;
    readonly serviceName: string;
    readonly port = REDIS_PORT;
    readonly volumeName: string;

    constructor(name: string, args: DataServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:swarm:BundledRedis", name, {}, opts);
        const image = checkedImage(this, "swarmRedisImage", args.image, "redis:7.2-alpine@sha256:...");
        this.serviceName = swarmServiceName(args.namePrefix, "redis");
        this.volumeName = `${args.namePrefix}-redis-data`;
        // Letters and digits: it goes into redis.conf unquoted.
        const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this, additionalSecretOutputs: ["result"] });
        this.password = pulumi.secret(password.result);
        const auth = swarmSecret(
            `${name}-auth-secret`,
            { prefix: args.namePrefix, role: "redis-auth", fileName: REDIS_AUTH_CONFIG_FILE, value: this.password.apply(redisAuthConfig), namingKey: args.namingKey },
            { parent: this },
        );
        this.service = new docker.Service(
            name,
            {
                name: this.serviceName,
                labels: roleLabels("redis"),
                ...dataServiceSpec(args),
                taskSpec: {
                    containerSpec: {
                        image,
                        args: redisArgs(),
                        // Readable by the redis user the image's entrypoint switches to.
                        secrets: [secretInput(auth.reference, { mode: 0o444 })],
                        mounts: [
                            {
                                type: "volume",
                                source: this.volumeName,
                                target: REDIS_DATA_DIRECTORY,
                                volumeOptions: { labels: [{ label: "aiterm-litellm.role", value: "redis-data" }] },
                            },
                        ],
                        // As the image's own redis user from the start, with no capability at all. The
                        // official entrypoint (docker-library/redis docker-entrypoint.sh) supports it
                        // ("allow the container to be started with `--user`"): only as root does it run
                        // `find . ! -user redis -exec chown redis` and step down with gosu. That find
                        // cannot enter Redis' own appendonlydir (0700, redis) without DAC_READ_SEARCH or
                        // DAC_OVERRIDE, so as root with CHOWN/SETGID/SETUID only, Redis never started
                        // again once it had written its append-only files. The image's /data belongs to
                        // redis, and the engine copies that ownership into the new volume.
                        user: REDIS_USER,
                        capDrops: DROP_ALL_CAPABILITIES,
                        healthcheck: { tests: redisHealthcheck(), interval: swarmDuration(1), timeout: swarmDuration(3), retries: 5, startPeriod: swarmDuration(30) },
                        stopGracePeriod: swarmDuration(30),
                        labels: roleLabels("redis"),
                    },
                    networksAdvanceds: [{ id: args.networkId }],
                    placement: dataNodePlacement(args),
                    resources: memoryLimit(REDIS_MEMORY_MB),
                    restartPolicy: { condition: "any", delay: swarmDuration(2) },
                },
            },
            serviceOptions({ parent: this }),
        );
        this.registerOutputs({ serviceName: this.serviceName, volumeName: this.volumeName });
    }
}

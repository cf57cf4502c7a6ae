import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { parseImageReference } from "../../config/images";
import { formatProblems, setCommand } from "../../config/messages";
import { databaseIdentity, frontDoorServerSlots, frontDoorServerTimeoutSeconds, migrationKey, multiInstanceTopology } from "../../config/multiInstance";
import { renderProxyConfig } from "../../config/proxyConfig";
import { InstanceValues, migrationEnvironment, PROXY_ENV, proxyEnvironment, ProxySecretValues } from "../../config/proxyEnvironment";
import { ProxySettings, SwarmSettings } from "../../config/settings";
import { BundledPostgres, BundledRedis } from "./bundledServices";
import { ENTRYPOINT_PATH, ENTRYPOINT_SCRIPT, entrypointCommand } from "./entrypoint";
import { FrontDoor } from "./frontDoor";
import { MigrationJob } from "./migrationJob";
import { keyedHash, swarmServiceName } from "./names";
import { PROXY_CONFIG_PATH, REDIS_PORT } from "./proxyPorts";
import { PROXY_TASK_USER, PROXY_TMPFS, ProxyService, proxyTaskEnvironment } from "./proxyService";
import { roleLabels, SecretReference, swarmConfig, swarmSecret } from "./swarmObjects";

export interface SwarmDeploymentArgs {
    /** The proxy settings shared with every target (models, image, dashboard user, budget, router, cache). */
    proxy: ProxySettings;
    /** Settings of the Swarm target (replicas, front door, database and Redis, images, timeouts). */
    swarm: SwarmSettings;
    /** Prefix of every Swarm object's name, so two stacks can share a swarm (names.ts swarmNamePrefix). */
    namePrefix: string;
    /** Docker host of a Swarm manager for the migration job (the same engine the Docker provider uses). */
    engineHost: string;
    /** `sk-...` master key (secret). */
    masterKey: pulumi.Input<string>;
    /** Salt key (secret); must never change once the database holds data. */
    saltKey: pulumi.Input<string>;
    /** Dashboard password (secret). */
    dashboardPassword: pulumi.Input<string>;
    /** Provider API keys by environment variable name (secret); the names are `proxy.providerKeyNames`. */
    providerKeys: pulumi.Input<Record<string, string>>;
    /** The external database's URL (secret); required when `swarm.database` is `external`, ignored otherwise. */
    databaseUrl?: pulumi.Input<string>;
    /** The external Redis' password (secret); required when `swarm.redis` is `external`, ignored otherwise. */
    redisPassword?: pulumi.Input<string>;
}

/**
 * LiteLLM for a team on Docker Swarm: several proxy instances behind one front door, Redis shared by
 * all of them, the database migrated once per image before any instance of that image starts.
 *
 * Children: two overlay networks (`backend`, internal: the data services and the proxies;
 * `frontend`: the front door and the proxies, with a route out to the model providers), the bundled
 * Postgres and Redis unless external ones are configured, config.yaml and the start-up script as
 * Swarm configs, every confidential value as a Swarm secret, the migration job, the proxy service
 * and the front door. What a change does:
 * - models, router, cache, budget: a new config.yaml config; the proxy rolls onto it, start-first;
 *   the migration does not run.
 * - the LiteLLM image: a new migration job runs first (the proxy depends on it), then the proxy
 *   rolls onto the image; a failed migration stops `pulumi up` before any task of the new image.
 * - a provider key: a new Swarm secret; the proxy rolls onto it; the old secret is then removed.
 */
export class SwarmDeployment extends pulumi.ComponentResource {
    /** The front door's URL as clients reach it (`http://<swarmPublicHost>:<swarmPort>`). */
    readonly url: pulumi.Output<string>;
    /** What must be running before the proxy answers through the front door. */
    readonly ready: pulumi.Resource[];
    readonly backendNetwork: docker.Network;
    readonly frontendNetwork: docker.Network;
    readonly proxy: ProxyService;
    readonly frontDoor: FrontDoor;
    readonly migration: MigrationJob;
    readonly postgres?: BundledPostgres;
    readonly redis?: BundledRedis;
    /** The rendered config.yaml (no secrets in it). */
    readonly configYaml: string;

    constructor(name: string, args: SwarmDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:swarm:SwarmDeployment", name, {}, opts);
        const { swarm, proxy } = args;
        const imageDigest = validate(this, args);
        const childOptions = { parent: this };
        const prefix = args.namePrefix;

        this.backendNetwork = new docker.Network(
            `${name}-backend`,
            { name: `${prefix}-backend`, driver: "overlay", internal: true, labels: roleLabels("backend") },
            childOptions,
        );
        this.frontendNetwork = new docker.Network(`${name}-frontend`, { name: `${prefix}-frontend`, driver: "overlay", labels: roleLabels("frontend") }, childOptions);

        const secretOptions = { parent: this, additionalSecretOutputs: ["result"] };
        // Kept in the state for good: secrets' names are HMACs under it (names.ts).
        const namingKey = pulumi.secret(new random.RandomPassword(`${name}-naming-key`, { length: 32, special: false }, secretOptions).result);
        const drainToken = pulumi.secret(new random.RandomPassword(`${name}-drain-token`, { length: 40, special: false }, secretOptions).result);

        const dataServices: pulumi.Resource[] = [];
        const dataArgs = {
            namePrefix: prefix,
            networkId: this.backendNetwork.id,
            dataNodeLabel: swarm.dataNodeLabel,
            namingKey,
            convergeTimeoutSeconds: swarm.convergeTimeoutSeconds,
        };
        let databaseUrl: pulumi.Output<string>;
        let database: pulumi.Output<string>;
        if (swarm.database === "bundled") {
            this.postgres = new BundledPostgres(`${name}-postgres`, { ...dataArgs, image: swarm.postgresImage }, childOptions);
            dataServices.push(this.postgres.service);
            databaseUrl = this.postgres.connectionUrl;
            database = pulumi.output(`bundled:${this.postgres.serviceName}:${this.postgres.volumeName}`);
        } else {
            databaseUrl = pulumi.secret(pulumi.output(args.databaseUrl ?? ""));
            // Which database, keyed: its host is inside a secret.
            database = pulumi.unsecret(pulumi.all([namingKey, databaseUrl]).apply(([key, url]) => `external:${keyedHash(key, databaseIdentity(url))}`));
        }
        let redisHost: string;
        let redisPort: number;
        let redisPassword: pulumi.Output<string>;
        if (swarm.redis === "bundled") {
            this.redis = new BundledRedis(`${name}-redis`, { ...dataArgs, image: swarm.redisImage }, childOptions);
            dataServices.push(this.redis.service);
            redisHost = this.redis.serviceName;
            redisPort = REDIS_PORT;
            redisPassword = this.redis.password;
        } else {
            redisHost = swarm.redisHost;
            redisPort = swarm.redisPort;
            redisPassword = pulumi.secret(pulumi.output(args.redisPassword ?? ""));
        }

        this.configYaml = renderProxyConfig(proxy, multiInstanceTopology({ replicas: swarm.replicas, databaseConnectionBudget: swarm.databaseConnectionBudget }));
        const configYaml = swarmConfig(`${name}-config`, { prefix, role: "config", fileName: PROXY_CONFIG_PATH, content: this.configYaml }, childOptions);
        const entrypoint = swarmConfig(`${name}-entrypoint`, { prefix, role: "start", fileName: ENTRYPOINT_PATH, content: ENTRYPOINT_SCRIPT }, childOptions);

        // The environment's shape (which names, the plain variables) does not depend on any secret
        // value: it is decided here from the settings, and only the values wait for their outputs.
        const instance = (secrets: { redisPassword: string; drainToken: string }): InstanceValues => ({
            gracefulShutdownSeconds: swarm.gracefulShutdownSeconds,
            redisHost,
            redisPort,
            ...secrets,
        });
        const shape = proxyEnvironment(proxy, placeholderSecrets(proxy.providerKeyNames), instance({ redisPassword: "", drainToken: "" }));
        const environment = pulumi
            .all([args.masterKey, args.saltKey, args.dashboardPassword, args.providerKeys, databaseUrl, redisPassword, drainToken])
            .apply(([masterKey, saltKey, dashboardPassword, providerKeys, url, redis, drain]) =>
                proxyEnvironment(proxy, { masterKey, saltKey, dashboardPassword, providerKeys, databaseUrl: url }, instance({ redisPassword: redis, drainToken: drain })),
            );
        const secretFiles = new Map<string, SecretReference>();
        for (const fileName of Object.keys(shape.secrets).sort()) {
            const role = fileName.toLowerCase().replace(/_/g, "-");
            const { reference } = swarmSecret(
                `${name}-secret-${role}`,
                { prefix, role, fileName, value: pulumi.secret(environment.apply((env) => env.secrets[fileName] ?? "")), namingKey },
                childOptions,
            );
            secretFiles.set(fileName, reference);
        }

        const key = pulumi.unsecret(database.apply((identity) => migrationKey(imageDigest, identity)));
        const databaseSecret = secretFiles.get(PROXY_ENV.databaseUrl);
        if (!databaseSecret) {
            throw new pulumi.ResourceError("the proxy's environment has no DATABASE_URL: config/proxyEnvironment.ts changed", this);
        }
        const migrate = entrypointCommand("migrate");
        this.migration = new MigrationJob(
            `${name}-migration`,
            {
                engineHost: args.engineHost,
                serviceName: key.apply((value) => swarmServiceName(prefix, `migrate-${value.slice(0, 12)}`)),
                image: proxy.litellmImage,
                migrationKey: key,
                command: migrate.command,
                args: migrate.args,
                env: proxyTaskEnvironment(migrationEnvironment(proxy, "").variables),
                secrets: [{ id: databaseSecret.secretId, name: databaseSecret.secretName, fileName: databaseSecret.fileName }],
                configs: [{ id: entrypoint.reference.configId, name: entrypoint.reference.configName, fileName: ENTRYPOINT_PATH }],
                networks: [this.backendNetwork.id, this.frontendNetwork.id],
                labels: { "aiterm-litellm.role": "migration", "aiterm-litellm.migration": key },
                user: PROXY_TASK_USER,
                tmpfs: { target: PROXY_TMPFS.target, sizeBytes: PROXY_TMPFS.sizeMb * 1024 * 1024, mode: PROXY_TMPFS.mode },
                memoryBytes: swarm.proxyMemoryMb * 1024 * 1024,
                timeoutSeconds: swarm.migrationTimeoutSeconds,
            },
            // The database must accept connections first: the bundled one converges healthy.
            { parent: this, dependsOn: dataServices },
        );

        this.proxy = new ProxyService(
            `${name}-proxy`,
            {
                image: proxy.litellmImage,
                namePrefix: prefix,
                replicas: swarm.replicas,
                configYaml: configYaml.reference,
                entrypoint: entrypoint.reference,
                secrets: [...secretFiles.values()],
                environment: shape.variables,
                networkIds: [this.backendNetwork.id, this.frontendNetwork.id],
                gracefulShutdownSeconds: swarm.gracefulShutdownSeconds,
                convergeTimeoutSeconds: swarm.convergeTimeoutSeconds,
                migrationKey: this.migration.migrationKey,
                memoryMb: swarm.proxyMemoryMb,
            },
            // No task of an image starts before its migration completed; Redis and the database run first.
            { parent: this, dependsOn: [this.migration, ...dataServices] },
        );

        this.frontDoor = new FrontDoor(
            `${name}-front-door`,
            {
                image: swarm.frontDoorImage,
                namePrefix: prefix,
                proxyServiceName: this.proxy.serviceName,
                publishedPort: swarm.publishedPort,
                networkId: this.frontendNetwork.id,
                serverSlots: frontDoorServerSlots(),
                serverTimeoutSeconds: frontDoorServerTimeoutSeconds(proxy.router),
            },
            childOptions,
        );

        this.url = pulumi.output(`http://${swarm.publicHost}:${swarm.publishedPort}`);
        this.ready = [this.proxy.service, this.frontDoor.service];
        this.registerOutputs({ url: this.url, proxyServiceName: this.proxy.serviceName, frontDoorServiceName: this.frontDoor.serviceName });
    }
}

/** Every problem with the arguments, before any child exists; returns the image's digest. */
function validate(parent: pulumi.Resource, args: SwarmDeploymentArgs): string {
    const problems = [];
    if (!/^[a-z0-9][a-z0-9-]{0,23}$/.test(args.namePrefix)) {
        problems.push({ key: "(stack name)", problem: `${JSON.stringify(args.namePrefix)} is not a Swarm name prefix (lower-case letters, digits and -, up to 24).`, fix: "name the stack with letters, digits and - (swarm, swarm-prod)" });
    }
    const digest = parseImageReference(args.proxy.litellmImage)?.digest;
    if (!digest) {
        problems.push({
            key: "litellmImage",
            problem: "has no digest: the one-shot migration is keyed by the image's digest.",
            fix: setCommand("litellmImage", "ghcr.io/berriai/litellm-database:<version>@sha256:<digest>"),
        });
    }
    if (args.swarm.database === "external" && args.databaseUrl === undefined) {
        problems.push({ key: "databaseUrl", problem: "is needed for an external database.", fix: setCommand("databaseUrl", "'postgresql://USER:URL_ENCODED_PASSWORD@HOST:5432/DATABASE'", { secret: true }) });
    }
    if (args.swarm.redis === "external" && args.redisPassword === undefined) {
        problems.push({ key: "redisPassword", problem: "is needed for an external Redis (redisHost).", fix: setCommand("redisPassword", "<the Redis password>", { secret: true }) });
    }
    if (problems.length > 0) {
        throw new pulumi.ResourceError(formatProblems(problems), parent);
    }
    return digest ?? "";
}

/** Empty values under the real names: proxyEnvironment's shape, without a secret in it. */
function placeholderSecrets(providerKeyNames: readonly string[]): ProxySecretValues {
    return {
        masterKey: "",
        saltKey: "",
        databaseUrl: "",
        dashboardPassword: "",
        providerKeys: Object.fromEntries(providerKeyNames.map((keyName) => [keyName, ""])),
    };
}

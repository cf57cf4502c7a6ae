/**
 * Guardrails for the Swarm target (stack `swarm`): several proxy instances must share Redis, the
 * proxy must update start-first, and no service may run an image on a rolling tag.
 *
 * What they rely on (the program's components/swarm/): Swarm services carry the label
 * `aiterm-litellm.role` (`proxy`, `front-door`, `redis`, `postgres`) at service level; the proxy
 * mounts config.yaml from a `docker.ServiceConfig` at /app/config.yaml (base64 `data`) and gets
 * REDIS_HOST as plain env; the migration job is a dynamic resource with `resourceKind:
 * "SwarmMigrationJob"` and an `image` input.
 */
import { ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { imagePinProblems, isRollingTag, tagOf } from "./images";
import { configSet, DYNAMIC_RESOURCE, labelValue, readKnown, ResourceView, ROLE_LABEL } from "./resources";

export const SWARM_SERVICE = "docker:index/service:Service";
export const SWARM_CONFIG = "docker:index/serviceConfig:ServiceConfig";
const PROXY_CONFIG_PATH = "/app/config.yaml";

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The role label of a Swarm service, or undefined (not a service, not labelled, not known yet). */
export function serviceRole(resource: ResourceView): string | undefined {
    if (resource.type !== SWARM_SERVICE) {
        return undefined;
    }
    const role = readKnown(() => labelValue(resource.props, ROLE_LABEL));
    return role.known ? role.value : undefined;
}

function describeService(resource: ResourceView): string {
    const name = readKnown(() => resource.props.name);
    return `Service "${resource.name}"${name.known && typeof name.value === "string" ? ` (Swarm name ${name.value})` : ""}`;
}

function containerSpec(props: Record<string, unknown>): Record<string, unknown> {
    const task = props.taskSpec;
    const spec = isRecord(task) ? task.containerSpec : undefined;
    return isRecord(spec) ? spec : {};
}

/** The lines of a top-level section of a YAML document (`router_settings:` up to the next top-level key). */
export function yamlSection(text: string, section: string): string {
    const lines = text.split("\n");
    const start = lines.findIndex((line) => line === `${section}:`);
    if (start === -1) {
        return "";
    }
    const end = lines.findIndex((line, index) => index > start && /^\S/.test(line));
    return lines.slice(start + 1, end === -1 ? undefined : end).join("\n");
}

/**
 * What config.yaml lacks for several instances: Redis in the router (shared rpm/tpm, cooldowns) and
 * a Redis cache (per-key limits, budgets, the auth cache). Empty when it has both.
 */
export function missingRedisWiring(configYaml: string): string[] {
    const missing: string[] = [];
    if (!/^\s+redis_host:\s*\S/m.test(yamlSection(configYaml, "router_settings"))) {
        missing.push("router_settings.redis_host (router state and rpm limits stay per instance)");
    }
    const litellm = yamlSection(configYaml, "litellm_settings");
    const cacheParams = /^ {2}cache_params:\n((?: {4}.*\n?)*)/m.exec(`${litellm}\n`)?.[1] ?? "";
    if (!/^ {4}type:\s*redis\s*$/m.test(cacheParams)) {
        missing.push("litellm_settings.cache_params.type: redis (per-key limits, budgets and the auth cache stay per instance)");
    }
    return missing;
}

export const swarmReplicasShareRedis: StackValidationPolicy = {
    name: "swarm-replicas-share-redis",
    description: "A Swarm proxy service with more than one replica has Redis: REDIS_HOST in its environment, and config.yaml with router_settings.redis_host and a Redis cache.",
    enforcementLevel: "mandatory",
    remediationSteps: `Use the stack's Redis (bundled, or redisHost) with ${configSet("cacheType", "redis")}, or run one replica: ${configSet("swarmReplicas", "1")}.`,
    validateStack: (args, reportViolation) => {
        const configs = args.resources.filter((r) => r.type === SWARM_CONFIG);
        for (const service of args.resources.filter((r) => serviceRole(r) === "proxy")) {
            const replicas = readKnown(() => {
                const mode = service.props.mode;
                const replicated = isRecord(mode) ? mode.replicated : undefined;
                return isRecord(replicated) ? Number(replicated.replicas ?? 1) : 1;
            });
            if (!replicas.known || replicas.value <= 1) {
                continue;
            }
            const problems: string[] = [];
            const env = readKnown(() => containerSpec(service.props).env);
            if (env.known && !(isRecord(env.value) && typeof env.value.REDIS_HOST === "string" && env.value.REDIS_HOST !== "")) {
                problems.push("no REDIS_HOST in its environment");
            }
            const mounted = readKnown(() => {
                const list = containerSpec(service.props).configs;
                const entry = Array.isArray(list) ? list.find((c: unknown) => isRecord(c) && c.fileName === PROXY_CONFIG_PATH) : undefined;
                if (!isRecord(entry)) {
                    return undefined;
                }
                const config = configs.find((c) => readKnown(() => c.props.name).known && c.props.name === entry.configName);
                const data = config ? readKnown(() => config.props.data) : { known: false as const };
                return data.known && typeof data.value === "string" ? Buffer.from(data.value, "base64").toString("utf8") : null;
            });
            if (mounted.known && mounted.value === undefined) {
                problems.push(`no config.yaml mounted at ${PROXY_CONFIG_PATH}`);
            } else if (mounted.known && typeof mounted.value === "string") {
                problems.push(...missingRedisWiring(mounted.value).map((what) => `config.yaml has no ${what}`));
            }
            if (problems.length > 0) {
                reportViolation(
                    `${describeService(service)} runs ${replicas.value} LiteLLM instances without shared Redis: ${problems.join("; ")}. ` +
                        "Without it a 100 rpm limit lets 100 requests through per instance, budgets are counted per instance, and a revoked key keeps working on the others. " +
                        `The swarm stack wires Redis itself: keep ${configSet("cacheType", "redis")}, or run one instance with ${configSet("swarmReplicas", "1")}.`,
                );
            }
        }
    },
};

export const swarmProxyStartFirst: ResourceValidationPolicy = {
    name: "swarm-proxy-start-first",
    description: "The Swarm proxy service updates start-first: a new task is healthy before an old one stops, so a rollout never lowers capacity.",
    enforcementLevel: "mandatory",
    remediationSteps: 'Set updateConfig.order to "start-first" on the proxy service (components/swarm/proxyService.ts).',
    validateResource: (args, reportViolation) => {
        if (serviceRole(args) !== "proxy") {
            return;
        }
        const order = readKnown(() => {
            const update = args.props.updateConfig;
            return isRecord(update) ? update.order : undefined;
        });
        if (order.known && order.value !== "start-first") {
            reportViolation(
                `${describeService(args)} updates ${order.value === undefined ? "stop-first (Swarm's default: updateConfig.order is not set)" : `with order "${String(order.value)}"`}: ` +
                    "every rollout (a model-list change included) stops an instance before its replacement is healthy, which drops requests and, with one replica, is an outage. " +
                    'Set updateConfig.order to "start-first" in components/swarm/proxyService.ts.',
            );
        }
    },
};

function imageOf(args: ResourceValidationArgs): { image: string; where: string } | undefined {
    if (args.type === SWARM_SERVICE) {
        const image = readKnown(() => containerSpec(args.props).image);
        return image.known && typeof image.value === "string" ? { image: image.value, where: describeService(args) } : undefined;
    }
    if (args.type === DYNAMIC_RESOURCE) {
        const kind = readKnown(() => args.props.resourceKind);
        const image = readKnown(() => args.props.image);
        if (kind.known && kind.value === "SwarmMigrationJob" && image.known && typeof image.value === "string") {
            return { image: image.value, where: `SwarmMigrationJob "${args.name}"` };
        }
    }
    return undefined;
}

/** The config key that sets a Swarm service's image, for the fix. */
function imageKey(reference: string): string {
    const lower = reference.toLowerCase();
    if (lower.includes("litellm")) {
        return "litellmImage";
    }
    if (lower.includes("haproxy")) {
        return "swarmFrontDoorImage";
    }
    return lower.includes("redis") ? "swarmRedisImage" : lower.includes("postgres") ? "swarmPostgresImage" : "litellmImage";
}

export const swarmImagesPinned: ResourceValidationPolicy = {
    name: "swarm-images-pinned",
    description: "Every Swarm service (and the migration job) runs an image pinned by digest and never on a rolling tag (latest, stable, main, main-*, *-latest, ...).",
    enforcementLevel: "mandatory",
    remediationSteps: `Pin each image by version and digest, e.g. ${configSet("litellmImage", "ghcr.io/berriai/litellm-database:<version>@sha256:<digest>")}.`,
    validateResource: (args, reportViolation) => {
        const found = imageOf(args);
        if (!found) {
            return;
        }
        const problems = imagePinProblems(found.image);
        const tag = tagOf(found.image);
        // imagePinProblems names a rolling tag for LiteLLM only; on Swarm it matters for every image.
        if (tag !== undefined && isRollingTag(tag) && !problems.some((problem) => problem.includes("rolling tag"))) {
            problems.unshift(`is on the rolling tag "${tag}", which points at a different build from one day to the next`);
        }
        if (problems.length > 0) {
            const key = imageKey(found.image);
            reportViolation(
                `${found.where} runs "${found.image}", which ${problems.join(", and ")}: every node pulls it on its own, so the tasks of one service can run different builds, ` +
                    `and an update can change what runs without a config change. Pin a version and its digest: ${configSet(key, "<repository>:<version>@sha256:<digest>")} (aiterm-litellm:${key}); ` +
                    "find the digest with `docker buildx imagetools inspect <repository>:<version>`.",
            );
        }
    },
};

/** The Swarm policies, in the order `pulumi preview` reports them. */
export const swarmGuardrails = [swarmReplicasShareRedis, swarmProxyStartFirst, swarmImagesPinned];

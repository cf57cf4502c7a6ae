/**
 * The whole program for stack `swarm`, under Pulumi's mocks: the graph it declares, as
 * `pulumi preview` would show it, and what changes (and what does not) when the model list or the
 * LiteLLM image changes.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { referencedEnvironment } from "../config/proxyConfig";
import { isSecretValue, installMocks, MockedProgram, mockVirtualKey, plainStrings, RecordedResource, reveal, valueOf } from "./support/pulumiMocks";
import { HF_TOKEN, LITELLM_IMAGE, OPENAI_KEY, Program, runSwarmProgram } from "./swarm/swarmProgram";

const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const CONFIG = "docker:index/serviceConfig:ServiceConfig";
const NETWORK = "docker:index/network:Network";
const DYNAMIC = "pulumi-nodejs:dynamic:Resource";

type Labels = { label: string; value: string }[];
type ContainerSpec = {
    image: string;
    commands: string[];
    args: string[];
    env?: Record<string, string>;
    secrets?: { secretId: string; secretName: string; fileName: string; fileMode?: number }[];
    configs?: { configId: string; configName: string; fileName: string }[];
    healthcheck?: { tests: string[]; interval: string; retries: number };
    stopGracePeriod?: string;
    mounts?: { type: string; source: string; target: string }[];
};
type TaskSpec = { containerSpec: ContainerSpec; networksAdvanceds?: { id: string }[]; placement?: { constraints?: string[]; prefs?: string[]; maxReplicas?: number } };

const labelOf = (resource: RecordedResource, label: string) => reveal<Labels | undefined>(resource.inputs.labels)?.find((l) => l.label === label)?.value;
const byRole = (m: MockedProgram, type: string, role: string) => m.byType(type).filter((r) => labelOf(r, "aiterm-litellm.role") === role);
const serviceOf = (m: MockedProgram, role: string): RecordedResource => {
    const services = byRole(m, SERVICE, role);
    expect(services, role).toHaveLength(1);
    return services[0];
};
const taskOf = (service: RecordedResource) => reveal<TaskSpec>(service.inputs.taskSpec);
const migrationOf = (m: MockedProgram) => m.byType(DYNAMIC).find((r) => reveal(r.inputs.resourceKind) === "SwarmMigrationJob") as RecordedResource;
const decoded = (config: RecordedResource) => Buffer.from(String(reveal(config.inputs.data)), "base64").toString("utf8");
const configMountedAt = (m: MockedProgram, path: string) => {
    const matches = m.byType(CONFIG).filter((c) => labelOf(c, "aiterm-litellm.file") === path);
    expect(matches, path).toHaveLength(1);
    return matches[0];
};
const configYamlOf = (m: MockedProgram) => parse(decoded(configMountedAt(m, "/app/config.yaml")));
const secretFiles = (m: MockedProgram) => m.byType(SECRET).map((s) => String(labelOf(s, "aiterm-litellm.file")));
const dependsOn = (m: MockedProgram, resource: RecordedResource, other: RecordedResource) =>
    m.optionsOf(resource).dependencies.some((urn) => urn.endsWith(`::${other.name}`) && urn.includes(other.type));

describe("stack swarm", () => {
    let mocked: MockedProgram;
    let program: Program;

    beforeAll(async () => {
        ({ mocked, program } = await runSwarmProgram());
    });

    it("declares the deployment, its bundled data services, the proxy and the front door as components", () => {
        const components = mocked.resources.filter((r) => !r.custom).map((r) => r.type);
        expect(components).toEqual(
            expect.arrayContaining([
                "litellm:index:ProxySecrets",
                "litellm:swarm:SwarmDeployment",
                "litellm:swarm:BundledPostgres",
                "litellm:swarm:BundledRedis",
                "litellm:swarm:ProxyService",
                "litellm:swarm:FrontDoor",
                "litellm:keys:VirtualKeys",
            ]),
        );
        expect(mocked.byType(SERVICE).map((s) => reveal(s.inputs.name)).sort()).toEqual([
            "litellm-swarm-front-door",
            "litellm-swarm-postgres",
            "litellm-swarm-proxy",
            "litellm-swarm-redis",
        ]);
        expect(mocked.byType(NETWORK).map((n) => [reveal(n.inputs.name), reveal(n.inputs.driver), reveal(n.inputs.internal) ?? false]).sort()).toEqual([
            ["litellm-swarm-backend", "overlay", true],
            ["litellm-swarm-frontend", "overlay", false],
        ]);
        expect(migrationOf(mocked)).toBeDefined();
        // No container or image pull of the Docker target: Swarm pulls on the nodes.
        expect(mocked.byType("docker:index/container:Container")).toEqual([]);
        expect(mocked.byType("docker:index/remoteImage:RemoteImage")).toEqual([]);
    });

    it("names every child after the deployment and its role", () => {
        const custom = mocked.resources.filter((r) => r.custom && !["litellm-master-key", "litellm-salt-key", "litellm-dashboard-password"].includes(r.name) && !r.name.startsWith("keys-"));
        for (const resource of custom) {
            expect(resource.name, resource.type).toMatch(/^swarm-[a-z0-9-]+$/);
        }
    });

    describe("the proxy service", () => {
        it("runs two replicas of the pinned LiteLLM image, discovered by DNS (no VIP, no published port)", () => {
            const proxy = serviceOf(mocked, "proxy");
            expect(reveal(proxy.inputs.mode)).toEqual({ replicated: { replicas: 2 } });
            expect(reveal(proxy.inputs.endpointSpec)).toEqual({ mode: "dnsrr" });
            expect(taskOf(proxy).containerSpec.image).toBe(LITELLM_IMAGE);
        });

        it("updates start-first, one at a time, rolls back on failure, and makes pulumi up wait for it", () => {
            const proxy = serviceOf(mocked, "proxy");
            expect(reveal(proxy.inputs.updateConfig)).toMatchObject({ order: "start-first", failureAction: "rollback", parallelism: 1, maxFailureRatio: "0" });
            expect(reveal(proxy.inputs.rollbackConfig)).toMatchObject({ order: "start-first" });
            expect(reveal(proxy.inputs.convergeConfig)).toEqual({ delay: "2s", timeout: "300s" });
        });

        it("spreads without a per-node maximum (start-first with one task per node deadlocks)", () => {
            expect(taskOf(serviceOf(mocked, "proxy")).placement?.maxReplicas).toBeUndefined();
        });

        it("checks liveness with python3 (no curl in the image), and stops later than GRACEFUL_SHUTDOWN_TIMEOUT", () => {
            const spec = taskOf(serviceOf(mocked, "proxy")).containerSpec;
            expect(spec.healthcheck?.tests.slice(0, 2)).toEqual(["CMD", "python3"]);
            expect(spec.healthcheck?.tests.join(" ")).toContain("/health/liveliness");
            expect(spec.healthcheck?.tests.join(" ")).not.toMatch(/curl|wget|readiness/);
            expect(spec.env?.GRACEFUL_SHUTDOWN_TIMEOUT).toBe("30");
            expect(Number(spec.stopGracePeriod?.replace(/s$/, ""))).toBeGreaterThan(30);
        });

        it("starts through the start-up script, with config.yaml and the script as Swarm configs", () => {
            const spec = taskOf(serviceOf(mocked, "proxy")).containerSpec;
            expect(spec.commands).toEqual(["/bin/sh", "/usr/local/bin/aiterm-litellm-start"]);
            expect(spec.args).toEqual(["proxy", "--port", "4000", "--config", "/app/config.yaml"]);
            expect(spec.configs?.map((c) => c.fileName).sort()).toEqual(["/app/config.yaml", "/usr/local/bin/aiterm-litellm-start"]);
            const script = decoded(configMountedAt(mocked, "/usr/local/bin/aiterm-litellm-start"));
            expect(script).toContain("/health/drain");
            expect(script).toContain("X-Drain-Token");
        });

        it("never runs migrations itself, and gets Redis' address as plain env", () => {
            const env = taskOf(serviceOf(mocked, "proxy")).containerSpec.env ?? {};
            expect(env).toMatchObject({ DISABLE_SCHEMA_UPDATE: "true", REDIS_HOST: "litellm-swarm-redis", REDIS_PORT: "6379", UI_USERNAME: "admin", LITELLM_MODE: "PRODUCTION" });
        });

        it("gets every confidential value as a secret file named after its variable, none as env", () => {
            const spec = taskOf(serviceOf(mocked, "proxy")).containerSpec;
            const files = (spec.secrets ?? []).map((s) => s.fileName).sort();
            expect(files).toEqual(["DATABASE_URL", "DRAIN_ENDPOINT_TOKEN", "HF_TOKEN", "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "OPENAI_API_KEY", "REDIS_PASSWORD", "UI_PASSWORD"]);
            for (const secret of spec.secrets ?? []) {
                expect(secret.fileMode).toBe(0o400);
            }
            const env = spec.env ?? {};
            for (const name of files) {
                expect(env[name], name).toBeUndefined();
            }
            // Every variable config.yaml reads is either a secret file or plain env.
            for (const name of referencedEnvironment(configYamlOf(mocked))) {
                expect(files.includes(name) || env[name] !== undefined, name).toBe(true);
            }
        });

        it("runs as UID 1000 on a read-only root with a tmpfs /tmp, every capability dropped, with a memory limit", () => {
            const proxy = serviceOf(mocked, "proxy");
            const spec = taskOf(proxy).containerSpec as ContainerSpec & { user?: string; readOnly?: boolean; capDrops?: string[] };
            expect(spec).toMatchObject({ user: "1000:1000", readOnly: true, capDrops: ["ALL"] });
            expect(spec.mounts).toEqual([{ type: "tmpfs", target: "/tmp", tmpfsOptions: { sizeBytes: 512 * 1024 * 1024, mode: 0o1777 } }]);
            expect(spec.env).toMatchObject({ LITELLM_MIGRATION_DIR: "/tmp/litellm/migrations", LITELLM_UI_PATH: "/tmp/litellm/ui", HOME: "/tmp" });
            expect(reveal(proxy.inputs.taskSpec)).toMatchObject({ resources: { limits: { memoryBytes: 2048 * 1024 * 1024 } } });
            for (const secret of spec.secrets ?? []) {
                expect(secret).toMatchObject({ fileUid: "1000", fileGid: "1000", fileMode: 0o400 });
            }
        });

        it("joins the data services' internal network and the front door's", () => {
            const networks = taskOf(serviceOf(mocked, "proxy")).networksAdvanceds?.map((n) => n.id).sort();
            expect(networks).toEqual(mocked.byType(NETWORK).map((n) => n.id).sort());
        });
    });

    describe("config.yaml", () => {
        it("wires Redis into the router, the cache and the auth cache", () => {
            const config = configYamlOf(mocked);
            expect(config.router_settings).toMatchObject({ redis_host: "os.environ/REDIS_HOST", redis_port: "os.environ/REDIS_PORT", redis_password: "os.environ/REDIS_PASSWORD" });
            expect(config.litellm_settings).toMatchObject({ cache: true, cache_params: { type: "redis", host: "os.environ/REDIS_HOST" }, enable_redis_auth_cache: true });
        });

        it("sets the pool limit from the connection budget and the instances of a rolling update, and the drain endpoint", () => {
            expect(configYamlOf(mocked).general_settings).toMatchObject({
                database_connection_pool_limit: 26,
                proxy_batch_write_at: 60,
                enable_drain_endpoint: true,
                drain_endpoint_token: "os.environ/DRAIN_ENDPOINT_TOKEN",
            });
        });

        it("is a Swarm config named after its content", () => {
            const config = configMountedAt(mocked, "/app/config.yaml");
            expect(String(reveal(config.inputs.name))).toMatch(/^litellm-swarm-config-[0-9a-f]{16}$/);
        });
    });

    describe("the migration job", () => {
        it("runs the image's migrations once, with the database URL as its only secret", () => {
            const job = reveal<Record<string, unknown>>(migrationOf(mocked).inputs);
            expect(job).toMatchObject({ image: LITELLM_IMAGE, command: ["/bin/sh", "/usr/local/bin/aiterm-litellm-start"], args: ["migrate"] });
            expect(job.env).toMatchObject({ DISABLE_SCHEMA_UPDATE: "false", ENFORCE_PRISMA_MIGRATION_CHECK: "true", LITELLM_MIGRATION_DIR: "/tmp/litellm/migrations" });
            expect(job).toMatchObject({ user: "1000:1000", tmpfs: { target: "/tmp" }, memoryBytes: 2048 * 1024 * 1024 });
            expect((job.secrets as { fileName: string }[]).map((s) => s.fileName)).toEqual(["DATABASE_URL"]);
            expect(String(job.migrationKey)).toMatch(/^[0-9a-f]{64}$/);
            expect(String(job.serviceName)).toBe(`litellm-swarm-migrate-${String(job.migrationKey).slice(0, 12)}`);
            expect(job.engineHost).toBe("unix:///var/run/docker.sock");
        });

        it("waits for the database, and the proxy waits for it and is labelled with its key", () => {
            const job = migrationOf(mocked);
            const proxy = serviceOf(mocked, "proxy");
            expect(dependsOn(mocked, job, serviceOf(mocked, "postgres"))).toBe(true);
            expect(dependsOn(mocked, proxy, job)).toBe(true);
            expect(dependsOn(mocked, proxy, serviceOf(mocked, "redis"))).toBe(true);
            expect(labelOf(proxy, "aiterm-litellm.migration")).toBe(reveal(job.inputs.migrationKey));
        });
    });

    describe("the front door", () => {
        it("is one HAProxy per node publishing 4000 in host mode, no routing mesh needed", () => {
            const door = serviceOf(mocked, "front-door");
            expect(reveal(door.inputs.mode)).toEqual({ global: true });
            expect(reveal(door.inputs.endpointSpec)).toEqual({ mode: "dnsrr", ports: [{ targetPort: 8080, publishedPort: 4000, publishMode: "host", protocol: "tcp" }] });
            expect(reveal(door.inputs.updateConfig)).toMatchObject({ order: "stop-first" });
            expect(taskOf(door).containerSpec.image).toMatch(/^haproxy:3\.2-alpine@sha256:[0-9a-f]{64}$/);
        });

        it("finds the proxy's tasks by DNS, checks their readiness, and retries only what is safe to retry", () => {
            const cfg = decoded(configMountedAt(mocked, "/usr/local/etc/haproxy/haproxy.cfg"));
            expect(cfg).toContain("server-template proxy 53 tasks.litellm-swarm-proxy:4000");
            expect(cfg).toContain("nameserver docker 127.0.0.11:53");
            expect(cfg).toContain("option httpchk GET /health/readiness");
            expect(cfg).toContain("retry-on conn-failure");
            expect(cfg).toContain("http-request disable-l7-retry unless METH_GET || METH_OPTIONS");
        });

        it("shares only the frontend network with the proxy", () => {
            const frontend = mocked.byType(NETWORK).find((n) => reveal(n.inputs.name) === "litellm-swarm-frontend") as RecordedResource;
            expect(taskOf(serviceOf(mocked, "front-door")).networksAdvanceds).toEqual([{ id: frontend.id }]);
        });
    });

    describe("the bundled Postgres and Redis", () => {
        it("are pinned to the labelled data node, on the internal network only, with volumes", () => {
            const backend = mocked.byType(NETWORK).find((n) => reveal(n.inputs.internal) === true) as RecordedResource;
            for (const role of ["postgres", "redis"]) {
                const service = serviceOf(mocked, role);
                const task = taskOf(service);
                expect(task.placement?.constraints, role).toEqual(["node.labels.aiterm-litellm.data==true"]);
                expect(task.networksAdvanceds, role).toEqual([{ id: backend.id }]);
                expect(task.containerSpec.mounts?.[0]).toMatchObject({ type: "volume", source: `litellm-swarm-${role}-data` });
                expect(reveal(service.inputs.endpointSpec), role).toEqual({ mode: "dnsrr" });
                expect(reveal(service.inputs.updateConfig), role).toMatchObject({ order: "stop-first" });
                expect(reveal(service.inputs.convergeConfig), role).toBeDefined();
            }
        });

        it("declare no Docker volume resource: the engine creates it on the data node, and destroy never removes it", () => {
            expect(mocked.byType("docker:index/volume:Volume")).toEqual([]);
        });

        it("read their passwords from secret files", () => {
            const postgres = taskOf(serviceOf(mocked, "postgres")).containerSpec;
            expect(postgres.env).toEqual({ POSTGRES_USER: "litellm", POSTGRES_DB: "litellm", POSTGRES_PASSWORD_FILE: "/run/secrets/postgres-password" });
            expect(postgres.secrets?.map((s) => s.fileName)).toEqual(["postgres-password"]);
            const redis = taskOf(serviceOf(mocked, "redis")).containerSpec;
            expect(redis.args).toEqual(["redis-server", "/run/secrets/redis-auth.conf", "--appendonly", "yes", "--dir", "/data"]);
            expect(redis.env ?? {}).toEqual({});
        });

        it("give the proxy a DATABASE_URL with the encoded password of the bundled database", () => {
            const url = Buffer.from(String(reveal(mocked.byType(SECRET).find((s) => labelOf(s, "aiterm-litellm.file") === "DATABASE_URL")?.inputs.data)), "base64").toString("utf8");
            const password = Buffer.from(String(reveal(mocked.byType(SECRET).find((s) => labelOf(s, "aiterm-litellm.file") === "postgres-password")?.inputs.data)), "base64").toString("utf8");
            expect(password).toMatch(/[@:/?#%]/);
            expect(url).toBe(`postgresql://litellm:${encodeURIComponent(password)}@litellm-swarm-postgres:5432/litellm`);
        });
    });

    describe("secrets", () => {
        it("are Swarm secrets with secret data and names from a keyed hash", () => {
            for (const secret of mocked.byType(SECRET)) {
                expect(isSecretValue(secret.inputs.data), secret.name).toBe(true);
                expect(mocked.optionsOf(secret).additionalSecretOutputs).toContain("data");
                expect(String(reveal(secret.inputs.name)), secret.name).toMatch(/^litellm-swarm-[a-z0-9-]+-[0-9a-f]{16}$/);
            }
            expect(secretFiles(mocked).sort()).toEqual(
                ["DATABASE_URL", "DRAIN_ENDPOINT_TOKEN", "HF_TOKEN", "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "OPENAI_API_KEY", "REDIS_PASSWORD", "UI_PASSWORD", "postgres-password", "redis-auth.conf"].sort(),
            );
        });

        it("never show a generated or provided secret in plain text in any resource input or name", () => {
            const secrets = [...mocked.generatedSecrets(), HF_TOKEN, OPENAI_KEY];
            expect(secrets.length).toBeGreaterThanOrEqual(8);
            const visible = mocked.resources.flatMap((r) => [r.name, ...plainStrings(r.inputs).filter((text) => !text.startsWith("exports.handler"))]);
            // Base64 of a value is the value too.
            const forms = secrets.flatMap((s) => [s, Buffer.from(s).toString("base64").slice(0, 16), encodeURIComponent(s)]);
            for (const secret of forms) {
                for (const text of visible) {
                    expect(text.includes(secret), `a secret appears in plain text: ${text.slice(0, 60)}...`).toBe(false);
                }
            }
        });

        it("never show a secret in a plain output, config.yaml, the scripts or haproxy.cfg", async () => {
            const secrets = [...mocked.generatedSecrets(), HF_TOKEN, OPENAI_KEY];
            const plain = [
                await valueOf(program.url),
                await valueOf(program.chatCompletionsEndpoint),
                await valueOf(program.dashboard),
                ...mocked.byType(CONFIG).map(decoded),
            ];
            for (const secret of secrets) {
                for (const text of plain) {
                    expect(text).not.toContain(secret);
                }
            }
            expect(pulumi.isSecret(program.masterKey)).toBeTruthy();
            expect(pulumi.isSecret(program.aitermSetup)).toBeTruthy();
        });
    });

    it("issues the aiterm key through the front door once the proxy and the door run", async () => {
        const key = mocked.one(DYNAMIC, "keys-aiterm");
        expect(reveal(key.inputs.proxyUrl)).toBe("http://127.0.0.1:4000");
        expect(dependsOn(mocked, key, serviceOf(mocked, "proxy"))).toBe(true);
        expect(dependsOn(mocked, key, serviceOf(mocked, "front-door"))).toBe(true);
        expect(await valueOf(program.chatCompletionsEndpoint)).toBe("http://127.0.0.1:4000/v1/chat/completions");
        expect(await valueOf(program.aitermSetup)).toContain(`aiterm config set api_token ${mockVirtualKey("keys-aiterm")}`);
    });
});

describe("changing the model list", () => {
    it("changes only config.yaml's Swarm config and the proxy service: no new migration, secrets or front door", async () => {
        const before = (await runSwarmProgram()).mocked;
        const after = (await runSwarmProgram({ models: JSON.stringify([{ name: "default", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" }]) })).mocked;
        const changed = after.resources
            .filter((r) => r.custom)
            .filter((r) => {
                const old = before.resources.find((b) => b.type === r.type && b.name === r.name);
                return JSON.stringify(reveal(old?.inputs)) !== JSON.stringify(reveal(r.inputs));
            })
            .map((r) => r.name);
        expect(changed.sort()).toEqual(["swarm-config", "swarm-proxy"]);
        // A new name: the provider replaces a config (its name and data are ForceNew), and the proxy rolls onto it.
        expect(reveal(configMountedAt(after, "/app/config.yaml").inputs.name)).not.toBe(reveal(configMountedAt(before, "/app/config.yaml").inputs.name));
        expect(reveal(migrationOf(after).inputs)).toEqual(reveal(migrationOf(before).inputs));
    });
});

describe("changing the LiteLLM image", () => {
    const NEWER = "ghcr.io/berriai/litellm-database:v1.104.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    it("makes a new migration job (a new key and name), which the proxy, on the new image, depends on", async () => {
        const before = (await runSwarmProgram()).mocked;
        const after = (await runSwarmProgram({ litellmImage: NEWER })).mocked;
        const [oldJob, newJob] = [reveal<Record<string, string>>(migrationOf(before).inputs), reveal<Record<string, string>>(migrationOf(after).inputs)];
        expect(newJob.image).toBe(NEWER);
        expect(newJob.migrationKey).not.toBe(oldJob.migrationKey);
        expect(newJob.serviceName).not.toBe(oldJob.serviceName);
        const proxy = serviceOf(after, "proxy");
        expect(taskOf(proxy).containerSpec.image).toBe(NEWER);
        expect(labelOf(proxy, "aiterm-litellm.migration")).toBe(newJob.migrationKey);
        expect(dependsOn(after, proxy, migrationOf(after))).toBe(true);
    });
});

describe("replicas", () => {
    it("set the pool limit: four replicas share 80 connections as 16 each (five instances during a rollout)", async () => {
        const { mocked } = await runSwarmProgram({ swarmReplicas: "4" });
        expect(reveal(serviceOf(mocked, "proxy").inputs.mode)).toEqual({ replicated: { replicas: 4 } });
        expect(configYamlOf(mocked).general_settings.database_connection_pool_limit).toBe(16);
    });

    it("leave the front door alone when they change: its configuration does not depend on them", async () => {
        const two = (await runSwarmProgram()).mocked;
        const four = (await runSwarmProgram({ swarmReplicas: "4" })).mocked;
        expect(reveal(serviceOf(four, "front-door").inputs)).toEqual(reveal(serviceOf(two, "front-door").inputs));
        expect(reveal(configMountedAt(four, "/usr/local/etc/haproxy/haproxy.cfg").inputs)).toEqual(reveal(configMountedAt(two, "/usr/local/etc/haproxy/haproxy.cfg").inputs));
    });
});

describe("an external database and Redis", () => {
    const DATABASE_URL = "postgresql://litellm:Db-Pa55word-xyz42@db.internal.example:5432/litellm";
    const REDIS_PASSWORD = "Redis-Pa55word-0123";
    const external = { databaseUrl: DATABASE_URL, redisHost: "redis.internal.example", redisPort: "6380", redisPassword: REDIS_PASSWORD };

    it("run no bundled service, and point the proxy at them", async () => {
        const { mocked } = await runSwarmProgram(external);
        expect(mocked.byType(SERVICE).map((s) => labelOf(s, "aiterm-litellm.role")).sort()).toEqual(["front-door", "proxy"]);
        expect(taskOf(serviceOf(mocked, "proxy")).containerSpec.env).toMatchObject({ REDIS_HOST: "redis.internal.example", REDIS_PORT: "6380" });
        const secretValue = (file: string) => Buffer.from(String(reveal(mocked.byType(SECRET).find((s) => labelOf(s, "aiterm-litellm.file") === file)?.inputs.data)), "base64").toString("utf8");
        expect(secretValue("DATABASE_URL")).toBe(DATABASE_URL);
        expect(secretValue("REDIS_PASSWORD")).toBe(REDIS_PASSWORD);
        const visible = mocked.resources.flatMap((r) => plainStrings(r.inputs));
        expect(visible.some((text) => text.includes("Db-Pa55word") || text.includes(REDIS_PASSWORD))).toBe(false);
    });

    it("key the migration by the database, not its password", async () => {
        const key = async (url: string) => reveal(migrationOf((await runSwarmProgram({ ...external, databaseUrl: url })).mocked).inputs.migrationKey);
        const original = await key(DATABASE_URL);
        expect(await key(DATABASE_URL.replace("Db-Pa55word-xyz42", "Another-Pa55word-1"))).toBe(original);
        expect(await key(DATABASE_URL.replace("db.internal.example", "db2.internal.example"))).not.toBe(original);
    });
});

describe("the Docker host", () => {
    it("is the one the Docker provider uses: DOCKER_HOST when docker:host is not set", async () => {
        vi.stubEnv("DOCKER_HOST", "tcp://manager.internal:2375");
        try {
            const { mocked } = await runSwarmProgram();
            expect(reveal(migrationOf(mocked).inputs.engineHost)).toBe("tcp://manager.internal:2375");
        } finally {
            vi.unstubAllEnvs();
        }
    });
});

describe("bad configuration", () => {
    it("fails before declaring any resource, naming the key and the fix", async () => {
        vi.resetModules();
        const mocked = installMocks({ stack: "swarm", config: { hfToken: HF_TOKEN, cacheType: "local" }, secretKeys: ["hfToken"] });
        await expect(import("./../index")).rejects.toThrow(/aiterm-litellm:cacheType:[\s\S]*pulumi config set cacheType redis/);
        expect(mocked.resources.filter((r) => r.custom)).toEqual([]);
    });
});

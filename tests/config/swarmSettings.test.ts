/**
 * The Swarm target's settings: defaults, where the database and Redis come from, and every
 * refusal naming its key and a fix that works.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, ConfigProblem } from "../../config/messages";
import { DEFAULT_FRONT_DOOR_IMAGE, DEFAULT_POSTGRES_IMAGE, DEFAULT_REDIS_IMAGE, defaultTarget, parseSettings } from "../../config/settings";
import { hostProblem } from "../../config/settings/swarm";

const HF = "hf_abcdefghijklmnopqrstuvwxyz012345";
const REDIS_PASSWORD = "Redis-Pa55word-0123";
const DATABASE_URL = "postgresql://litellm:Db-Pa55word-xyz42@db.internal.example:5432/litellm";

function configOf(values: Record<string, unknown>) {
    return (key: string): string | undefined => {
        const value = values[key];
        if (value === undefined) {
            return undefined;
        }
        return typeof value === "string" ? value : JSON.stringify(value);
    };
}

const base = { hfToken: HF, cacheType: "redis" };

function parseSwarm(values: Record<string, unknown>, stack = "swarm") {
    return parseSettings(configOf({ ...base, ...values }), stack);
}

function problemsOf(values: Record<string, unknown>, stack = "swarm"): ConfigProblem[] {
    try {
        parseSwarm(values, stack);
    } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return [...(error as ConfigError).problems];
    }
    throw new Error("expected the configuration to be rejected");
}

function keysOf(problems: ConfigProblem[]): string[] {
    return problems.map((p) => p.key);
}

describe("the swarm target", () => {
    it("is picked for stacks named swarm or swarm-*", () => {
        expect(defaultTarget("swarm")).toBe("swarm");
        expect(defaultTarget("swarm-prod")).toBe("swarm");
        expect(defaultTarget("swarmy")).toBe("docker");
        expect(parseSwarm({}, "swarm-prod").settings.target).toBe("swarm");
        expect(parseSettings(configOf({ ...base, target: "swarm" }), "staging").settings.target).toBe("swarm");
    });

    it("defaults to two replicas behind port 4000, bundled Postgres and Redis on the labelled node, pinned images", () => {
        const { settings } = parseSwarm({});
        expect(settings.swarm).toEqual({
            replicas: 2,
            publishedPort: 4000,
            publicHost: "127.0.0.1",
            database: "bundled",
            redis: "bundled",
            redisHost: "",
            redisPort: 6379,
            databaseConnectionBudget: 80,
            gracefulShutdownSeconds: 30,
            dataNodeLabel: "aiterm-litellm.data",
            redisImage: DEFAULT_REDIS_IMAGE,
            frontDoorImage: DEFAULT_FRONT_DOOR_IMAGE,
            postgresImage: DEFAULT_POSTGRES_IMAGE,
            proxyMemoryMb: 2048,
            convergeTimeoutSeconds: 300,
            migrationTimeoutSeconds: 600,
        });
        for (const image of [DEFAULT_REDIS_IMAGE, DEFAULT_FRONT_DOOR_IMAGE, DEFAULT_POSTGRES_IMAGE]) {
            expect(image).toMatch(/^[a-z0-9/.-]+:[0-9][0-9a-z.-]*@sha256:[0-9a-f]{64}$/);
        }
        expect(DEFAULT_REDIS_IMAGE.startsWith("redis:7.")).toBe(true);
        expect(DEFAULT_FRONT_DOOR_IMAGE.startsWith("haproxy:3.")).toBe(true);
    });

    it("warns that bundled Postgres and Redis live on one node, and recommends external ones", () => {
        const { warnings } = parseSwarm({});
        expect(warnings.join("\n")).toMatch(/Postgres and Redis run as one service on the node labelled aiterm-litellm\.data=true[\s\S]*external/);
    });

    it("uses the databaseUrl secret as an external database, checked like the Space's", () => {
        expect(parseSwarm({ databaseUrl: DATABASE_URL }).settings.swarm.database).toBe("external");
        const [problem] = problemsOf({ databaseUrl: "postgresql://user:pass@db.abcdefgh.supabase.co:5432/postgres" });
        expect(problem.key).toBe("databaseUrl");
        expect(problem.problem).toContain("Swarm tasks cannot reach");
        expect(problem.problem).not.toContain("Space");
        expect(JSON.stringify(problemsOf({ databaseUrl: "mysql://u:p@h/d" }))).not.toContain("u:p@h");
    });

    it("uses an external Redis when redisHost is set, and then needs its password", () => {
        const { settings, secrets } = parseSwarm({ redisHost: "redis.internal.example", redisPort: "6380", redisPassword: ` ${REDIS_PASSWORD}\n` });
        expect(settings.swarm).toMatchObject({ redis: "external", redisHost: "redis.internal.example", redisPort: 6380 });
        // Handed on with the other provided secrets (stackConfig wraps them all), trimmed like them.
        expect(secrets.redisPassword).toBe(REDIS_PASSWORD);
        const [problem] = problemsOf({ redisHost: "redis.internal.example" });
        expect(problem).toMatchObject({ key: "redisPassword", fix: "pulumi config set --secret redisPassword <the Redis password>" });
    });

    it("refuses a Redis URL, credentials or a port in redisHost without repeating a password", () => {
        for (const value of ["redis://redis.example:6379", "user:Secret-Pa55@redis.example", "redis.example:6379", "redis example", "-bad-"]) {
            const problems = problemsOf({ redisHost: value, redisPassword: REDIS_PASSWORD });
            expect(keysOf(problems), value).toEqual(["redisHost"]);
            expect(problems[0].fix).toContain("pulumi config rm redisHost");
            expect(JSON.stringify(problems)).not.toContain("Secret-Pa55");
        }
    });

    it("refuses a Redis password with spaces or control characters, without showing it", () => {
        const problems = problemsOf({ redisHost: "redis.example", redisPassword: "pass word\nwith-newline" });
        expect(keysOf(problems)).toEqual(["redisPassword"]);
        expect(JSON.stringify(problems)).not.toContain("with-newline");
    });

    it("ignores a Redis password without redisHost, with a warning", () => {
        const { warnings, secrets } = parseSwarm({ redisPassword: REDIS_PASSWORD });
        expect(warnings.join("\n")).toMatch(/redisPassword: is ignored without redisHost/);
        expect(secrets.redisPassword).toBeUndefined();
        expect(warnings.join("\n")).not.toContain(REDIS_PASSWORD);
    });

    it("needs the Redis cache: local would leave per-key limits and the auth cache per instance", () => {
        const [problem] = problemsOf({ cacheType: "local" });
        expect(problem).toMatchObject({ key: "cacheType", fix: "pulumi config set cacheType redis" });
        expect(problem.problem).toMatch(/per-key rate limits/);
    });

    it("accepts cacheType redis on swarm only", () => {
        expect(parseSwarm({}).settings.proxy.cache.type).toBe("redis");
        const problems = (() => {
            try {
                parseSettings(configOf({ hfToken: HF, cacheType: "redis" }), "dev");
            } catch (error) {
                return (error as ConfigError).problems;
            }
            return [];
        })();
        expect(keysOf([...problems])).toEqual(["cacheType"]);
    });

    it("refuses a connection budget that cannot give every instance of a rolling update a connection", () => {
        const [problem] = problemsOf({ swarmReplicas: "5", swarmDatabaseConnectionBudget: "5" });
        expect(problem.key).toBe("swarmDatabaseConnectionBudget");
        expect(problem.problem).toContain("6 instances (5 replicas and the one a rolling update starts first)");
        expect(parseSwarm({ swarmReplicas: "5", swarmDatabaseConnectionBudget: "6" }).settings.swarm.databaseConnectionBudget).toBe(6);
    });

    it("warns about a single replica", () => {
        expect(parseSwarm({ swarmReplicas: "1" }).warnings.join("\n")).toMatch(/swarmReplicas: one instance/);
        expect(keysOf(problemsOf({ swarmReplicas: "0" }))).toEqual(["swarmReplicas"]);
        expect(keysOf(problemsOf({ swarmReplicas: "51" }))).toEqual(["swarmReplicas"]);
    });

    it("refuses unpinned or rolling images, and does not check images it does not run", () => {
        expect(keysOf(problemsOf({ swarmFrontDoorImage: "haproxy:latest" }))).toEqual(["swarmFrontDoorImage"]);
        expect(keysOf(problemsOf({ swarmRedisImage: "redis:7.2-alpine" }))).toEqual(["swarmRedisImage"]);
        expect(keysOf(problemsOf({ swarmPostgresImage: "postgres:16" }))).toEqual(["swarmPostgresImage"]);
        // An external Redis and database: their images are not used, so not checked.
        expect(() =>
            parseSwarm({ redisHost: "redis.example", redisPassword: REDIS_PASSWORD, databaseUrl: DATABASE_URL, swarmRedisImage: "redis", swarmPostgresImage: "postgres" }),
        ).not.toThrow();
    });

    it("refuses a bad public host or data node label", () => {
        expect(keysOf(problemsOf({ swarmPublicHost: "http://node1" }))).toEqual(["swarmPublicHost"]);
        expect(keysOf(problemsOf({ swarmDataNodeLabel: "Data Node" }))).toEqual(["swarmDataNodeLabel"]);
    });

    it("does not hold other stacks to swarm-only rules", () => {
        // The dev stack keeps its local cache and needs no Redis password.
        expect(() => parseSettings(configOf({ hfToken: HF, redisHost: "redis.example" }), "dev")).not.toThrow();
    });
});

describe("hostProblem", () => {
    it("accepts host names and IPv4 addresses", () => {
        for (const host of ["127.0.0.1", "node-1", "redis.internal.example", "10.0.0.7"]) {
            expect(hostProblem(host), host).toBeUndefined();
        }
    });

    it("names what is wrong without repeating credentials", () => {
        expect(hostProblem("u:p4ss@h")).toMatch(/user or password/);
        expect(hostProblem("u:p4ss@h")).not.toContain("p4ss");
        expect(hostProblem("redis://h")).toMatch(/URL/);
        expect(hostProblem("h:6379")).toMatch(/port/);
        expect(hostProblem("h\u2028x")).toMatch(/control character/);
        expect(hostProblem("a_b")).toMatch(/not a host name/);
    });
});

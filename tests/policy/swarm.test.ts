/**
 * The Swarm guardrails (policy/swarm.ts) against the real program for stack `swarm` under Pulumi's
 * mocks, and against broken variants of what it declares. Resource policies run through
 * @pulumi/policy's own Analyze handler (policyServer.ts); the stack policy through its AnalyzeStack
 * handler, driven here the same way.
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import type { Policies, Policy } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { guardrails } from "../../policy/policies";
import { missingRedisWiring, swarmGuardrails, swarmImagesPinned, swarmProxyStartFirst, swarmReplicasShareRedis, yamlSection } from "../../policy/swarm";
import { MockedProgram, PROJECT, RecordedResource, reveal } from "../support/pulumiMocks";
import { runSwarmProgram } from "../swarm/swarmProgram";
import { AnalyzedResource, analyze, Diagnostic, PACK_NAME, POLICY_DIR } from "./policyServer";

const STACK = "swarm";
const SERVICE = "docker:index/service:Service";
const CONFIG = "docker:index/serviceConfig:ServiceConfig";

// The AnalyzeStack handler, loaded from where the pack's @pulumi/policy resolves (as policyServer.ts does).
const requireFromPack = createRequire(path.join(POLICY_DIR, "index.ts"));
const requireFromServer = createRequire(requireFromPack.resolve("@pulumi/policy/server"));
interface Message {
    [setter: string]: (value: unknown) => void;
}
interface StackResponse {
    getDiagnosticsList(): { getPolicyname(): string; getMessage(): string; getEnforcementlevel(): number }[];
}
const server = requireFromServer(requireFromPack.resolve("@pulumi/policy/server")) as {
    makeAnalyzeStackRpcFun(pack: string, version: string, level: string, policies: Policies): (call: { request: unknown }, callback: (error: unknown, response?: StackResponse) => void) => Promise<void>;
};
const proto = requireFromServer("@pulumi/pulumi/proto/analyzer_pb") as Record<string, new () => Message> & { EnforcementLevel: Record<string, number> };
const structProto = requireFromServer("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(value: Record<string, unknown>): unknown } };

async function analyzeStack(policies: Policies, resources: AnalyzedResource[]): Promise<Diagnostic[]> {
    const request = new proto.AnalyzeStackRequest();
    request.setResourcesList(
        resources.map((resource) => {
            const entry = new proto.AnalyzerResource();
            entry.setType(resource.type);
            entry.setUrn(resource.urn);
            entry.setName(resource.name);
            entry.setProperties(structProto.Struct.fromJavaScript(JSON.parse(JSON.stringify(resource.inputs))));
            entry.setOptions(new proto.AnalyzerResourceOptions());
            if (resource.parent) {
                entry.setParent(resource.parent);
            }
            return entry;
        }),
    );
    const handler = server.makeAnalyzeStackRpcFun(PACK_NAME, "0.0.0-test", "advisory", policies);
    const response = await new Promise<StackResponse>((resolve, reject) => {
        void handler({ request }, (error, answer) => (error ? reject(error) : resolve(answer as StackResponse)));
    });
    const level = (value: number) => (Object.entries(proto.EnforcementLevel).find(([, v]) => v === value)?.[0] ?? String(value)).toLowerCase();
    return response.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), message: d.getMessage(), enforcementLevel: level(d.getEnforcementlevel()) }));
}

function urnOf(type: string, name: string, parentUrn: string): string {
    const parentType = parentUrn ? parentUrn.split("::")[2] : undefined;
    const qualifiedType = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${STACK}::${PROJECT}::${qualifiedType}::${name}`;
}

function toAnalyzed(mocked: MockedProgram, resource: RecordedResource): AnalyzedResource {
    const options = mocked.optionsOf(resource);
    return { type: resource.type, name: resource.name, urn: urnOf(resource.type, resource.name, options.parent), inputs: resource.inputs, parent: options.parent || undefined };
}

const role = (resource: AnalyzedResource) => reveal<{ label: string; value: string }[] | undefined>(resource.inputs.labels)?.find((l) => l.label === "aiterm-litellm.role")?.value;

function withInputs(resource: AnalyzedResource, change: (inputs: Record<string, unknown>) => void): AnalyzedResource {
    const inputs = reveal<Record<string, unknown>>(resource.inputs);
    change(inputs);
    return { ...resource, inputs };
}

function violationsOf(policy: Policy, diagnostics: Diagnostic[]): Diagnostic[] {
    return diagnostics.filter((d) => d.policy === policy.name);
}

let stack: AnalyzedResource[];
let proxy: AnalyzedResource;
let single: AnalyzedResource[];

beforeAll(async () => {
    const { mocked } = await runSwarmProgram();
    stack = mocked.resources.map((r) => toAnalyzed(mocked, r));
    proxy = stack.find((r) => r.type === SERVICE && role(r) === "proxy") as AnalyzedResource;
    const one = (await runSwarmProgram({ swarmReplicas: "1" })).mocked;
    single = one.resources.map((r) => toAnalyzed(one, r));
});

describe("stack swarm as declared", () => {
    it("is in the pack's guardrails", () => {
        for (const policy of swarmGuardrails) {
            expect(guardrails).toContain(policy);
            expect(policy.enforcementLevel).toBe("mandatory");
        }
    });

    it("passes every policy of the pack", async () => {
        expect(await analyze(guardrails, stack)).toEqual([]);
        expect(await analyzeStack(guardrails, stack)).toEqual([]);
    });
});

describe("swarm-replicas-share-redis", () => {
    const withoutRedisConfig = (resources: AnalyzedResource[]) =>
        resources.map((r) => {
            if (r.type !== CONFIG || reveal<{ label: string; value: string }[]>(r.inputs.labels).every((l) => l.value !== "/app/config.yaml")) {
                return r;
            }
            return withInputs(r, (inputs) => {
                inputs.data = Buffer.from("model_list: []\nlitellm_settings:\n  cache: true\n  cache_params:\n    type: local\nrouter_settings:\n  num_retries: 2\n").toString("base64");
            });
        });

    it("fails a proxy with two replicas whose config.yaml and environment have no Redis, and says how to fix it", async () => {
        const broken = withoutRedisConfig(stack).map((r) =>
            r === proxy || (r.type === SERVICE && role(r) === "proxy")
                ? withInputs(r, (inputs) => {
                      delete (inputs.taskSpec as { containerSpec: { env: Record<string, string> } }).containerSpec.env.REDIS_HOST;
                  })
                : r,
        );
        const [violation, ...more] = violationsOf(swarmReplicasShareRedis, await analyzeStack([swarmReplicasShareRedis], broken));
        expect(more).toEqual([]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('Service "swarm-proxy" (Swarm name litellm-swarm-proxy) runs 2 LiteLLM instances without shared Redis');
        expect(violation.message).toContain("no REDIS_HOST in its environment");
        expect(violation.message).toContain("config.yaml has no router_settings.redis_host");
        expect(violation.message).toContain("litellm_settings.cache_params.type: redis");
        expect(violation.message).toContain("pulumi config set cacheType redis");
    });

    it("passes one replica without Redis", async () => {
        expect(await analyzeStack([swarmReplicasShareRedis], withoutRedisConfig(single))).toEqual([]);
    });

    it("reads config.yaml's sections as LiteLLM does", () => {
        const yaml = "router_settings:\n  redis_host: os.environ/REDIS_HOST\nlitellm_settings:\n  cache: true\n  cache_params:\n    type: redis\n    ttl: 600\n";
        expect(yamlSection(yaml, "router_settings")).toBe("  redis_host: os.environ/REDIS_HOST");
        expect(missingRedisWiring(yaml)).toEqual([]);
        expect(missingRedisWiring(yaml.replace("type: redis", "type: local"))).toHaveLength(1);
        // A redis_host elsewhere than router_settings does not count.
        expect(missingRedisWiring("general_settings:\n  redis_host: x\nlitellm_settings:\n  cache_params:\n    type: redis\n")).toHaveLength(1);
    });
});

describe("swarm-proxy-start-first", () => {
    it("fails a proxy that updates stop-first, or without an order (Swarm's default is stop-first)", async () => {
        for (const order of ["stop-first", undefined]) {
            const broken = withInputs(proxy, (inputs) => {
                (inputs.updateConfig as Record<string, unknown>).order = order;
            });
            const [violation, ...more] = violationsOf(swarmProxyStartFirst, await analyze([swarmProxyStartFirst], [broken]));
            expect(more).toEqual([]);
            expect(violation.enforcementLevel).toBe("mandatory");
            expect(violation.message).toContain(order === undefined ? "stop-first (Swarm's default" : 'with order "stop-first"');
            expect(violation.message).toContain('"start-first"');
        }
    });

    it("leaves the front door and the data services alone: they hold a host port or a volume and must stop first", async () => {
        const others = stack.filter((r) => r.type === SERVICE && role(r) !== "proxy");
        expect(others.map(role).sort()).toEqual(["front-door", "postgres", "redis"]);
        expect(await analyze([swarmProxyStartFirst], others)).toEqual([]);
    });
});

describe("swarm-images-pinned", () => {
    it("fails a service on a rolling tag, even with a digest, and one without a digest", async () => {
        const door = stack.find((r) => r.type === SERVICE && role(r) === "front-door") as AnalyzedResource;
        const cases: [AnalyzedResource, string, RegExp][] = [
            [door, "haproxy:latest@sha256:" + "0".repeat(64), /rolling tag "latest"[\s\S]*aiterm-litellm:swarmFrontDoorImage/],
            [door, "haproxy:3.2-alpine", /has no @sha256 digest/],
            [proxy, "ghcr.io/berriai/litellm-database:main-stable@sha256:" + "0".repeat(64), /rolling tag "main-stable"[\s\S]*aiterm-litellm:litellmImage/],
        ];
        for (const [resource, image, message] of cases) {
            const broken = withInputs(resource, (inputs) => {
                (inputs.taskSpec as { containerSpec: { image: string } }).containerSpec.image = image;
            });
            const [violation, ...more] = violationsOf(swarmImagesPinned, await analyze([swarmImagesPinned], [broken]));
            expect(more, image).toEqual([]);
            expect(violation.enforcementLevel).toBe("mandatory");
            expect(violation.message).toMatch(message);
        }
    });

    it("checks the migration job's image too", async () => {
        const job = stack.find((r) => reveal(r.inputs.resourceKind) === "SwarmMigrationJob") as AnalyzedResource;
        const broken = withInputs(job, (inputs) => {
            inputs.image = "ghcr.io/berriai/litellm-database:main-latest";
        });
        const [violation] = violationsOf(swarmImagesPinned, await analyze([swarmImagesPinned], [broken]));
        expect(violation.message).toMatch(/\nSwarmMigrationJob "swarm-migration" runs "ghcr\.io\/berriai\/litellm-database:main-latest", which is on the rolling tag/);
    });
});

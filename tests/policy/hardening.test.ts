/**
 * The hardening policies (policy/hardening.ts) against the dev stack as the program declares it,
 * against broken variants of its containers, and against docker.Service task specs (the Swarm
 * target's shape), through @pulumi/policy's own Analyze handler (policyServer.ts).
 */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { Policy } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import { containersDropAllCapabilities, containersHaveMemoryLimit, containersNotPrivileged, hardeningPolicies } from "../../policy/hardening";
import { guardrails } from "../../policy/policies";
import { runDevProgram } from "../support/devProgram";
import { MockedProgram, PROJECT, RecordedResource } from "../support/pulumiMocks";
import { AnalyzedResource, analyze, Diagnostic } from "./policyServer";

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";

function toAnalyzed(mocked: MockedProgram, resource: RecordedResource): AnalyzedResource {
    const options = mocked.optionsOf(resource);
    return {
        type: resource.type,
        name: resource.name,
        urn: `urn:pulumi:dev::${PROJECT}::${resource.type}::${resource.name}`,
        inputs: resource.inputs,
        parent: options.parent || undefined,
        deleteBeforeReplace: options.deleteBeforeReplace,
    };
}

const withInputs = (resource: AnalyzedResource, inputs: Record<string, unknown>): AnalyzedResource => ({ ...resource, inputs: { ...resource.inputs, ...inputs } });

/** A Swarm service as @pulumi/docker 5.2.0 declares one: the fields the policies read, hardened. */
function service(overrides: { containerSpec?: Record<string, unknown>; resources?: Record<string, unknown> } = {}): AnalyzedResource {
    return {
        type: SERVICE,
        name: "swarm-proxy",
        urn: `urn:pulumi:swarm::${PROJECT}::${SERVICE}::swarm-proxy`,
        inputs: {
            name: "litellm-swarm-proxy",
            taskSpec: {
                containerSpec: { image: `ghcr.io/berriai/litellm-database:v1.104.0@sha256:${"a".repeat(64)}`, user: "1000:1000", readOnly: true, capDrops: ["ALL"], ...overrides.containerSpec },
                resources: overrides.resources ?? { limits: { memoryBytes: 2048 * 1024 * 1024 } },
            },
        },
    };
}

const only = (policy: Policy, diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.policy === policy.name);

let proxy: AnalyzedResource;
let database: AnalyzedResource;
let stack: AnalyzedResource[];

beforeAll(async () => {
    const { mocked } = await runDevProgram();
    stack = mocked.resources.map((r) => toAnalyzed(mocked, r));
    proxy = toAnalyzed(mocked, mocked.one(CONTAINER, "proxy"));
    database = toAnalyzed(mocked, mocked.one(CONTAINER, "database"));
});

describe("the hardening policies", () => {
    it("are part of the pack's guardrails, mandatory", () => {
        for (const policy of hardeningPolicies) {
            expect(guardrails, policy.name).toContain(policy);
            expect(policy.enforcementLevel, policy.name).toBe("mandatory");
        }
    });

    it("pass the dev stack as declared, and a hardened Swarm service", async () => {
        expect(await analyze(hardeningPolicies, [...stack, service()])).toEqual([]);
    });
});

describe("containers-not-privileged", () => {
    it("fails a privileged container, saying what privileged gives away and where to fix it", async () => {
        const [violation, ...more] = only(containersNotPrivileged, await analyze([containersNotPrivileged], [withInputs(proxy, { privileged: true })]));
        expect(more).toEqual([]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('Container "local-proxy" (Docker name litellm-dev-proxy) runs privileged');
        expect(violation.message).toContain("root on this machine");
        expect(violation.message).toContain("components/docker/");
    });

    it("fails a container or a service that adds every capability back", async () => {
        const container = withInputs(database, { capabilities: { drops: ["ALL"], adds: ["CHOWN", "all"] } });
        const swarm = service({ containerSpec: { capAdds: ["CAP_ALL"] } });
        const violations = only(containersNotPrivileged, await analyze([containersNotPrivileged], [container, swarm]));
        expect(violations).toHaveLength(2);
        expect(violations[0].message).toContain('Container "local-database" (Docker name litellm-dev-db) adds every capability back (ALL)');
        expect(violations[1].message).toContain('Service "swarm-proxy" (Docker name litellm-swarm-proxy) adds every capability back (ALL)');
        expect(violations[0].message).toContain("CHOWN, DAC_OVERRIDE, SETGID and SETUID");
    });

    it("passes privileged: false, and a privileged input not known yet (checked again by pulumi up)", async () => {
        expect(await analyze([containersNotPrivileged], [withInputs(proxy, { privileged: false }), withInputs(proxy, { privileged: unknownValue })])).toEqual([]);
    });
});

describe("containers-drop-all-capabilities", () => {
    it("fails a container without a capability drop, naming what it keeps and the input to set", async () => {
        const stripped = withInputs(proxy, { capabilities: undefined });
        const [violation, ...more] = only(containersDropAllCapabilities, await analyze([containersDropAllCapabilities], [stripped]));
        expect(more).toEqual([]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('Container "local-proxy" (Docker name litellm-dev-proxy) drops no capability');
        expect(violation.message).toContain('`capabilities: { drops: ["ALL"], adds: [...] }`');
    });

    it("fails a drop of some capabilities only, and a service without capDrops ALL", async () => {
        const partial = withInputs(database, { capabilities: { drops: ["NET_RAW", "MKNOD"], adds: [] } });
        const swarm = service({ containerSpec: { capDrops: undefined } });
        const violations = only(containersDropAllCapabilities, await analyze([containersDropAllCapabilities], [partial, swarm]));
        expect(violations).toHaveLength(2);
        expect(violations[0].message).toContain("drops only NET_RAW, MKNOD");
        expect(violations[1].message).toContain('Service "swarm-proxy" (Docker name litellm-swarm-proxy) drops no capability');
        expect(violations[1].message).toContain('`taskSpec.containerSpec.capDrops: ["ALL"]`');
    });

    it("accepts ALL in any case and with the CAP_ prefix, as Docker does", async () => {
        const lower = withInputs(proxy, { capabilities: { drops: ["all"] } });
        const prefixed = service({ containerSpec: { capDrops: ["CAP_ALL"] } });
        expect(await analyze([containersDropAllCapabilities], [lower, prefixed])).toEqual([]);
    });

    it("ignores everything that is not a container or a service", async () => {
        const volume = stack.find((r) => r.type === "docker:index/volume:Volume");
        expect(volume).toBeDefined();
        expect(await analyze([containersDropAllCapabilities], [volume as AnalyzedResource])).toEqual([]);
    });
});

describe("containers-have-memory-limit", () => {
    it("fails the proxy and the database without a memory limit, with the setting that fixes each", async () => {
        const violations = only(
            containersHaveMemoryLimit,
            await analyze([containersHaveMemoryLimit], [withInputs(proxy, { memory: undefined }), withInputs(database, { memory: 0 })]),
        );
        expect(violations.map((v) => v.enforcementLevel)).toEqual(["mandatory", "mandatory"]);
        expect(violations[0].message).toContain('Container "local-proxy" (Docker name litellm-dev-proxy) has no memory limit');
        expect(violations[0].message).toContain("pulumi config set proxyMemoryMb 2048 (aiterm-litellm:proxyMemoryMb)");
        expect(violations[1].message).toContain("pulumi config set databaseMemoryMb 512 (aiterm-litellm:databaseMemoryMb)");
    });

    it("fails an unlabelled container and a service without limits.memoryBytes, pointing at their declarations", async () => {
        const unlabelled = withInputs(proxy, { labels: [], memory: undefined });
        const swarm = service({ resources: { reservation: { memoryBytes: 1 } } });
        const violations = only(containersHaveMemoryLimit, await analyze([containersHaveMemoryLimit], [unlabelled, swarm]));
        expect(violations).toHaveLength(2);
        expect(violations[0].message).toContain("Give the container `memory` (MiB, with `memorySwap` equal to it)");
        expect(violations[1].message).toContain('Service "swarm-proxy" (Docker name litellm-swarm-proxy) has no memory limit');
        expect(violations[1].message).toContain("`taskSpec.resources.limits.memoryBytes`");
    });

    it("passes a limit that is not known yet (a preview before the settings resolve)", async () => {
        expect(await analyze([containersHaveMemoryLimit], [withInputs(proxy, { memory: unknownValue })])).toEqual([]);
    });
});

/**
 * The guardrails policy pack against the real program for stack `dev` (run under Pulumi's mocks,
 * as in program.dev.test.ts), and against deliberately broken variants of what it declares.
 * Policies run through @pulumi/policy's own Analyze and Remediate handlers (policyServer.ts).
 */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import type { Policy, ResourceValidationArgs } from "@pulumi/policy";
import { beforeAll, describe, expect, it } from "vitest";
import {
    databasePublishesNoPort,
    environmentsAreSecret,
    guardrails,
    imagesPinnedByDigest,
    masterKeyHasSkPrefix,
    proxyBoundToLoopback,
    spaceNotPrivate,
} from "../../policy/policies";
import { runDevProgram } from "../support/devProgram";
import { isSecretValue, MockedProgram, PROJECT, RecordedResource, reveal } from "../support/pulumiMocks";
import { AnalyzedResource, analyze, Diagnostic, remediate } from "./policyServer";
import { renderDockerfile } from "../../components/hfspaces/spaceFiles";
import { captureSpaceResources, PINNED_LITELLM_IMAGE, secretValue, spaceResources } from "./spaceResources";

const STACK = "dev";
const CONTAINER = "docker:index/container:Container";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

async function runProgram(config: Record<string, string> = {}): Promise<MockedProgram> {
    return (await runDevProgram(config)).mocked;
}

/** `urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`, as the engine names the resource. */
function urnOf(type: string, name: string, parentUrn: string): string {
    const parentType = parentUrn ? parentUrn.split("::")[2] : undefined;
    const qualifiedType = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${STACK}::${PROJECT}::${qualifiedType}::${name}`;
}

/** A captured resource as the engine hands it to an analyzer: its inputs in wire form, secrets still marked. */
function toAnalyzed(mocked: MockedProgram, resource: RecordedResource): AnalyzedResource {
    const options = mocked.optionsOf(resource);
    return {
        type: resource.type,
        name: resource.name,
        urn: urnOf(resource.type, resource.name, options.parent),
        inputs: resource.inputs,
        parent: options.parent || undefined,
        deleteBeforeReplace: options.deleteBeforeReplace,
        protect: options.protect,
    };
}

/** A copy of a resource with some inputs replaced: the deliberately broken variants. */
function withInputs(resource: AnalyzedResource, inputs: Record<string, unknown>): AnalyzedResource {
    return { ...resource, inputs: { ...resource.inputs, ...inputs } };
}

function withLabel(resource: AnalyzedResource, label: string, value: string): AnalyzedResource {
    const labels = reveal<{ label: string; value: string }[]>(resource.inputs.labels) ?? [];
    return withInputs(resource, { labels: [...labels, { label, value }] });
}

function violationsOf(policy: Policy, diagnostics: Diagnostic[]): Diagnostic[] {
    return diagnostics.filter((d) => d.policy === policy.name);
}

let mocked: MockedProgram;
let stack: AnalyzedResource[];
let proxy: AnalyzedResource;
let database: AnalyzedResource;

function imageNamed(part: string): AnalyzedResource {
    const matches = stack.filter((r) => r.type === REMOTE_IMAGE && String(reveal(r.inputs.name)).includes(part));
    expect(matches).toHaveLength(1);
    return matches[0];
}

beforeAll(async () => {
    await captureSpaceResources();
    mocked = await runProgram();
    stack = mocked.resources.map((r) => toAnalyzed(mocked, r));
    proxy = toAnalyzed(mocked, mocked.one(CONTAINER, "proxy"));
    database = toAnalyzed(mocked, mocked.one(CONTAINER, "database"));
});

describe("stack dev as declared", () => {
    it("is what the policies are run against: both containers, both images, secret environments", () => {
        expect(stack.filter((r) => r.type === CONTAINER)).toHaveLength(2);
        expect(stack.filter((r) => r.type === REMOTE_IMAGE)).toHaveLength(2);
        expect(isSecretValue(proxy.inputs.envs)).toBe(true);
        expect(proxy.urn).toMatch(/^urn:pulumi:dev::aiterm-litellm::litellm:docker:LocalDeployment\$litellm:docker:LiteLLMProxy\$docker:index\/container:Container::local-proxy$/);
    });

    it.each(guardrails.map((policy) => [policy.name, policy]))("passes %s", async (_name, policy) => {
        expect(await analyze([policy], stack)).toEqual([]);
        for (const resource of stack) {
            expect(await remediate([policy], resource), resource.name).toEqual([]);
        }
    });

    it("passes every policy together, with the pack's own enforcement levels", async () => {
        expect(await analyze(guardrails, stack)).toEqual([]);
    });
});

describe("database-publishes-no-port", () => {
    it("fails when the database publishes a port, even on loopback, and says how to fix it", async () => {
        const exposed = withInputs(database, { ports: [{ internal: 5432, external: 5432, ip: "127.0.0.1", protocol: "tcp" }] });
        const [violation, ...more] = violationsOf(databasePublishesNoPort, await analyze([databasePublishesNoPort], [exposed]));
        expect(more).toEqual([]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('Container "local-database" (Docker name litellm-dev-db)');
        expect(violation.message).toContain("127.0.0.1:5432->5432");
        expect(violation.message).toContain("remove `ports`");
    });

    it("ignores the proxy's port and unlabelled containers", async () => {
        const unlabelled = withInputs(database, { labels: [], ports: [{ internal: 5432, external: 5432 }] });
        expect(await analyze([databasePublishesNoPort], [proxy, unlabelled])).toEqual([]);
    });
});

describe("proxy-bound-to-loopback", () => {
    const published = (ip?: string) => ({ internal: 4000, external: 4000, protocol: "tcp", ...(ip === undefined ? {} : { ip }) });

    it("fails when the proxy is published on 0.0.0.0 without the label, with the bindAddress fix", async () => {
        const [violation] = await analyze([proxyBoundToLoopback], [withInputs(proxy, { ports: [published("0.0.0.0")] })]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('Container "local-proxy" (Docker name litellm-dev-proxy) publishes 0.0.0.0:4000->4000');
        expect(violation.message).toContain("pulumi config set bindAddress 127.0.0.1");
    });

    it("treats a port without an ip as published on 0.0.0.0", async () => {
        const [violation] = await analyze([proxyBoundToLoopback], [withInputs(proxy, { ports: [published()] })]);
        expect(violation.message).toContain("0.0.0.0:4000->4000");
    });

    it("fails on a LAN address, and on a label that is not exactly true", async () => {
        const lan = withInputs(proxy, { ports: [published("192.168.1.20")] });
        expect(await analyze([proxyBoundToLoopback], [lan])).toHaveLength(1);
        expect(await analyze([proxyBoundToLoopback], [withLabel(lan, "aiterm-litellm.bind-address-allowed", "yes")])).toHaveLength(1);
    });

    it("passes the real program with bindAddress 0.0.0.0 configured on purpose: the stack labels the container", async () => {
        const exposedOnPurpose = await runProgram({ bindAddress: "0.0.0.0" });
        const container = toAnalyzed(exposedOnPurpose, exposedOnPurpose.one(CONTAINER, "proxy"));
        expect(reveal(container.inputs.ports)).toEqual([published("0.0.0.0")]);
        expect(await analyze([proxyBoundToLoopback], [container])).toEqual([]);
        const withoutLabel = withInputs(container, {
            labels: reveal<{ label: string }[]>(container.inputs.labels).filter((l) => l.label !== "aiterm-litellm.bind-address-allowed"),
        });
        expect(await analyze([proxyBoundToLoopback], [withoutLabel])).toHaveLength(1);
    });

    it("accepts any 127.0.0.0/8 address, and an exposed address the user allowed explicitly", async () => {
        expect(await analyze([proxyBoundToLoopback], [withInputs(proxy, { ports: [published("127.0.0.2")] })])).toEqual([]);
        const allowed = withLabel(withInputs(proxy, { ports: [published("0.0.0.0")] }), "aiterm-litellm.bind-address-allowed", "true");
        expect(await analyze([proxyBoundToLoopback], [allowed])).toEqual([]);
    });
});

describe("images-pinned-by-digest", () => {
    it("fails on a LiteLLM image without a digest, with the litellmImage fix", async () => {
        const unpinned = withInputs(imageNamed("litellm"), { name: "ghcr.io/berriai/litellm-database:v1.104.0" });
        const [violation] = await analyze([imagesPinnedByDigest], [unpinned]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('RemoteImage "local-proxy-image" pulls "ghcr.io/berriai/litellm-database:v1.104.0"');
        expect(violation.message).toContain("has no @sha256 digest");
        expect(violation.message).toContain("pulumi config set litellmImage ghcr.io/berriai/litellm-database:<version>@sha256:<digest>");
    });

    it("fails on LiteLLM's rolling main-stable tag even with a digest", async () => {
        const rolling = withInputs(imageNamed("litellm"), { name: `ghcr.io/berriai/litellm-database:main-stable@${DIGEST}` });
        const [violation, ...more] = await analyze([imagesPinnedByDigest], [rolling]);
        expect(more).toEqual([]);
        expect(violation.message).toContain('rolling tag "main-stable"');
        expect(violation.message).not.toContain("no @sha256 digest");
    });

    it("fails on an unpinned database image, with the postgresImage fix", async () => {
        const [violation] = await analyze([imagesPinnedByDigest], [withInputs(imageNamed("postgres"), { name: "postgres:16-alpine" })]);
        expect(violation.message).toContain("pulumi config set postgresImage postgres:16-alpine@sha256:<digest>");
    });

    it("fails on a container that runs an image reference instead of a pinned RemoteImage's ID", async () => {
        const [violation] = await analyze([imagesPinnedByDigest], [withInputs(database, { image: "postgres:latest" })]);
        expect(violation.message).toContain('Container "local-database" (Docker name litellm-dev-db) runs "postgres:latest"');
    });

    it("passes a preview in which the container's image ID is not known yet", async () => {
        expect(await analyze([imagesPinnedByDigest], [withInputs(proxy, { image: unknownValue })])).toEqual([]);
    });

    it("fails on a Space Dockerfile whose FROM is not pinned, and passes a pinned multi-stage one", async () => {
        const rolling = spaceResources({ dockerfile: renderDockerfile("ghcr.io/berriai/litellm-database:main-latest") }).files;
        const [violation, ...more] = await analyze([imagesPinnedByDigest], [rolling]);
        expect(more).toEqual([]);
        expect(violation.message).toContain('HuggingFaceSpaceFiles "space-files" uploads a Dockerfile whose `FROM ghcr.io/berriai/litellm-database:main-latest`');
        expect(violation.message).toContain("rolling tag");
        expect(violation.message).toContain("no @sha256 digest");
        expect(violation.message).toContain("pulumi config set litellmImage");

        const multiStage = [`FROM --platform=linux/amd64 ${PINNED_LITELLM_IMAGE} AS base`, "FROM base", "FROM scratch AS empty", ""].join("\n");
        expect(await analyze([imagesPinnedByDigest], [spaceResources({ dockerfile: multiStage }).files])).toEqual([]);
        expect(await analyze([imagesPinnedByDigest], Object.values(spaceResources()))).toEqual([]);
    });
});

describe("environments-are-secret", () => {
    it("cannot be a validation: validateResource sees a secret environment and a plain one identically", async () => {
        const seen: unknown[] = [];
        const probe = {
            name: "probe",
            description: "records what a validation sees",
            enforcementLevel: "mandatory" as const,
            validateResource: (args: ResourceValidationArgs) => {
                seen.push(JSON.parse(JSON.stringify(args.props.envs)));
            },
        };
        await analyze([probe], [proxy, withInputs(proxy, { envs: reveal(proxy.inputs.envs) })]);
        expect(seen).toHaveLength(2);
        expect(seen[0]).toEqual(seen[1]);
        expect(JSON.stringify(seen[0])).not.toContain("1b47061264138c4ac30d75fd1eb44270");
    });

    it.each([["proxy"], ["database"]])("makes the %s's plain environment secret before it reaches the state", async (role) => {
        const container = role === "proxy" ? proxy : database;
        const plain = withInputs(container, { envs: reveal(container.inputs.envs) });
        const [remediation, ...more] = await remediate([environmentsAreSecret], plain);
        expect(more).toEqual([]);
        expect(remediation.policy).toBe("environments-are-secret");
        expect(isSecretValue(remediation.inputs?.envs)).toBe(true);
        // Only the secretness changes: the values, and every other input, stay as declared.
        expect(reveal(remediation.inputs)).toEqual(reveal(plain.inputs));
        expect(environmentsAreSecret.enforcementLevel).toBe("remediate");
    });

    it("leaves a secret environment, other containers and a not-yet-known secret environment alone", async () => {
        expect(await remediate([environmentsAreSecret], proxy)).toEqual([]);
        const unlabelled = withInputs(proxy, { labels: [], envs: reveal(proxy.inputs.envs) });
        expect(await remediate([environmentsAreSecret], unlabelled)).toEqual([]);
        expect(await remediate([environmentsAreSecret], withInputs(proxy, { envs: secretValue(unknownValue) }))).toEqual([]);
    });

    it("also makes a not-yet-known plain environment secret, without reading it", async () => {
        const [remediation] = await remediate([environmentsAreSecret], withInputs(database, { envs: unknownValue }));
        expect(remediation.diagnostic).toBe("");
        expect(remediation.inputs?.envs).toEqual(secretValue(unknownValue));
    });
});

describe("master-key-has-sk-prefix", () => {
    it("refuses a blank or publicly known master key, as LiteLLM 1.104 does at start, without showing it", async () => {
        for (const key of ["sk-1234", "   "]) {
            const violations = await analyze([masterKeyHasSkPrefix], [proxyWithMasterKey(key)]);
            expect(violations, JSON.stringify(key)).toHaveLength(1);
            expect(violations[0].message).toMatch(/blank or publicly known/);
            expect(violations[0].message).not.toContain("sk-1234");
        }
    });

    const proxyWithMasterKey = (masterKey: string | undefined): AnalyzedResource => {
        const envs = reveal<string[]>(proxy.inputs.envs).filter((entry) => !entry.startsWith("LITELLM_MASTER_KEY="));
        return withInputs(proxy, { envs: secretValue(masterKey === undefined ? envs : [...envs, `LITELLM_MASTER_KEY=${masterKey}`]) });
    };

    it("fails on a master key without sk-, naming the container and never showing the key", async () => {
        const [violation] = await analyze([masterKeyHasSkPrefix], [proxyWithMasterKey("plain-master-key-0123456789")]);
        expect(violation.enforcementLevel).toBe("mandatory");
        expect(violation.message).toContain('Container "local-proxy" (Docker name litellm-dev-proxy) sets a LITELLM_MASTER_KEY in its environment that does not start with "sk-"');
        expect(violation.message).not.toContain("plain-master-key-0123456789");
    });

    it("calls the sk- prefix the convention it is, not something LiteLLM enforces at start", async () => {
        // master_key_boot_check.py refuses only unset, blank or publicly known keys; user_api_key_auth.py
        // accepts a master key without the prefix.
        const [violation] = await analyze([masterKeyHasSkPrefix], [proxyWithMasterKey("plain-master-key-0123456789")]);
        expect(violation.message).toMatch(/the prefix LiteLLM's docs ask master keys to have/);
        expect(violation.message).toMatch(/LiteLLM itself starts with such a key/);
        expect(violation.message).not.toMatch(/refuses to start with it|LiteLLM refuses/);
        expect(masterKeyHasSkPrefix.description).toMatch(/convention/);
        expect(masterKeyHasSkPrefix.description).not.toMatch(/refuses any other/);
    });

    it("fails on a proxy without a master key, which LiteLLM 1.104+ refuses to start with", async () => {
        const [violation] = await analyze([masterKeyHasSkPrefix], [proxyWithMasterKey(undefined)]);
        expect(violation.message).toContain("sets no LITELLM_MASTER_KEY");
        expect(violation.message).toContain("LiteLLM 1.104 and later refuse to start without one");
    });

    it("passes silently while the environment is not known (the first preview)", async () => {
        expect(await analyze([masterKeyHasSkPrefix], [withInputs(proxy, { envs: secretValue(unknownValue) })])).toEqual([]);
        expect(await analyze([masterKeyHasSkPrefix], [withInputs(proxy, { envs: [unknownValue] })])).toEqual([]);
    });

    it("checks the Space's LITELLM_MASTER_KEY secret the same way", async () => {
        expect(await analyze([masterKeyHasSkPrefix], Object.values(spaceResources()))).toEqual([]);
        const { settings } = spaceResources({ secrets: { LITELLM_MASTER_KEY: "0123456789abcdef0123456789abcdef" } });
        const [violation] = await analyze([masterKeyHasSkPrefix], [settings]);
        expect(violation.message).toContain('HuggingFaceSpaceSettings "space-settings" sets a LITELLM_MASTER_KEY in the Space\'s secrets');
        expect(violation.message).not.toContain("0123456789abcdef0123456789abcdef");
        expect(await analyze([masterKeyHasSkPrefix], [spaceResources({ secretsInput: secretValue(unknownValue) }).settings])).toEqual([]);
    });
});

describe("space-not-private", () => {
    it("warns (advisory) that aiterm cannot reach a private Space, with the spaceVisibility fix", async () => {
        const [violation, ...more] = await analyze([spaceNotPrivate], [spaceResources({ visibility: "private" }).repository]);
        expect(more).toEqual([]);
        expect(violation.enforcementLevel).toBe("advisory");
        expect(violation.message).toContain('HuggingFaceSpaceRepository "space-repository" is private');
        expect(violation.message).toContain("aiterm sends only its LiteLLM key");
        expect(violation.message).toContain("pulumi config set spaceVisibility public");
        expect(violation.message).toContain("pulumi config set spaceVisibility protected");
    });

    it("passes public and protected Spaces", async () => {
        for (const visibility of ["public", "protected"] as const) {
            expect(await analyze([spaceNotPrivate], Object.values(spaceResources({ visibility })))).toEqual([]);
        }
    });
});

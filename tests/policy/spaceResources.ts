/**
 * The hfspaces stack's Space resources as the policy analyzer sees them, captured from a real run
 * of the program for stack `hfspaces` (loaded as `pulumi up` loads it, its providers driven against
 * the fake Hub): type `pulumi-nodejs:dynamic:Resource`, the serialized provider in `__provider`,
 * secrets wrapped. Broken variants are edits of those captured inputs.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type * as pulumi from "@pulumi/pulumi";
import type { SpaceRepositoryInputs } from "../../components/hfspaces/providers/spaceRepository";
import { startFakeHub } from "../fakes/huggingFaceHub";
import { DynamicEngine } from "../support/dynamicEngine";
import { loadProgramNatively } from "../support/nativeProgram";
import { installMocks, reveal } from "../support/pulumiMocks";
import type { AnalyzedResource } from "./policyServer";

const DYNAMIC_RESOURCE = "pulumi-nodejs:dynamic:Resource";
const STACK = "hfspaces";
const PROJECT = "aiterm-litellm";
export const PINNED_LITELLM_IMAGE =
    "ghcr.io/berriai/litellm-database:v1.104.0@sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218";

/** A value as the engine sends a secret. */
export function secretValue(value: unknown): Record<string, unknown> {
    return { [specialSigKey]: specialSecretSig, value };
}

export interface SpaceOverrides {
    visibility?: SpaceRepositoryInputs["visibility"];
    /** The whole Dockerfile; by default the program's own rendering FROM the pinned image. */
    dockerfile?: string;
    /** The Space secrets, in plain form (wrapped as a secret like the program will). */
    secrets?: Record<string, unknown>;
    /** Replaces the whole `secrets` input, wire form (e.g. an unknown value). */
    secretsInput?: unknown;
}

type SpaceResources = { repository: AnalyzedResource; files: AnalyzedResource; settings: AnalyzedResource };

let captured: SpaceResources | undefined;

/** Runs the hfspaces program once against a fake Hub and keeps its Space resources' inputs. */
export async function captureSpaceResources(): Promise<void> {
    if (captured) {
        return;
    }
    const token = "hf_policycapturetoken0000000000000";
    const hub = await startFakeHub({ users: [{ name: "aiterm-user", plan: "pro", tokens: [{ token, role: "write" }] }] });
    try {
        const engine = new DynamicEngine();
        const mocked = installMocks({
            stack: STACK,
            config: { hfToken: token, databaseUrl: "postgresql://u:p@db.example.com:6543/postgres", hfEndpoint: hub.url, spacePollIntervalSeconds: "0" },
            secretKeys: ["hfToken", "databaseUrl"],
            provision: engine.provision,
        });
        engine.beginRun();
        const program = loadProgramNatively<{ url: pulumi.Output<string> }>();
        await engine.settle([program.url]);
        await engine.finishRun();
        const byKind = (kind: string): AnalyzedResource => {
            const resource = mocked.byType(DYNAMIC_RESOURCE).find((r) => reveal<{ resourceKind: string }>(r.inputs).resourceKind === kind);
            if (!resource) {
                throw new Error(`the hfspaces program declared no ${kind}`);
            }
            return { type: DYNAMIC_RESOURCE, name: resource.name, urn: `urn:pulumi:${STACK}::${PROJECT}::${DYNAMIC_RESOURCE}::${resource.name}`, inputs: resource.inputs };
        };
        captured = {
            repository: byKind("HuggingFaceSpaceRepository"),
            files: byKind("HuggingFaceSpaceFiles"),
            settings: byKind("HuggingFaceSpaceSettings"),
        };
    } finally {
        await hub.close();
    }
}

/** The captured Space resources (see captureSpaceResources), with a broken variant's edits. */
export function spaceResources(overrides: SpaceOverrides = {}): SpaceResources {
    if (!captured) {
        throw new Error("call captureSpaceResources() in a beforeAll first");
    }
    const copy = structuredClone(captured);
    if (overrides.visibility) {
        copy.repository.inputs.visibility = overrides.visibility;
    }
    if (overrides.dockerfile !== undefined) {
        const files = reveal<Record<string, string>>(copy.files.inputs.files);
        copy.files.inputs.files = { ...files, Dockerfile: overrides.dockerfile };
    }
    if (overrides.secrets) {
        copy.settings.inputs.secrets = secretValue(overrides.secrets);
    }
    if (overrides.secretsInput !== undefined) {
        copy.settings.inputs.secrets = overrides.secretsInput;
    }
    return copy;
}

/**
 * The hfspaces stack's Space resources, BUILT BY HAND (the Space program was not finished when
 * the pack was written). They carry the inputs its dynamic providers declare (`resourceKind`,
 * `visibility`, `files`, `secrets`: typed below against the providers' own input interfaces, so a
 * rename fails the type-check) in the engine's wire form: type `pulumi-nodejs:dynamic:Resource`,
 * the serialized provider in `__provider`, secrets wrapped.
 *
 * When the Space program exists, replace the body of `spaceResourcesByHand` with a run of the
 * real program under the mocks for stack `hfspaces` (as policies.test.ts does for `dev`) and
 * keep the overrides as edits of its captured inputs.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { renderDockerfile } from "../../components/hfspaces/spaceFiles";
import type { SpaceFilesInputs } from "../../components/hfspaces/providers/spaceFiles";
import type { SpaceRepositoryInputs } from "../../components/hfspaces/providers/spaceRepository";
import type { SpaceSettingsInputs } from "../../components/hfspaces/providers/spaceSettings";
import type { AnalyzedResource } from "./policyServer";

const DYNAMIC_RESOURCE = "pulumi-nodejs:dynamic:Resource";
const STACK = "hfspaces";
const PROJECT = "aiterm-litellm";
export const SPACE_MASTER_KEY = "sk-space0123456789abcdefghijklmnopqrstuvwxyz";
export const PINNED_LITELLM_IMAGE =
    "ghcr.io/berriai/litellm-database:v1.104.0@sha256:5a9ff0fd7177372f2ccd8949cb121f67e281f4d13d026af51f9c096c0626f50a";

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

function dynamicResource(name: string, inputs: Record<string, unknown>): AnalyzedResource {
    return {
        type: DYNAMIC_RESOURCE,
        name,
        urn: `urn:pulumi:${STACK}::${PROJECT}::${DYNAMIC_RESOURCE}::${name}`,
        inputs: { __provider: "exports.handler = __f0; /* serialized provider */", ...inputs },
    };
}

/** The Space's repository, its files (Dockerfile) and its settings (secrets), as the analyzer sees them. */
export function spaceResourcesByHand(overrides: SpaceOverrides = {}): { repository: AnalyzedResource; files: AnalyzedResource; settings: AnalyzedResource } {
    return {
        repository: dynamicResource("litellm-space-repository", {
            ...({
                resourceKind: "HuggingFaceSpaceRepository",
                owner: "aiterm-user",
                name: "aiterm-litellm",
                visibility: overrides.visibility ?? "public",
                onDestroy: "auto",
            } satisfies Partial<SpaceRepositoryInputs>),
        }),
        files: dynamicResource("litellm-space-files", {
            ...({
                resourceKind: "HuggingFaceSpaceFiles",
                spaceId: "aiterm-user/aiterm-litellm",
                files: {
                    Dockerfile: overrides.dockerfile ?? renderDockerfile(PINNED_LITELLM_IMAGE),
                    "config.yaml": "model_list: []\n",
                    "README.md": "---\nsdk: docker\napp_port: 4000\n---\n",
                },
            } satisfies Partial<SpaceFilesInputs>),
        }),
        settings: dynamicResource("litellm-space-settings", {
            ...({
                resourceKind: "HuggingFaceSpaceSettings",
                spaceId: "aiterm-user/aiterm-litellm",
                variables: { UI_USERNAME: "admin", LITELLM_LOG: "INFO" },
            } satisfies Partial<SpaceSettingsInputs>),
            // Wire form: the program passes the map as a secret.
            secrets:
                overrides.secretsInput ??
                secretValue(overrides.secrets ?? { LITELLM_MASTER_KEY: SPACE_MASTER_KEY, LITELLM_SALT_KEY: "salt-0123456789", DATABASE_URL: "postgresql://u:p@db:6543/postgres" }),
        }),
    };
}

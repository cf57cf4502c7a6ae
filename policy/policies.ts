/**
 * The guardrails, as plain policy objects: index.ts only hands them to a PolicyPack (whose
 * constructor starts the policy server), so tests import this module instead.
 *
 * Every violation says what is wrong, on which resource, and the command that fixes it.
 */
import { Policies, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Secret } from "@pulumi/policy";
import { hardeningPolicies } from "./hardening";
import { dockerfileBaseImages, imagePinProblems, isDigestPinned, isImageId, isLiteLLMImage } from "./images";
import {
    BIND_ADDRESS_ALLOWED_LABEL,
    CONTAINER,
    configSet,
    containerRole,
    describeResource,
    environmentOf,
    labelValue,
    readKnown,
    REMOTE_IMAGE,
    spaceResourceKind,
} from "./resources";
import { swarmGuardrails } from "./swarm";

const MASTER_KEY_ENV = "LITELLM_MASTER_KEY";
const MASTER_KEY_PREFIX = "sk-";

interface PortBinding {
    internal?: number;
    external?: number;
    ip?: string;
}

function portBindings(ports: unknown): PortBinding[] {
    return Array.isArray(ports) ? ports.map((port: unknown) => (typeof port === "object" && port !== null ? (port as PortBinding) : {})) : [];
}

function formatBinding(port: PortBinding): string {
    return `${port.ip || "0.0.0.0"}:${port.external ?? "(random)"}->${port.internal ?? "?"}`;
}

/** 127.0.0.0/8 only: Docker publishes a port without `ip` on 0.0.0.0, every interface. */
export function isLoopbackIPv4(address: string): boolean {
    const match = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

export const databasePublishesNoPort: ResourceValidationPolicy = {
    name: "database-publishes-no-port",
    description: "The database container publishes no port on the host: only the proxy reaches it, over the internal network.",
    enforcementLevel: "mandatory",
    remediationSteps: "Remove `ports` from the database container; the proxy reaches it by its network alias.",
    validateResource: (args, reportViolation) => {
        if (containerRole(args) !== "database") {
            return;
        }
        const ports = portBindings(args.props.ports);
        if (ports.length > 0) {
            reportViolation(
                `${describeResource(args)} publishes ${ports.map(formatBinding).join(", ")} on the host, so anything that reaches ` +
                    "this machine can try the database's password. The stack never configures a database port: remove `ports` from " +
                    "the database container in components/docker/postgresDatabase.ts; the proxy reaches the database over the internal network.",
            );
        }
    },
};

export const proxyBoundToLoopback: ResourceValidationPolicy = {
    name: "proxy-bound-to-loopback",
    description: "The proxy is published on 127.0.0.0/8 only, unless a non-loopback bindAddress was configured on purpose.",
    enforcementLevel: "mandatory",
    remediationSteps: `Publish the proxy on loopback: ${configSet("bindAddress", "127.0.0.1")}.`,
    validateResource: (args, reportViolation) => {
        if (containerRole(args) !== "proxy" || labelValue(args.props, BIND_ADDRESS_ALLOWED_LABEL) === "true") {
            return;
        }
        const exposed = portBindings(args.props.ports).filter((port) => !isLoopbackIPv4(port.ip || "0.0.0.0"));
        if (exposed.length > 0) {
            reportViolation(
                `${describeResource(args)} publishes ${exposed.map(formatBinding).join(", ")}, reachable from other machines, ` +
                    `without the ${BIND_ADDRESS_ALLOWED_LABEL}=true label the stack adds when bindAddress is set on purpose. ` +
                    `Keep it on this machine: ${configSet("bindAddress", "127.0.0.1")} (aiterm-litellm:bindAddress). ` +
                    `To expose it deliberately, set the address explicitly (${configSet("bindAddress", "0.0.0.0")}) so the stack labels the container.`,
            );
        }
    },
};

/** The config key that sets an image, for the fix; undefined when the image is not configurable. */
function imageConfigKey(reference: string): string | undefined {
    if (isLiteLLMImage(reference)) {
        return "litellmImage";
    }
    return reference.toLowerCase().includes("postgres") ? "postgresImage" : undefined;
}

function imageFix(reference: string): string {
    const key = imageConfigKey(reference);
    const example = key === "litellmImage" ? "ghcr.io/berriai/litellm-database:<version>@sha256:<digest>" : "postgres:16-alpine@sha256:<digest>";
    const inspect = `find the digest with \`docker buildx imagetools inspect <image>:<version>\``;
    return key
        ? `Pin a version and its digest: ${configSet(key, example)} (aiterm-litellm:${key}); ${inspect}.`
        : `Pin the image by version and digest where the program declares it; ${inspect}.`;
}

function reportImage(args: ResourceValidationArgs, reportViolation: ReportViolation, reference: string, where: string): void {
    const problems = imagePinProblems(reference);
    if (problems.length > 0) {
        reportViolation(`${describeResource(args)} ${where} "${reference}", which ${problems.join(", and ")}. ${imageFix(reference)}`);
    }
}

export const imagesPinnedByDigest: ResourceValidationPolicy = {
    name: "images-pinned-by-digest",
    description: "Every image is pinned by digest, and LiteLLM is never on a rolling tag (latest, stable, main, main-*, *-latest, *-stable).",
    enforcementLevel: "mandatory",
    remediationSteps: `Pin each image by version and digest, e.g. ${configSet("litellmImage", "ghcr.io/berriai/litellm-database:<version>@sha256:<digest>")}.`,
    validateResource: (args, reportViolation) => {
        if (args.type === REMOTE_IMAGE) {
            const name = readKnown(() => args.props.name);
            if (name.known && typeof name.value === "string") {
                reportImage(args, reportViolation, name.value, "pulls");
            }
        } else if (args.type === CONTAINER) {
            // A RemoteImage's imageId (checked above) or a digest-pinned reference; anything else bypasses the pin.
            const image = readKnown(() => args.props.image);
            if (image.known && typeof image.value === "string" && !isImageId(image.value) && !isDigestPinned(image.value)) {
                reportImage(args, reportViolation, image.value, "runs");
            }
        } else if (spaceResourceKind(args) === "HuggingFaceSpaceFiles") {
            const dockerfile = readKnown(() => {
                const files = args.props.files;
                return typeof files === "object" && files !== null ? (files as Record<string, unknown>).Dockerfile : undefined;
            });
            if (dockerfile.known && typeof dockerfile.value === "string") {
                for (const base of dockerfileBaseImages(dockerfile.value)) {
                    reportImage(args, reportViolation, base.reference, `uploads a Dockerfile whose \`${base.instruction}\` builds from`);
                }
            }
        }
    },
};

/** Roles whose containers carry credentials (passwords, keys, DATABASE_URL) in their environment. */
const ROLES_WITH_CREDENTIALS = new Set(["proxy", "database"]);

/**
 * An input exactly as the engine sent it. In a remediation, @pulumi/policy keeps the engine's
 * secret markers as `Secret` objects in the object behind `props`; reading `props.envs` unwraps
 * them, but the own-property descriptor (which its proxies do not intercept) does not.
 */
function rawInput(props: Record<string, unknown>, key: string): unknown {
    return Object.getOwnPropertyDescriptor(props, key)?.value;
}

/**
 * A remediation, not a validation: @pulumi/policy 1.21 unwraps secrets before `validateResource`
 * and `validateStack` run (deserializeProperties(..., false)), so a validation cannot tell a secret
 * environment from a plain one. Only `remediateResource` receives the secret markers; it makes a
 * plain environment secret before it reaches the diff or the state, and the CLI reports that it did.
 */
export const environmentsAreSecret: ResourceValidationPolicy = {
    name: "environments-are-secret",
    description:
        "The proxy's and the database's container environments (passwords, keys, DATABASE_URL) are secret; a plain one is made secret before it reaches the diff or the state.",
    enforcementLevel: "remediate",
    remediationSteps: "Pass the container's `envs` as `pulumi.secret(...)` in the component that declares it.",
    remediateResource: (args) => {
        const role = containerRole(args);
        if (role === undefined || !ROLES_WITH_CREDENTIALS.has(role)) {
            return undefined;
        }
        const envs = rawInput(args.props, "envs");
        if (envs === undefined || envs === null || envs instanceof Secret) {
            return undefined;
        }
        args.props.envs = new Secret(envs);
        return args.props;
    },
};

// What LiteLLM checks and what it only documents (BerriAI/litellm): from v1.104.0 the proxy refuses
// to start with an unset, blank or publicly known (sk-1234) master key
// (litellm/proxy/auth/master_key_boot_check.py); the sk- prefix is a convention its docs ask for
// (docs/my-website/docs/proxy/virtual_keys.md), which neither the start-up check nor the key API
// (litellm/proxy/auth/user_api_key_auth.py) enforces. This policy keeps the convention.
/** The keys master_key_boot_check.py refuses as publicly known. */
const PUBLICLY_KNOWN_MASTER_KEYS = ["sk-1234"];

function reportMasterKey(args: ResourceValidationArgs, reportViolation: ReportViolation, masterKey: string | undefined, where: string): void {
    const fix =
        "The stack generates an sk- key (see `pulumi stack output --show-secrets masterKey`); if you replaced it, give it the sk- prefix.";
    if (masterKey === undefined) {
        reportViolation(
            `${describeResource(args)} sets no ${MASTER_KEY_ENV} in ${where}: LiteLLM 1.104 and later refuse to start without one ` +
                `(unless LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY is set, and then accept requests without any key). ${fix}`,
        );
    } else if (masterKey.trim() === "" || PUBLICLY_KNOWN_MASTER_KEYS.includes(masterKey.trim())) {
        reportViolation(
            `${describeResource(args)} sets a ${MASTER_KEY_ENV} in ${where} that is blank or publicly known (the documentation's ` +
                `example): LiteLLM 1.104 and later refuse to start with it, and anyone could use it. ${fix}`,
        );
    } else if (!masterKey.startsWith(MASTER_KEY_PREFIX)) {
        // Never show the value: it is a credential.
        reportViolation(
            `${describeResource(args)} sets a ${MASTER_KEY_ENV} in ${where} that does not start with "${MASTER_KEY_PREFIX}", the prefix ` +
                "LiteLLM's docs ask master keys to have. LiteLLM itself starts with such a key and accepts it on its key API; the " +
                `convention keeps the master key recognisable among keys and secrets. ${fix}`,
        );
    }
}

export const masterKeyHasSkPrefix: ResourceValidationPolicy = {
    name: "master-key-has-sk-prefix",
    description:
        "The proxy's LITELLM_MASTER_KEY is set and follows LiteLLM's documented sk- convention (LiteLLM itself only refuses an unset, blank or publicly known key at start).",
    enforcementLevel: "mandatory",
    remediationSteps: "Use the generated master key, or give yours the sk- prefix.",
    validateResource: (args, reportViolation) => {
        if (containerRole(args) === "proxy") {
            // Unknown during the first preview (generated by the stack): `pulumi up` checks it once known.
            const masterKey = readKnown(() => environmentOf(args.props.envs).get(MASTER_KEY_ENV));
            if (masterKey.known) {
                reportMasterKey(args, reportViolation, masterKey.value, "its environment");
            }
        } else if (spaceResourceKind(args) === "HuggingFaceSpaceSettings") {
            const masterKey = readKnown(() => {
                const secrets = args.props.secrets;
                const value = typeof secrets === "object" && secrets !== null ? (secrets as Record<string, unknown>)[MASTER_KEY_ENV] : undefined;
                return typeof value === "string" ? value : undefined;
            });
            if (masterKey.known) {
                reportMasterKey(args, reportViolation, masterKey.value, "the Space's secrets");
            }
        }
    },
};

export const spaceNotPrivate: ResourceValidationPolicy = {
    name: "space-not-private",
    description: "The Space is public or protected: aiterm cannot reach a private Space's app.",
    enforcementLevel: "advisory",
    remediationSteps: `${configSet("spaceVisibility", "public")}, or protected (PRO: files private, app public).`,
    validateResource: (args, reportViolation) => {
        if (spaceResourceKind(args) !== "HuggingFaceSpaceRepository") {
            return;
        }
        const visibility = readKnown(() => args.props.visibility);
        if (visibility.known && visibility.value === "private") {
            reportViolation(
                `${describeResource(args)} is private: its app URL (https://<owner>-<name>.hf.space) answers only requests that carry a ` +
                    "Hugging Face token, and aiterm sends only its LiteLLM key, so aiterm cannot reach the proxy. " +
                    `Make it public: ${configSet("spaceVisibility", "public")} (aiterm-litellm:spaceVisibility), or keep the files ` +
                    `private with a PRO account: ${configSet("spaceVisibility", "protected")}.`,
            );
        }
    },
};

/** The pack's policies, in the order `pulumi preview` reports them. */
export const guardrails: Policies = [
    databasePublishesNoPort,
    proxyBoundToLoopback,
    imagesPinnedByDigest,
    environmentsAreSecret,
    masterKeyHasSkPrefix,
    spaceNotPrivate,
    ...hardeningPolicies,
    ...swarmGuardrails,
];

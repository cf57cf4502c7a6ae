/**
 * How the policies recognise this project's resources and read their inputs. Everything here
 * reads the `props` @pulumi/policy hands a policy: plain JSON, secrets already unwrapped, and a
 * proxy that throws `UnknownValueError` when a value is not known yet (during a preview).
 */
import { UnknownValueError } from "@pulumi/policy";

export const CONTAINER = "docker:index/container:Container";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";
/** Every Pulumi dynamic resource has this type; `resourceKind` says which Space resource it is. */
export const DYNAMIC_RESOURCE = "pulumi-nodejs:dynamic:Resource";

/** The label the program puts on its containers: `proxy` or `database`. */
export const ROLE_LABEL = "aiterm-litellm.role";
/** Set to `true` by the program when the user configured a non-loopback `bindAddress` on purpose. */
export const BIND_ADDRESS_ALLOWED_LABEL = "aiterm-litellm.bind-address-allowed";

export type SpaceResourceKind = "HuggingFaceSpaceRepository" | "HuggingFaceSpaceFiles" | "HuggingFaceSpaceSettings";

/** The parts of a policy's arguments these helpers read (resource and stack policies both have them). */
export interface ResourceView {
    type: string;
    name: string;
    props: Record<string, unknown>;
}

export type Known<T> = { known: true; value: T } | { known: false };

/**
 * Reads a value that may not be known yet. During `pulumi preview` an input computed from another
 * resource's output (a generated password, an image ID) is unknown; `pulumi up` analyzes the
 * resource again once it is known, so a policy can pass it here without weakening the check.
 */
export function readKnown<T>(read: () => T): Known<T> {
    try {
        return { known: true, value: read() };
    } catch (error) {
        if (error instanceof UnknownValueError) {
            return { known: false };
        }
        throw error;
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null;
}

/** A Docker label's value (`labels` is a list of `{label, value}`). */
export function labelValue(props: Record<string, unknown>, label: string): string | undefined {
    const labels = props.labels;
    if (!Array.isArray(labels)) {
        return undefined;
    }
    const entry = labels.find((candidate: unknown) => isRecord(candidate) && candidate.label === label);
    return isRecord(entry) && typeof entry.value === "string" ? entry.value : undefined;
}

/** `proxy`, `database`, or undefined for a container this project did not label (or not a container). */
export function containerRole(resource: ResourceView): string | undefined {
    if (resource.type !== CONTAINER) {
        return undefined;
    }
    const role = readKnown(() => labelValue(resource.props, ROLE_LABEL));
    return role.known ? role.value : undefined;
}

/** Which Space resource a dynamic resource is, from its `resourceKind` input. */
export function spaceResourceKind(resource: ResourceView): string | undefined {
    if (resource.type !== DYNAMIC_RESOURCE) {
        return undefined;
    }
    const kind = readKnown(() => resource.props.resourceKind);
    return kind.known && typeof kind.value === "string" ? kind.value : undefined;
}

/** `KEY=value` entries as a map; entries without `=` are ignored. */
export function environmentOf(envs: unknown): Map<string, string> {
    const environment = new Map<string, string>();
    if (!Array.isArray(envs)) {
        return environment;
    }
    for (const entry of envs) {
        if (typeof entry === "string" && entry.includes("=")) {
            environment.set(entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1));
        }
    }
    return environment;
}

const KIND_NAMES: Record<string, string> = {
    [CONTAINER]: "Container",
    [REMOTE_IMAGE]: "RemoteImage",
};

/** `Container "local-proxy" (Docker name litellm-dev-proxy)`: the resource, as `pulumi preview` lists it. */
export function describeResource(resource: ResourceView): string {
    const kind = spaceResourceKind(resource) ?? KIND_NAMES[resource.type] ?? resource.type;
    const dockerName = resource.type === CONTAINER ? readKnown(() => resource.props.name) : { known: false as const };
    const suffix = dockerName.known && typeof dockerName.value === "string" ? ` (Docker name ${dockerName.value})` : "";
    return `${kind} "${resource.name}"${suffix}`;
}

/** The `pulumi config set` command for a key of this project (namespace `aiterm-litellm`). */
export function configSet(key: string, value: string): string {
    return `pulumi config set ${key} ${value}`;
}

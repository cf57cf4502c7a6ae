/**
 * Least privilege and limits on every container the program declares, local (docker.Container) or
 * in a Swarm (docker.Service task specs): the parts of the CIS Docker Benchmark's container-runtime
 * section that matter most when code execution in a container is the threat (5.4 privileged
 * containers, 5.3 capabilities, 5.10 memory). The dev stack's components set all three
 * (components/docker/); what each container runs as and why is in the README's security section.
 *
 * The two resource types spell the same things differently (@pulumi/docker 5.2.0):
 * - Container: `privileged`, `capabilities: {adds, drops}`, `memory` (MiB);
 * - Service: `taskSpec.containerSpec.capAdds` / `capDrops`, `taskSpec.resources.limits.memoryBytes`;
 *   a Swarm task cannot be privileged (the spec has no such field), so only an added `ALL` counts.
 */
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { CONTAINER, configSet, containerRole, readKnown } from "./resources";

export const SERVICE = "docker:index/service:Service";

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null;
}

function field(value: unknown, ...path: string[]): unknown {
    let current = value;
    for (const key of path) {
        current = isRecord(current) ? current[key] : undefined;
    }
    return current;
}

/** `Container "local-proxy" (Docker name litellm-dev-proxy)` or `Service "swarm-proxy" (Docker name ...)`. */
function describeWorkload(args: ResourceValidationArgs): string {
    const kind = args.type === CONTAINER ? "Container" : "Service";
    const name = readKnown(() => args.props.name);
    return `${kind} "${args.name}"${name.known && typeof name.value === "string" ? ` (Docker name ${name.value})` : ""}`;
}

/** Docker accepts capability names in any case, with or without CAP_. */
function capabilityName(value: unknown): string {
    return String(value).toUpperCase().replace(/^CAP_/, "");
}

interface CapabilitySets {
    adds: string[];
    drops: string[];
}

/** The added and dropped capabilities, or undefined while they are not known or this is not a workload. */
function capabilitiesOf(args: ResourceValidationArgs): CapabilitySets | undefined {
    const read = readKnown(() => {
        const names = (list: unknown) => (Array.isArray(list) ? list.map(capabilityName) : []);
        if (args.type === CONTAINER) {
            return { adds: names(field(args.props.capabilities, "adds")), drops: names(field(args.props.capabilities, "drops")) };
        }
        const spec = field(args.props.taskSpec, "containerSpec");
        return { adds: names(field(spec, "capAdds")), drops: names(field(spec, "capDrops")) };
    });
    return read.known && (args.type === CONTAINER || args.type === SERVICE) ? read.value : undefined;
}

/** Where a fix goes: the stack setting for the dev stack's own containers, else the declaration. */
function memoryFix(args: ResourceValidationArgs): string {
    const key = { proxy: "proxyMemoryMb", database: "databaseMemoryMb" }[containerRole(args) ?? ""];
    if (key) {
        return `${configSet(key, key === "proxyMemoryMb" ? "2048" : "512")} (aiterm-litellm:${key}); the component passes it as \`memory\`.`;
    }
    return args.type === CONTAINER
        ? "Give the container `memory` (MiB, with `memorySwap` equal to it) where the program declares it."
        : "Give the service `taskSpec.resources.limits.memoryBytes` where the program declares it (components/swarm/).";
}

export const containersNotPrivileged: ResourceValidationPolicy = {
    name: "containers-not-privileged",
    description: "No container runs privileged or adds every capability back (CIS Docker Benchmark 5.4).",
    enforcementLevel: "mandatory",
    remediationSteps: "Remove `privileged` (and any `ALL` from the added capabilities); add back only the capabilities the image needs.",
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type === CONTAINER) {
            const privileged = readKnown(() => args.props.privileged);
            if (privileged.known && privileged.value === true) {
                reportViolation(
                    `${describeWorkload(args)} runs privileged: it gets every capability and every host device, without seccomp or ` +
                        "AppArmor confinement, so code execution in it is root on this machine. Remove `privileged` where the program " +
                        "declares the container (components/docker/) and add back only the capabilities its image needs.",
                );
            }
        }
        const capabilities = capabilitiesOf(args);
        if (capabilities?.adds.includes("ALL")) {
            reportViolation(
                `${describeWorkload(args)} adds every capability back (ALL), which is privileged in all but name. ` +
                    "Add back only the ones its image needs (the database's entrypoint needs CHOWN, DAC_OVERRIDE, SETGID and SETUID; the proxy none).",
            );
        }
    },
};

export const containersDropAllCapabilities: ResourceValidationPolicy = {
    name: "containers-drop-all-capabilities",
    description: "Every container drops all capabilities and adds back only what its image needs (CIS Docker Benchmark 5.3).",
    enforcementLevel: "mandatory",
    remediationSteps: 'Set `capabilities: { drops: ["ALL"] }` (a Service: `capDrops: ["ALL"]`) and add back only what the image needs.',
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const capabilities = capabilitiesOf(args);
        if (capabilities && !capabilities.drops.includes("ALL")) {
            const where = args.type === CONTAINER ? '`capabilities: { drops: ["ALL"], adds: [...] }`' : '`taskSpec.containerSpec.capDrops: ["ALL"]` (and `capAdds`)';
            const dropped = capabilities.drops.length > 0 ? `drops only ${capabilities.drops.join(", ")}` : "drops no capability";
            reportViolation(
                `${describeWorkload(args)} ${dropped}, so it keeps Docker's default set (CHOWN, DAC_OVERRIDE, FOWNER, KILL, NET_RAW, SETUID, ` +
                    `SETGID, ...), which code execution in it can use. Give it ${where} where the program declares it, adding back only ` +
                    "what its image needs.",
            );
        }
    },
};

export const containersHaveMemoryLimit: ResourceValidationPolicy = {
    name: "containers-have-memory-limit",
    description: "Every container has a memory limit (CIS Docker Benchmark 5.10), so one that leaks or is abused cannot take the machine's memory.",
    enforcementLevel: "mandatory",
    remediationSteps: `Set the limit: ${configSet("proxyMemoryMb", "2048")} / ${configSet("databaseMemoryMb", "512")}, or \`memory\` / \`memoryBytes\` where the program declares the container.`,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        if (args.type !== CONTAINER && args.type !== SERVICE) {
            return;
        }
        const limit = readKnown(() => (args.type === CONTAINER ? args.props.memory : field(args.props.taskSpec, "resources", "limits", "memoryBytes")));
        if (limit.known && !(typeof limit.value === "number" && limit.value > 0)) {
            reportViolation(
                `${describeWorkload(args)} has no memory limit: it may use all of this machine's memory, and the kernel's OOM killer ` +
                    `then picks any process, not it. ${memoryFix(args)}`,
            );
        }
    },
};

/** The hardening policies, registered with the rest of the pack in policies.ts. */
export const hardeningPolicies: ResourceValidationPolicy[] = [containersNotPrivileged, containersDropAllCapabilities, containersHaveMemoryLimit];

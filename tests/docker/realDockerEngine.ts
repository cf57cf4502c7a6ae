/**
 * Creates the `docker:*` resources a program declares as real objects on the local Docker engine,
 * following @pulumi/docker 5.x's documented semantics, and keeps their state across runs the way
 * the Pulumi engine would (update in place, replace, delete, retainOnDelete, keepLocally).
 *
 * The mapping is deliberately small. An input it does not know how to honour fails the run loudly:
 * a harness that silently dropped an input would prove nothing about it.
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamicEngine } from "../support/dynamicEngine";
import { RecordedOptions, reveal } from "../support/pulumiMocks";
import { ContainerInspect, dockerCall, DockerApiError, inspectContainer, tarArchive } from "./dockerApi";

type Inputs = Record<string, unknown>;

interface Entry {
    type: string;
    name: string;
    id: string;
    inputs: Inputs;
    outs: Inputs;
    options: RecordedOptions;
}

/** Inputs each type supports; anything else is refused. */
const SUPPORTED: Record<string, readonly string[]> = {
    "docker:index/remoteImage:RemoteImage": ["name", "keepLocally"],
    "docker:index/network:Network": ["name", "driver", "internal", "attachable", "labels"],
    "docker:index/volume:Volume": ["name", "driver", "labels"],
    "docker:index/container:Container": [
        "name",
        "image",
        "command",
        "entrypoints",
        "envs",
        "uploads",
        "volumes",
        "networksAdvanced",
        "ports",
        "healthcheck",
        "restart",
        "maxRetryCount",
        "wait",
        "waitTimeout",
        "labels",
        "user",
        "capabilities",
        "securityOpts",
        "privileged",
        "readOnly",
        "tmpfs",
        "memory",
        "memorySwap",
        "cpuShares",
        "shmSize",
    ],
};

/**
 * How @pulumi/docker 5.2.0 (terraform-provider-docker v4.5.0, internal/provider/
 * resource_docker_container.go and _funcs.go) changes a container whose inputs changed. An input
 * that is neither here nor in CONTAINER_NOT_APPLIED is ForceNew there: the container is replaced.
 */
/** Updated in place by one ContainerUpdate call that carries all of them (resourceDockerContainerUpdate). */
const CONTAINER_UPDATED = ["restart", "maxRetryCount", "memory", "memorySwap", "cpuShares"];
/** Updated in place in the state only: nothing on the engine changes. */
const CONTAINER_STATE_ONLY = ["wait", "waitTimeout"];
/**
 * Not ForceNew in the provider's schema, yet its update does not apply them: a change would be an
 * update that leaves the running container as it was. The harness refuses such a change rather
 * than pretend (the program replaces on a tmpfs change with replaceOnChanges, an option the mocks
 * do not record).
 */
const CONTAINER_NOT_APPLIED = ["tmpfs", "healthcheck"];
const REMOTE_IMAGE_IN_PLACE = ["keepLocally"];
/** The provider's sizes are MiB; the Engine API's bytes. */
const MIB = 1024 * 1024;

export interface ProvisionLog {
    resource: string;
    action: "create" | "update" | "replace" | "delete" | "retain" | "created";
    /** performance.now() when it was logged. */
    at: number;
}

export class RealDockerEngine {
    readonly state = new Map<string, Entry>();
    readonly log: ProvisionLog[] = [];
    private registeredThisRun = new Set<string>();

    /** @param dynamic handles the program's dynamic resources (virtual keys) and collects failures. */
    constructor(readonly dynamic: DynamicEngine) {}

    readonly provision = (args: pulumi.runtime.MockResourceArgs, options: RecordedOptions) => {
        if (args.type.startsWith("docker:")) {
            return this.register(args, options).catch((error: unknown) => this.dynamic.fail(error));
        }
        return this.dynamic.provision(args);
    };

    beginRun(): void {
        this.registeredThisRun = new Set();
        this.dynamic.beginRun();
    }

    async finishRun(): Promise<void> {
        await this.dynamic.finishRun();
        for (const entry of [...this.state.values()].reverse()) {
            if (!this.registeredThisRun.has(entry.name)) {
                await this.remove(entry);
            }
        }
    }

    /** `pulumi destroy`: dynamic resources first (they talk to the proxy), then Docker's, newest first. */
    async destroy(): Promise<void> {
        await this.dynamic.destroy();
        for (const entry of [...this.state.values()].reverse()) {
            await this.remove(entry);
        }
    }

    containerOf(namePart: string): Entry {
        const matches = [...this.state.values()].filter((e) => e.type === "docker:index/container:Container" && e.name.includes(namePart));
        if (matches.length !== 1) {
            throw new Error(`expected one container resource named *${namePart}*, found ${matches.length}`);
        }
        return matches[0];
    }

    private async register(args: pulumi.runtime.MockResourceArgs, options: RecordedOptions): Promise<{ id: string; state: Inputs }> {
        const inputs = reveal<Inputs>(args.inputs);
        const supported = SUPPORTED[args.type];
        if (!supported) {
            throw new Error(`the real-Docker harness does not support ${args.type} (resource ${args.name})`);
        }
        const unsupported = Object.keys(inputs).filter((key) => !supported.includes(key) && inputs[key] !== undefined);
        if (unsupported.length > 0) {
            throw new Error(`the real-Docker harness cannot honour ${args.type} input(s) ${unsupported.join(", ")} of ${args.name}`);
        }
        this.registeredThisRun.add(args.name);
        const existing = this.state.get(args.name);
        if (existing) {
            const changed = Object.keys({ ...existing.inputs, ...inputs }).filter(
                (key) => JSON.stringify(existing.inputs[key]) !== JSON.stringify(inputs[key]),
            );
            if (changed.length === 0) {
                existing.options = options;
                return { id: existing.id, state: existing.outs };
            }
            const isContainer = args.type === "docker:index/container:Container";
            const notApplied = isContainer ? changed.filter((key) => CONTAINER_NOT_APPLIED.includes(key)) : [];
            if (notApplied.length > 0) {
                throw new Error(
                    `the real-Docker harness refuses a change of ${notApplied.join(", ")} on ${args.name}: the provider updates it in place, but its update does not apply it to the container`,
                );
            }
            const inPlace = isContainer ? [...CONTAINER_UPDATED, ...CONTAINER_STATE_ONLY] : args.type === "docker:index/remoteImage:RemoteImage" ? REMOTE_IMAGE_IN_PLACE : [];
            if (changed.every((key) => inPlace.includes(key))) {
                await this.update(existing, inputs);
                existing.options = options;
                this.log.push({ resource: args.name, action: "update", at: performance.now() });
                return { id: existing.id, state: existing.outs };
            }
            this.log.push({ resource: args.name, action: "replace", at: performance.now() });
            if (options.deleteBeforeReplace) {
                await this.remove(existing, false);
                return this.create(args.type, args.name, inputs, options);
            }
            const created = await this.create(args.type, args.name, inputs, options);
            await this.remove(existing, false);
            return created;
        }
        this.log.push({ resource: args.name, action: "create", at: performance.now() });
        const created = await this.create(args.type, args.name, inputs, options);
        this.log.push({ resource: args.name, action: "created", at: performance.now() });
        return created;
    }

    private async create(type: string, name: string, inputs: Inputs, options: RecordedOptions): Promise<{ id: string; state: Inputs }> {
        let id: string;
        let outs: Inputs = { ...inputs };
        switch (type) {
            case "docker:index/remoteImage:RemoteImage": {
                const reference = String(inputs.name);
                await dockerCall("POST", `/images/create?fromImage=${encodeURIComponent(reference)}`, { timeoutMs: 600_000 });
                const image = await dockerCall<{ Id: string; RepoDigests: string[] }>("GET", `/images/${encodeURIComponent(reference)}/json`);
                id = image.Id;
                outs = { ...inputs, imageId: image.Id, repoDigest: image.RepoDigests[0] ?? reference };
                break;
            }
            case "docker:index/network:Network": {
                const created = await dockerCall<{ Id: string }>("POST", "/networks/create", {
                    body: {
                        Name: inputs.name,
                        Driver: inputs.driver ?? "bridge",
                        Internal: inputs.internal === true,
                        Attachable: inputs.attachable === true,
                        CheckDuplicate: true,
                        Labels: labelsOf(inputs.labels),
                    },
                });
                id = created.Id;
                break;
            }
            case "docker:index/volume:Volume": {
                // Creating a volume whose name exists returns the existing one, as the provider's create does.
                const volume = await dockerCall<{ Name: string }>("POST", "/volumes/create", {
                    body: { Name: inputs.name, Driver: inputs.driver ?? "local", Labels: labelsOf(inputs.labels) },
                });
                id = volume.Name;
                break;
            }
            case "docker:index/container:Container":
                id = await createContainer(inputs);
                break;
            default:
                throw new Error(`unreachable: ${type}`);
        }
        const entry: Entry = { type, name, id, inputs, outs: { ...outs, id }, options };
        this.state.set(name, entry);
        return { id, state: entry.outs };
    }

    private async update(entry: Entry, inputs: Inputs): Promise<void> {
        if (entry.type === "docker:index/container:Container" && CONTAINER_UPDATED.some((key) => JSON.stringify(inputs[key]) !== JSON.stringify(entry.inputs[key]))) {
            await dockerCall("POST", `/containers/${entry.id}/update`, { body: containerUpdateConfig(inputs) });
        }
        entry.inputs = inputs;
        entry.outs = { ...entry.outs, ...inputs };
    }

    private async remove(entry: Entry, forget = true): Promise<void> {
        if (entry.options.retainOnDelete) {
            // retainOnDelete: Pulumi forgets the object but leaves it where it is.
            this.log.push({ resource: entry.name, action: "retain", at: performance.now() });
        } else {
            this.log.push({ resource: entry.name, action: "delete", at: performance.now() });
            await ignoreMissing(async () => {
                switch (entry.type) {
                    case "docker:index/container:Container":
                        await dockerCall("DELETE", `/containers/${entry.id}?force=true&v=true`);
                        break;
                    case "docker:index/network:Network":
                        await dockerCall("DELETE", `/networks/${entry.id}`);
                        break;
                    case "docker:index/volume:Volume":
                        await dockerCall("DELETE", `/volumes/${encodeURIComponent(entry.id)}`);
                        break;
                    case "docker:index/remoteImage:RemoteImage":
                        if (entry.inputs.keepLocally !== true) {
                            await dockerCall("DELETE", `/images/${entry.id}`);
                        }
                        break;
                }
            });
        }
        if (forget && this.state.get(entry.name) === entry) {
            this.state.delete(entry.name);
        }
    }
}

async function ignoreMissing(action: () => Promise<void>): Promise<void> {
    try {
        await action();
    } catch (error) {
        if (!(error instanceof DockerApiError && error.status === 404)) {
            throw error;
        }
    }
}

function labelsOf(labels: unknown): Record<string, string> {
    return Object.fromEntries(((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => [l.label, l.value]));
}

/** "1s", "5s", "2m", "500ms" → nanoseconds, as the Engine API wants durations. */
export function durationNs(value: unknown): number | undefined {
    if (value === undefined) {
        return undefined;
    }
    const match = /^([0-9]+)(ms|s|m|h)$/.exec(String(value));
    if (!match) {
        throw new Error(`the real-Docker harness cannot parse the duration "${String(value)}"`);
    }
    const unit = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[match[2] as "ms" | "s" | "m" | "h"];
    return Number(match[1]) * unit;
}

/**
 * The UpdateConfig the provider sends when any of CONTAINER_UPDATED changed: the restart policy
 * and the resources together, from the new inputs (0 meaning "unchanged" to the engine, and the
 * swap limit only when set), not only the input that changed.
 */
export function containerUpdateConfig(inputs: Inputs): Record<string, unknown> {
    const swap = memorySwapBytes(inputs.memorySwap);
    return {
        RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: Number(inputs.maxRetryCount ?? 0) },
        CpuShares: Number(inputs.cpuShares ?? 0),
        Memory: Number(inputs.memory ?? 0) * MIB,
        MemoryReservation: 0,
        CpusetCpus: "",
        ...(swap === undefined ? {} : { MemorySwap: swap }),
    };
}

/** memory_swap as the provider passes it: MiB to bytes, -1 (unlimited) as it is, unset or 0 not at all. */
function memorySwapBytes(value: unknown): number | undefined {
    const swap = Number(value ?? 0);
    return swap === 0 ? undefined : swap > 0 ? swap * MIB : swap;
}

interface Capabilities {
    adds?: string[];
    drops?: string[];
}

/**
 * The HostConfig fields of the hardening inputs, as the provider's create sets them: sizes in
 * MiB to bytes, a field only when its input is set (GetOk), capabilities from the one block,
 * `init` always false. A security option the provider rewrites (systempaths=...) is refused.
 */
export function hardeningHostConfig(inputs: Inputs): Record<string, unknown> {
    const capabilities = inputs.capabilities as Capabilities | undefined;
    const securityOpts = (inputs.securityOpts as string[] | undefined) ?? [];
    if (securityOpts.some((option) => option.startsWith("systempaths="))) {
        throw new Error("the real-Docker harness does not model securityOpts systempaths=... (the provider turns it into masked and read-only paths)");
    }
    const swap = memorySwapBytes(inputs.memorySwap);
    const positive = (value: unknown): number | undefined => (Number(value ?? 0) > 0 ? Number(value) : undefined);
    return {
        Privileged: inputs.privileged === true,
        ReadonlyRootfs: inputs.readOnly === true,
        Init: false,
        ...(capabilities ? { CapAdd: capabilities.adds ?? [], CapDrop: capabilities.drops ?? [] } : {}),
        ...(securityOpts.length > 0 ? { SecurityOpt: securityOpts } : {}),
        ...(inputs.tmpfs ? { Tmpfs: inputs.tmpfs } : {}),
        ...(positive(inputs.memory) ? { Memory: Number(inputs.memory) * MIB } : {}),
        ...(swap === undefined ? {} : { MemorySwap: swap }),
        ...(positive(inputs.shmSize) ? { ShmSize: Number(inputs.shmSize) * MIB } : {}),
        ...(positive(inputs.cpuShares) ? { CpuShares: Number(inputs.cpuShares) } : {}),
    };
}

interface Upload {
    file: string;
    content?: string;
    contentBase64?: string;
    executable?: boolean;
    permissions?: string;
}

/**
 * As the docker provider does it: create, connect every further network, upload files, start;
 * then, with `wait`, poll until healthy (failing on unhealthy, exit or timeout).
 */
async function createContainer(inputs: Inputs): Promise<string> {
    const networks = (inputs.networksAdvanced as { name: string; aliases?: string[] }[] | undefined) ?? [];
    const ports = (inputs.ports as { internal: number; external?: number; ip?: string; protocol?: string }[] | undefined) ?? [];
    const volumes = (inputs.volumes as { volumeName?: string; containerPath: string; readOnly?: boolean; hostPath?: string }[] | undefined) ?? [];
    const healthcheck = inputs.healthcheck as { tests: string[]; interval?: string; timeout?: string; startPeriod?: string; retries?: number; startInterval?: string } | undefined;
    if (healthcheck?.startInterval) {
        throw new Error("the real-Docker harness refuses healthcheck.startInterval: Docker 20.10 ignores it (it came in Docker 25)");
    }
    if (volumes.some((v) => v.hostPath)) {
        throw new Error("the real-Docker harness does not support host bind mounts");
    }
    // The provider refuses these before creating anything.
    if (((inputs.command as string[] | undefined) ?? []).some((argument) => argument === "")) {
        throw new Error("values for command may not be empty");
    }
    const exposed = Object.fromEntries(ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, {}]));
    const bindings = Object.fromEntries(
        ports.map((p) => [`${p.internal}/${p.protocol ?? "tcp"}`, [{ HostIp: p.ip ?? "0.0.0.0", HostPort: String(p.external ?? "") }]]),
    );
    const [first, ...others] = networks;
    const created = await dockerCall<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(String(inputs.name))}`, {
        body: {
            Image: inputs.image,
            Cmd: inputs.command,
            Entrypoint: inputs.entrypoints,
            Env: inputs.envs ?? [],
            Labels: labelsOf(inputs.labels),
            ExposedPorts: exposed,
            Healthcheck: healthcheck
                ? {
                      Test: healthcheck.tests,
                      Interval: durationNs(healthcheck.interval),
                      Timeout: durationNs(healthcheck.timeout),
                      StartPeriod: durationNs(healthcheck.startPeriod),
                      Retries: healthcheck.retries,
                  }
                : undefined,
            User: inputs.user,
            HostConfig: {
                ...hardeningHostConfig(inputs),
                PortBindings: bindings,
                RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: Number(inputs.maxRetryCount ?? 0) },
                Mounts: volumes.map((v) => ({ Type: "volume", Source: v.volumeName, Target: v.containerPath, ReadOnly: v.readOnly === true })),
                NetworkMode: first?.name ?? "bridge",
            },
            NetworkingConfig: first ? { EndpointsConfig: { [first.name]: { Aliases: first.aliases ?? [] } } } : undefined,
        },
    });
    const id = created.Id;
    for (const network of others) {
        await dockerCall("POST", `/networks/${encodeURIComponent(network.name)}/connect`, {
            body: { Container: id, EndpointConfig: { Aliases: network.aliases ?? [] } },
        });
    }
    const uploads = (inputs.uploads as Upload[] | undefined) ?? [];
    if (uploads.length > 0) {
        const archive = tarArchive(
            uploads.map((u) => ({
                path: u.file,
                content: u.contentBase64 !== undefined ? Buffer.from(u.contentBase64, "base64") : Buffer.from(u.content ?? "", "utf8"),
                mode: u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o744 : 0o644,
            })),
        );
        await dockerCall("PUT", `/containers/${id}/archive?path=/`, { raw: archive, contentType: "application/x-tar" });
    }
    await dockerCall("POST", `/containers/${id}/start`);
    if (inputs.wait === true) {
        await waitUntilHealthy(id, String(inputs.name), Number(inputs.waitTimeout ?? 60));
    }
    return id;
}

async function waitUntilHealthy(id: string, name: string, timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last: ContainerInspect | undefined;
    while (Date.now() < deadline) {
        last = await inspectContainer(id);
        if (!last.State.Health) {
            throw new Error(`container ${name}: wait is set but the container has no healthcheck`);
        }
        if (last.State.Health.Status === "healthy") {
            return;
        }
        if (last.State.Health.Status === "unhealthy" || (!last.State.Running && last.State.Status === "exited")) {
            break;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const logs = await dockerCall<string>("GET", `/containers/${id}/logs?stdout=true&stderr=true&tail=20`, { text: true }).catch(() => "");
    const output = last?.State.Health?.Log?.map((l) => l.Output.trim()).slice(-2).join(" | ");
    throw new Error(
        `container ${name} did not become healthy within ${timeoutSeconds} s (state ${last?.State.Status}, health ${last?.State.Health?.Status}; last check: ${output}); logs: ${logs.replace(/[^\x20-\x7e\n]/g, "").slice(-1500)}`,
    );
}

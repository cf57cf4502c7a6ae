/**
 * Creates the Swarm resources a program declares (`docker:index/service:Service`, `secret:Secret`,
 * `serviceConfig:ServiceConfig`, overlay `network:Network`, and `volume:Volume` / `remoteImage:
 * RemoteImage` on the manager) as real objects on a Swarm engine, through the Engine API, the way
 * @pulumi/docker 5.2.0 (kreuzwerker/terraform-provider-docker v4.5.0 under Pulumi's bridge) does,
 * and keeps their state across runs as the Pulumi engine would: create, update in place, replace
 * (delete-before-replace or create-before-delete), delete, retainOnDelete, protect, and a failed
 * update recorded with its new inputs so the next run updates again.
 *
 * It plugs into installMocks' `provision` hook like tests/docker/realDockerEngine.ts, passes the
 * program's dynamic resources to the DynamicEngine, and hands other `docker:*` resources
 * (containers, bridge networks) to a RealDockerEngine when one is given. Anything it does not model
 * fails the run, naming the input (tests/docker/swarm/serviceSpec.ts says what is modelled).
 *
 * Provider semantics reproduced here, with where they were read (resource_docker_*.go, v4.5.0):
 * - create asks the registry for the image (the docker client's QueryRegistry, which the provider
 *   sets on create only): a tag is pinned to its digest and the image's platforms are added to the
 *   placement; the next run then sees the state differ from the program (image pinned, platforms)
 *   and updates the service, as `pulumi up` would;
 * - convergeConfig waits (tests/docker/swarm/converge.ts); without it create/update return as soon
 *   as the engine accepted the spec;
 * - delete waits up to stopGracePeriod for the service's containers on the engine it talks to;
 *   networks are retried while they "have active endpoints" and volumes while "in use", for 30 s;
 * - secrets and configs cannot be updated: any change replaces them; the engine refuses to remove
 *   one a service still uses, and that error fails the run;
 * - replacement: Pulumi's default create-before-delete, except that the bridge asks for
 *   delete-before-replace when `name` was set explicitly (autonaming, nameRequiresDeleteBeforeReplace
 *   in pulumi-terraform-bridge); an explicit `deleteBeforeReplace` option overrides either way
 *   (pulumi/pulumi step_generator.go). Old objects of a create-before-delete replacement are deleted
 *   at the end of the run, with the resources the program dropped, newest first.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { DynamicEngine } from "../support/dynamicEngine";
import { RecordedOptions, reveal } from "../support/pulumiMocks";
import { dockerCall, DockerApiError } from "./dockerApi";
import { RealDockerEngine } from "./realDockerEngine";
import { convergeCreate, ConvergeError, convergeUpdate, readService, sleep, SwarmService, SwarmTask } from "./swarm/converge";
import {
    autoName,
    changedPaths,
    convergeSettings,
    durationProblems,
    goDurationNs,
    goDurationString,
    Inputs,
    NETWORK,
    normalizedDurations,
    refusedValues,
    REMOTE_IMAGE,
    replacingChanges,
    SECRET,
    SERVICE,
    SERVICE_CONFIG,
    serviceSpec,
    unmodelledInputs,
    VOLUME,
    withComputedFromState,
} from "./swarm/serviceSpec";

/** The engine the harness talks to: a Swarm manager's API socket. */
export interface SwarmTarget {
    /** Unix socket of the manager's Engine API; undefined = the local engine (DOCKER_SOCKET). */
    readonly socket?: string;
    readonly description: string;
}

interface Entry {
    type: string;
    /** Pulumi's logical name. */
    name: string;
    id: string;
    /** The name on the engine (given, or autonamed). */
    physicalName: string;
    autonamed: boolean;
    /** The program's inputs, secrets revealed, with the name filled in. */
    inputs: Inputs;
    /** What the provider's state holds: inputs, plus what a read brought back (pinned image, platforms). */
    state: Inputs;
    options: RecordedOptions;
    /** The last update failed: Pulumi updates again on the next run even without a change. */
    initError: boolean;
    /** RemoteImage only: the image was on the engine before, so the harness leaves it there. */
    preexisting?: boolean;
    sequence: number;
    /** Logical names of the resources it depends on (the request's dependencies): deleted after it. */
    dependsOn: string[];
}

export interface SwarmLogEntry {
    resource: string;
    action: "create" | "created" | "update" | "updated" | "replace" | "delete" | "retain" | "failed" | "warning";
    /** performance.now() when it was logged. */
    at: number;
    detail?: string;
}

const SWARM_TYPES = new Set([SERVICE, SECRET, SERVICE_CONFIG, VOLUME, REMOTE_IMAGE]);
const AUTONAMED = new Set([SERVICE, SECRET, SERVICE_CONFIG, NETWORK, VOLUME]);

/**
 * Options RecordedOptions does not carry, tapped from the same request: whether deleteBeforeReplace
 * was given at all (an explicit false overrides the provider), and ignoreChanges / replaceOnChanges,
 * which the harness does not model and therefore refuses.
 */
export interface ExtraOptions {
    deleteBeforeReplaceDefined: boolean;
    ignoreChanges: string[];
    replaceOnChanges: string[];
}
const extraOptions = new Map<string, ExtraOptions>();

/** What the last registration of `type::name` asked for beyond RecordedOptions (after tapExtraOptions). */
export function extraOptionsOf(type: string, name: string): ExtraOptions | undefined {
    return extraOptions.get(`${type}::${name}`);
}

/**
 * Pulumi's choice for a replacement: an explicit `deleteBeforeReplace` option wins (either way);
 * without one, the bridge deletes first when the program set `name` on a resource that would
 * otherwise be autonamed (nameRequiresDeleteBeforeReplace), else create-before-delete.
 */
export function replacementOrder(type: string, autonamed: boolean, extra: ExtraOptions | undefined, options: Pick<RecordedOptions, "deleteBeforeReplace">): "delete-first" | "create-first" {
    const deleteFirst = extra?.deleteBeforeReplaceDefined ? options.deleteBeforeReplace : !autonamed && AUTONAMED.has(type);
    return deleteFirst ? "delete-first" : "create-first";
}

/**
 * Pulumi's ignoreChanges on a Service, as the engine and the bridge apply it: the new inputs at an
 * ignored path take the value the state has there (the engine copies the old value in; the bridge
 * drops the path from the diff, so an update sends the state's value on). Only plain dotted paths
 * of a Service are modelled (no indexes or wildcards); anything else is refused by `register`.
 */
export function withIgnoredFromState(inputs: Inputs, state: Inputs | undefined, paths: readonly string[]): Inputs {
    if (!state || paths.length === 0) {
        return inputs;
    }
    const out: Inputs = structuredClone(inputs);
    for (const path of paths) {
        const keys = path.split(".");
        let from: unknown = state;
        for (const key of keys) {
            from = typeof from === "object" && from !== null ? (from as Inputs)[key] : undefined;
        }
        let into: Inputs = out;
        for (const key of keys.slice(0, -1)) {
            if (typeof into[key] !== "object" || into[key] === null) {
                if (from === undefined) {
                    into = {};
                    break;
                }
                into[key] = {};
            }
            into = into[key] as Inputs;
        }
        const last = keys[keys.length - 1];
        if (from === undefined) {
            delete into[last];
        } else {
            into[last] = structuredClone(from);
        }
    }
    return out;
}

/** Why an ignoreChanges path is not modelled, or undefined when it is. */
export function ignoreChangesProblem(type: string, path: string): string | undefined {
    if (type !== SERVICE) {
        return `ignoreChanges (${path}) is modelled on services only`;
    }
    if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) {
        return `ignoreChanges path ${JSON.stringify(path)}: only plain dotted input paths are modelled (no indexes, quotes or wildcards)`;
    }
    return undefined;
}

export function tapExtraOptions(): void {
    const prototype = MockMonitor.prototype as unknown as {
        registerResource(
            req: {
                getType(): string;
                getName(): string;
                getDeletebeforereplacedefined(): boolean;
                getIgnorechangesList(): string[];
                getReplaceonchangesList(): string[];
            },
            callback: unknown,
        ): Promise<void>;
        __swarmOptionsTapped?: boolean;
    };
    if (prototype.__swarmOptionsTapped) {
        return;
    }
    const original = prototype.registerResource;
    prototype.registerResource = function (this: unknown, req, callback) {
        extraOptions.set(`${req.getType()}::${req.getName()}`, {
            deleteBeforeReplaceDefined: req.getDeletebeforereplacedefined(),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
        });
        return original.call(this, req, callback);
    };
    prototype.__swarmOptionsTapped = true;
}

export class RealSwarmEngine {
    readonly state = new Map<string, Entry>();
    readonly log: SwarmLogEntry[] = [];
    /** Old objects of create-before-delete replacements, deleted at the end of a successful run. */
    private pendingDeletes: Entry[] = [];
    private registeredThisRun = new Set<string>();
    private sequence = 0;
    private readonly inFlight = new Set<Promise<unknown>>();
    /** Set by a run's first failure: as Pulumi's step executor, no new operation starts after it. */
    private runFailed = false;

    /**
     * @param dynamic the program's dynamic resources, and where failures are reported
     * @param target the Swarm manager to create on
     * @param containers the container harness for other `docker:*` resources (only on the local engine)
     */
    constructor(
        readonly dynamic: DynamicEngine,
        readonly target: SwarmTarget,
        readonly containers?: RealDockerEngine,
    ) {
        if (containers && target.socket !== undefined) {
            throw new Error("the container harness talks to the local engine only; do not combine it with a remote Swarm target");
        }
        tapExtraOptions();
    }

    private get socket(): string | undefined {
        return this.target.socket;
    }

    readonly provision = (args: pulumi.runtime.MockResourceArgs, options: RecordedOptions) => {
        const inputs = reveal<Inputs>(args.inputs);
        const mine = SWARM_TYPES.has(args.type) || (args.type === NETWORK && (inputs.driver === "overlay" || !this.containers));
        if (mine) {
            if (this.runFailed) {
                // a failed deployment starts nothing new; this registration never completes
                this.log.push({ resource: args.name, action: "warning", at: performance.now(), detail: "not started: the run already failed" });
                return new Promise<never>(() => undefined);
            }
            const work = this.register(args.type, args.name, inputs, options);
            this.inFlight.add(work);
            void work.catch(() => undefined).finally(() => this.inFlight.delete(work));
            return work.catch((error: unknown) => {
                this.runFailed = true;
                this.log.push({ resource: args.name, action: "failed", at: performance.now(), detail: String(error) });
                return this.dynamic.fail(error);
            });
        }
        if (args.type.startsWith("docker:")) {
            if (this.containers) {
                return this.containers.provision(args, options);
            }
            return this.dynamic.fail(new Error(`the Swarm harness does not support ${args.type} (resource ${args.name}) on ${this.target.description}`));
        }
        return this.dynamic.provision(args);
    };

    /** Waits for registrations still running (after a failed run, before the next one). */
    async idle(): Promise<void> {
        while (this.inFlight.size > 0) {
            await Promise.allSettled([...this.inFlight]);
        }
    }

    beginRun(): void {
        this.registeredThisRun = new Set();
        this.runFailed = false;
        if (this.containers) {
            this.containers.beginRun();
        } else {
            this.dynamic.beginRun();
        }
    }

    /** The end of a successful `pulumi up`: old objects of replacements and dropped resources are deleted, newest first. */
    async finishRun(): Promise<void> {
        if (this.containers) {
            await this.containers.finishRun();
        } else {
            await this.dynamic.finishRun();
        }
        const dropped = [...this.state.values()].filter((e) => !this.registeredThisRun.has(e.name));
        await this.removeInOrder([...this.pendingDeletes, ...dropped]);
    }

    /**
     * Deletes in reverse dependency order, as Pulumi does: a resource goes only after every doomed
     * resource that depends on it (a service before the secrets, configs and networks it uses).
     */
    private async removeInOrder(doomed: Entry[]): Promise<void> {
        let left = [...doomed].sort((a, b) => b.sequence - a.sequence);
        while (left.length > 0) {
            const free = left.find((e) => !left.some((o) => o !== e && o.name !== e.name && o.dependsOn.includes(e.name)));
            const next = free ?? left[0];
            await this.remove(next);
            left = left.filter((e) => e !== next);
            this.pendingDeletes = this.pendingDeletes.filter((e) => e !== next);
        }
    }

    /** `pulumi destroy`: dynamic resources and containers first, then the Swarm resources, newest first. */
    async destroy(): Promise<void> {
        if (this.containers) {
            await this.containers.destroy();
        } else {
            await this.dynamic.destroy();
        }
        await this.removeInOrder([...this.pendingDeletes, ...this.state.values()]);
    }

    /** The one resource of a type whose logical name contains `namePart`. */
    entry(type: string, namePart: string): Entry {
        const matches = [...this.state.values()].filter((e) => e.type === type && e.name.includes(namePart));
        if (matches.length !== 1) {
            throw new Error(`expected one ${type} named *${namePart}*, found ${matches.map((m) => m.name).join(", ") || "none"}`);
        }
        return matches[0];
    }

    actions(resource: string): SwarmLogEntry["action"][] {
        return this.log.filter((l) => l.resource === resource).map((l) => l.action);
    }

    private async register(type: string, name: string, given: Inputs, options: RecordedOptions): Promise<{ id: string; state: Inputs }> {
        const problems = [
            ...unmodelledInputs(type, given).map((path) => `cannot honour ${type} input ${path} of ${name}`),
            ...refusedValues(type, given).map((p) => `${type} ${name}: ${p}`),
            ...(type === SERVICE ? durationProblems(given).map((p) => `${type} ${name}: ${p}`) : []),
        ];
        const extra = extraOptions.get(`${type}::${name}`);
        for (const path of extra?.ignoreChanges ?? []) {
            const problem = ignoreChangesProblem(type, path);
            if (problem) {
                problems.push(`${type} ${name}: ${problem}`);
            }
        }
        if (extra?.replaceOnChanges.length) {
            problems.push(`${type} ${name}: the replaceOnChanges option (${extra.replaceOnChanges.join(", ")}) is not modelled`);
        }
        if (problems.length > 0) {
            throw new Error(`the Swarm harness refuses this program: ${problems.join("; ")}`);
        }
        this.registeredThisRun.add(name);
        const existing = this.state.get(name);
        const autonamed = AUTONAMED.has(type) && given.name === undefined;
        let inputs: Inputs = autonamed ? { ...given, name: existing?.inputs.name ?? autoName(name) } : given;
        if (existing) {
            const effective = type === SERVICE ? withIgnoredFromState(withComputedFromState(inputs, existing.state), existing.state, extra?.ignoreChanges ?? []) : inputs;
            // the service's state includes what the provider read back; the others compare inputs
            const changed = changedPaths(type === SERVICE ? existing.state : existing.inputs, effective);
            if (changed.length === 0 && !existing.initError) {
                existing.options = options;
                existing.dependsOn = dependencyNames(options);
                return this.result(existing);
            }
            existing.dependsOn = dependencyNames(options);
            const replacing = replacingChanges(type, changed);
            if (replacing.length === 0) {
                this.log.push({ resource: name, action: "update", at: performance.now(), detail: changed.join(", ") });
                await this.update(existing, effective, options);
                this.log.push({ resource: name, action: "updated", at: performance.now() });
                return this.result(existing);
            }
            if (existing.options.protect || options.protect) {
                throw new Error(`unable to replace resource ${name} (${type}) as it is currently marked for protection (changed: ${replacing.join(", ")})`);
            }
            if (autonamed) {
                inputs = { ...inputs, name: autoName(name) };
            }
            const deleteFirst = replacementOrder(type, autonamed, extra, options) === "delete-first";
            this.log.push({ resource: name, action: "replace", at: performance.now(), detail: `${replacing.join(", ")}${deleteFirst ? " (delete before replace)" : ""}` });
            if (deleteFirst) {
                await this.remove(existing);
                return this.result(await this.create(type, name, inputs, options, autonamed));
            }
            const created = await this.create(type, name, inputs, options, autonamed);
            this.pendingDeletes.push(existing);
            return this.result(created);
        }
        this.log.push({ resource: name, action: "create", at: performance.now() });
        const created = await this.create(type, name, inputs, options, autonamed);
        this.log.push({ resource: name, action: "created", at: performance.now() });
        return this.result(created);
    }

    private result(entry: Entry): { id: string; state: Inputs } {
        return { id: entry.id, state: { ...entry.state, id: entry.id } };
    }

    private async create(type: string, name: string, inputs: Inputs, options: RecordedOptions, autonamed: boolean): Promise<Entry> {
        let id: string;
        let state: Inputs = inputs;
        let preexisting: boolean | undefined;
        const socket = this.socket;
        switch (type) {
            case SECRET: {
                const created = await dockerCall<{ ID: string }>("POST", "/secrets/create", {
                    socket,
                    body: { Name: inputs.name, Data: inputs.data, Labels: labelMap(inputs.labels) },
                });
                id = created.ID;
                break;
            }
            case SERVICE_CONFIG: {
                const data = inputs.dataRaw !== undefined ? Buffer.from(String(inputs.dataRaw)).toString("base64") : inputs.data;
                const created = await dockerCall<{ ID: string }>("POST", "/configs/create", {
                    socket,
                    body: { Name: inputs.name, Data: data, Labels: labelMap(inputs.labels) },
                });
                id = created.ID;
                break;
            }
            case NETWORK: {
                const created = await dockerCall<{ Id: string }>("POST", "/networks/create", {
                    socket,
                    body: {
                        Name: inputs.name,
                        Driver: "overlay",
                        Attachable: inputs.attachable === true,
                        Internal: inputs.internal === true,
                        Labels: labelMap(inputs.labels),
                        Options: inputs.options ?? {},
                    },
                });
                id = created.Id;
                break;
            }
            case VOLUME: {
                const volume = await dockerCall<{ Name: string }>("POST", "/volumes/create", {
                    socket,
                    body: { Name: inputs.name, Driver: inputs.driver ?? "local", DriverOpts: inputs.driverOpts ?? {}, Labels: labelMap(inputs.labels) },
                });
                id = volume.Name;
                break;
            }
            case REMOTE_IMAGE: {
                const reference = String(inputs.name);
                preexisting = await dockerCall("GET", `/images/${encodeURIComponent(reference)}/json`, { socket }).then(
                    () => true,
                    () => false,
                );
                await dockerCall("POST", `/images/create?fromImage=${encodeURIComponent(reference)}`, { socket, timeoutMs: 600_000 });
                const image = await dockerCall<{ Id: string; RepoDigests: string[] }>("GET", `/images/${encodeURIComponent(reference)}/json`, { socket });
                id = image.Id;
                state = { ...inputs, imageId: image.Id, repoDigest: image.RepoDigests[0] ?? reference };
                break;
            }
            case SERVICE:
                ({ id, state } = await this.createService(name, inputs));
                break;
            default:
                throw new Error(`unreachable: ${type}`);
        }
        const entry: Entry = {
            type,
            name,
            id,
            physicalName: String(inputs.name),
            autonamed,
            inputs,
            state,
            options,
            initError: false,
            preexisting,
            sequence: ++this.sequence,
            dependsOn: dependencyNames(options),
        };
        this.state.set(name, entry);
        return entry;
    }

    /** resourceDockerServiceCreate. */
    private async createService(name: string, inputs: Inputs): Promise<{ id: string; state: Inputs }> {
        const socket = this.socket;
        const spec = serviceSpec(inputs) as { TaskTemplate: { ContainerSpec: { Image: string }; Placement: { Platforms?: unknown[] } } };
        // The docker client's QueryRegistry (client/service_create.go): distribution inspect; pin a tag
        // to its digest, add the image's platforms; on failure only a warning.
        const image = spec.TaskTemplate.ContainerSpec.Image;
        try {
            const dist = await dockerCall<{ Descriptor: { digest: string }; Platforms?: { architecture: string; os: string }[] }>(
                "GET",
                `/distribution/${encodeURIComponent(image)}/json`,
                { socket, timeoutMs: 30_000 },
            );
            if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
                // imageWithDigestString: reference.WithDigest keeps a tag if there is one
                spec.TaskTemplate.ContainerSpec.Image = `${image}@${dist.Descriptor.digest}`;
            }
            if (dist.Platforms && dist.Platforms.length > 0) {
                spec.TaskTemplate.Placement.Platforms = dist.Platforms.map((p) => ({ Architecture: p.architecture.toLowerCase() === "arm" ? "" : p.architecture, OS: p.os }));
            }
        } catch {
            this.log.push({
                resource: name,
                action: "warning",
                at: performance.now(),
                detail: `image ${image} could not be accessed on a registry to record its digest. Each node will access ${image} independently, possibly leading to different nodes running different versions of the image.`,
            });
        }
        const created = await dockerCall<{ ID: string; Warnings?: string[] | null }>("POST", "/services/create", { socket, body: spec });
        const converge = convergeSettings(inputs);
        if (converge) {
            let failure: Error | undefined;
            try {
                if ((await convergeCreate(this.target, created.ID, converge.delayNs, converge.timeoutNs)) === "timeout") {
                    failure = new ConvergeError(`Service with ID (${created.ID}) did not converge after ${goDurationString(converge.timeoutNs)}`);
                }
            } catch (error) {
                failure = error as Error;
            }
            if (failure) {
                // "the service will be deleted in case it cannot be converged"
                await this.deleteService(created.ID, inputs);
                throw new Error(`creating ${SERVICE} ${name}: ${failure.message}`);
            }
        }
        const live = await readService(this.target, created.ID);
        return { id: created.ID, state: readBack(inputs, live) };
    }

    /** resourceDockerServiceUpdate (no registry query on update). */
    private async update(entry: Entry, effective: Inputs, options: RecordedOptions): Promise<void> {
        if (entry.type !== SERVICE) {
            // only RemoteImage's keepLocally updates in place
            entry.inputs = effective;
            entry.state = { ...entry.state, ...effective };
            entry.options = options;
            return;
        }
        const socket = this.socket;
        const current = await dockerCall<SwarmService>("GET", `/services/${entry.id}`, { socket });
        // Pulumi records the new inputs whatever happens next (the bridge's partial state on a failed update)
        entry.inputs = effective;
        entry.state = effective;
        entry.options = options;
        entry.initError = true;
        await dockerCall("POST", `/services/${entry.id}/update?version=${current.Version.Index}`, { socket, body: serviceSpec(effective) });
        const converge = convergeSettings(effective);
        if (converge) {
            try {
                await convergeUpdate(this.target, entry.id, converge.timeoutNs);
            } catch (error) {
                throw new Error(`updating ${SERVICE} ${entry.name}: ${(error as Error).message}`);
            }
        }
        entry.state = readBack(effective, await readService(this.target, entry.id));
        entry.initError = false;
    }

    private async remove(entry: Entry): Promise<void> {
        if (entry.options.protect) {
            throw new Error(`unable to delete resource ${entry.name} (${entry.type}) as it is currently marked for protection`);
        }
        if (entry.options.retainOnDelete) {
            this.log.push({ resource: entry.name, action: "retain", at: performance.now() });
        } else {
            this.log.push({ resource: entry.name, action: "delete", at: performance.now() });
            const socket = this.socket;
            switch (entry.type) {
                case SERVICE:
                    await this.deleteService(entry.id, entry.state);
                    break;
                case SECRET:
                    await ignoreMissing(() => dockerCall("DELETE", `/secrets/${entry.id}`, { socket }));
                    break;
                case SERVICE_CONFIG:
                    await ignoreMissing(() => dockerCall("DELETE", `/configs/${entry.id}`, { socket }));
                    break;
                case NETWORK:
                    await retryWhile("has active endpoints", () => dockerCall("DELETE", `/networks/${entry.id}`, { socket }));
                    break;
                case VOLUME:
                    await retryWhile("volume is in use", () => dockerCall("DELETE", `/volumes/${encodeURIComponent(entry.id)}`, { socket }));
                    break;
                case REMOTE_IMAGE:
                    // Deliberately not the provider: an image that was on the (shared) engine before the
                    // run is left there; one the run pulled is removed unless keepLocally.
                    if (entry.state.keepLocally !== true && !entry.preexisting) {
                        await ignoreMissing(() => dockerCall("DELETE", `/images/${entry.id}`, { socket }));
                    }
                    break;
            }
        }
        if (this.state.get(entry.name) === entry) {
            this.state.delete(entry.name);
        }
    }

    /** deleteService: remember the running containers, remove the service, wait up to the grace period for them. */
    private async deleteService(serviceId: string, inputs: Inputs): Promise<void> {
        const socket = this.socket;
        const grace = (inputs.taskSpec as { containerSpec?: { stopGracePeriod?: string } } | undefined)?.containerSpec?.stopGracePeriod;
        const containers: string[] = [];
        if (grace !== undefined && grace !== "" && grace !== "0s") {
            const filters = encodeURIComponent(JSON.stringify({ service: [String(inputs.name)] }));
            const tasks = await dockerCall<SwarmTask[]>("GET", `/tasks?filters=${filters}`, { socket });
            for (const task of tasks) {
                const containerId = task.Status.ContainerStatus?.ContainerID?.trim();
                if (containerId && task.Status.State !== "shutdown") {
                    containers.push(containerId);
                }
            }
        }
        await ignoreMissing(() => dockerCall("DELETE", `/services/${serviceId}`, { socket }));
        const graceMs = grace ? goDurationNs(grace) / 1e6 : 0;
        for (const containerId of containers) {
            // ContainerWait(removed) bounded by the grace period; "No such container" is ignorable
            // (containers on other nodes are not on this engine), then a forced remove.
            await dockerCall("POST", `/containers/${containerId}/wait?condition=removed`, { socket, timeoutMs: Math.max(graceMs, 1) }).catch(() => undefined);
            await dockerCall("DELETE", `/containers/${containerId}?force=true&v=true`, { socket }).catch(() => undefined);
        }
    }
}

/**
 * What the provider's Read (after create and after update) puts into the state, where it can differ
 * from the program: the live image (pinned to a digest by the create), the placement platforms the
 * create added, and durations in shortDur form. The next run diffs the program against this.
 */
function readBack(inputs: Inputs, live: SwarmService): Inputs {
    const state = normalizedDurations(inputs) as { taskSpec: { containerSpec: Inputs; placement?: Inputs } } & Inputs;
    state.taskSpec.containerSpec.image = live.Spec.TaskTemplate.ContainerSpec.Image;
    const platforms = live.Spec.TaskTemplate.Placement?.Platforms ?? [];
    if (platforms.length > 0) {
        state.taskSpec.placement = { ...(state.taskSpec.placement ?? {}), platforms: platforms.map((p) => ({ architecture: p.Architecture, os: p.OS })) };
    }
    return state;
}

/** The logical names in the request's dependencies (URNs end with `::<name>`). */
function dependencyNames(options: RecordedOptions): string[] {
    return options.dependencies.map((urn) => urn.slice(urn.lastIndexOf("::") + 2));
}

function labelMap(labels: unknown): Record<string, string> {
    return Object.fromEntries(((labels as { label: string; value: string }[] | undefined) ?? []).map((l) => [l.label, l.value]));
}

async function ignoreMissing(action: () => Promise<unknown>): Promise<void> {
    try {
        await action();
    } catch (error) {
        if (!(error instanceof DockerApiError && error.status === 404)) {
            throw error;
        }
    }
}

/** The provider's remove refresh: first try after 2 s, retried while the engine says `message`, 30 s at most. */
async function retryWhile(message: string, action: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + 30_000;
    await sleep(2000);
    let wait = 5000;
    for (;;) {
        try {
            await ignoreMissing(action);
            return;
        } catch (error) {
            if (!String(error).includes(message) || Date.now() + wait > deadline) {
                throw error;
            }
        }
        await sleep(wait);
        wait = 10_000;
    }
}

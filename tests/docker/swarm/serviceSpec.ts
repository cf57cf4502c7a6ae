/**
 * The Swarm harness's mapping, without an engine: which inputs of the `docker:*` Swarm resources it
 * honours (anything else is refused, naming the input), how @pulumi/docker 5.2.0 turns them into
 * the Engine API's ServiceSpec, and which changes replace a resource instead of updating it.
 *
 * Read from the provider's source (kreuzwerker/terraform-provider-docker v4.5.0, the release
 * @pulumi/docker 5.2.0 is built from: its types have `init`, added in v4.5.0, and not the failed-task
 * logs of the later #959): internal/provider/resource_docker_service.go (schema: ForceNew,
 * Computed, Default), resource_docker_service_structures.go (createServiceSpec and friends),
 * resource_docker_secret.go, resource_docker_config.go, resource_docker_network.go,
 * resource_docker_volume.go.
 */
import { randomInt } from "node:crypto";

export type Inputs = Record<string, unknown>;

export const SERVICE = "docker:index/service:Service";
export const SECRET = "docker:index/secret:Secret";
export const SERVICE_CONFIG = "docker:index/serviceConfig:ServiceConfig";
export const NETWORK = "docker:index/network:Network";
export const VOLUME = "docker:index/volume:Volume";
export const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

/** A scalar, a list of a shape, a map of strings, or an object with known keys. */
type Shape = "scalar" | "map" | readonly [Shape] | { readonly [key: string]: Shape };

const LABELS: Shape = [{ label: "scalar", value: "scalar" }];
const UPDATE: Shape = {
    parallelism: "scalar",
    delay: "scalar",
    failureAction: "scalar",
    monitor: "scalar",
    maxFailureRatio: "scalar",
    order: "scalar",
};
const FILE_REF = { fileName: "scalar", fileUid: "scalar", fileGid: "scalar", fileMode: "scalar" } as const;

/**
 * What the harness models, per resource type. Inputs of @pulumi/docker 5.2.0 that are absent here
 * (service `auth`; containerSpec `privileges`, `dnsConfig`, `isolation`; taskSpec `runtime`,
 * `logDriver`; `resources.reservation.genericResources`; network `ingress`, `ipv6`, `ipam*`;
 * volume `cluster`) are refused.
 */
export const SHAPES: Record<string, Shape> = {
    [SERVICE]: {
        name: "scalar",
        labels: LABELS,
        mode: { replicated: { replicas: "scalar" }, global: "scalar" },
        updateConfig: UPDATE,
        rollbackConfig: UPDATE,
        convergeConfig: { delay: "scalar", timeout: "scalar" },
        endpointSpec: {
            mode: "scalar",
            ports: [{ name: "scalar", protocol: "scalar", targetPort: "scalar", publishedPort: "scalar", publishMode: "scalar" }],
        },
        taskSpec: {
            containerSpec: {
                image: "scalar",
                labels: LABELS,
                commands: ["scalar"],
                args: ["scalar"],
                hostname: "scalar",
                env: "map",
                dir: "scalar",
                user: "scalar",
                groups: ["scalar"],
                readOnly: "scalar",
                mounts: [
                    {
                        target: "scalar",
                        source: "scalar",
                        type: "scalar",
                        readOnly: "scalar",
                        volumeOptions: { noCopy: "scalar", labels: LABELS, driverName: "scalar", driverOptions: "map" },
                        tmpfsOptions: { sizeBytes: "scalar", mode: "scalar" },
                    },
                ],
                stopSignal: "scalar",
                stopGracePeriod: "scalar",
                healthcheck: { tests: ["scalar"], interval: "scalar", timeout: "scalar", startPeriod: "scalar", retries: "scalar" },
                hosts: [{ host: "scalar", ip: "scalar" }],
                secrets: [{ secretId: "scalar", secretName: "scalar", ...FILE_REF }],
                configs: [{ configId: "scalar", configName: "scalar", ...FILE_REF }],
                sysctl: "map",
                capAdds: ["scalar"],
                capDrops: ["scalar"],
                init: "scalar",
            },
            networksAdvanceds: [{ id: "scalar", name: "scalar", aliases: ["scalar"], driverOpts: ["scalar"] }],
            placement: {
                constraints: ["scalar"],
                prefs: ["scalar"],
                maxReplicas: "scalar",
                platforms: [{ architecture: "scalar", os: "scalar" }],
            },
            restartPolicy: { condition: "scalar", delay: "scalar", maxAttempts: "scalar", window: "scalar" },
            resources: { limits: { nanoCpus: "scalar", memoryBytes: "scalar" }, reservation: { nanoCpus: "scalar", memoryBytes: "scalar" } },
            forceUpdate: "scalar",
        },
    },
    [SECRET]: { name: "scalar", data: "scalar", labels: LABELS },
    [SERVICE_CONFIG]: { name: "scalar", data: "scalar", dataRaw: "scalar", labels: LABELS },
    [NETWORK]: { name: "scalar", driver: "scalar", attachable: "scalar", internal: "scalar", labels: LABELS, options: "map" },
    [VOLUME]: { name: "scalar", driver: "scalar", driverOpts: "map", labels: LABELS },
    [REMOTE_IMAGE]: { name: "scalar", keepLocally: "scalar" },
};

/** Every input path the harness does not model, e.g. `taskSpec.containerSpec.privileges`. */
export function unmodelledInputs(type: string, inputs: Inputs): string[] {
    const shape = SHAPES[type];
    if (!shape) {
        return ["(the resource type itself)"];
    }
    const found: string[] = [];
    walk(shape, inputs, "", found);
    return found;
}

function walk(shape: Shape, value: unknown, path: string, found: string[]): void {
    if (value === undefined || value === null) {
        return;
    }
    if (shape === "scalar") {
        if (typeof value === "object") {
            found.push(`${path} (expected a single value)`);
        }
        return;
    }
    if (shape === "map") {
        if (typeof value !== "object" || Array.isArray(value) || Object.values(value as object).some((v) => typeof v === "object" && v !== null)) {
            found.push(`${path} (expected a map of strings)`);
        }
        return;
    }
    if (Array.isArray(shape)) {
        if (!Array.isArray(value)) {
            found.push(`${path} (expected a list)`);
            return;
        }
        value.forEach((item, i) => walk(shape[0], item, `${path}[${i}]`, found));
        return;
    }
    if (typeof value !== "object" || Array.isArray(value)) {
        found.push(`${path} (expected an object)`);
        return;
    }
    const known = shape as Record<string, Shape>;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const at = path ? `${path}.${key}` : key;
        if (v === undefined) {
            continue;
        }
        if (!(key in known)) {
            found.push(at);
        } else {
            walk(known[key], v, at, found);
        }
    }
}

/** Values and settings the provider refuses in its schema validation, or that the harness does not model. */
export function refusedValues(type: string, inputs: Inputs): string[] {
    const problems: string[] = [];
    if (type === SERVICE) {
        const mode = inputs.mode as { global?: boolean; replicated?: unknown } | undefined;
        // the schema: global ConflictsWith mode.0.replicated and converge_config
        if (mode?.global === true && mode.replicated !== undefined) {
            problems.push('mode: "global" conflicts with mode.replicated (the provider\'s ConflictsWith)');
        }
        if (mode?.global === true && inputs.convergeConfig !== undefined) {
            problems.push('convergeConfig: conflicts with mode.global (the provider\'s ConflictsWith: it waits for replicated services only)');
        }
        const task = inputs.taskSpec as { containerSpec?: { mounts?: { type: string }[] } } | undefined;
        for (const [i, m] of (task?.containerSpec?.mounts ?? []).entries()) {
            if (m.type !== "volume" && m.type !== "tmpfs") {
                problems.push(`taskSpec.containerSpec.mounts[${i}].type "${m.type}": only volume and tmpfs mounts are modelled (no host paths)`);
            }
        }
        for (const key of ["updateConfig", "rollbackConfig"] as const) {
            const c = inputs[key] as Record<string, unknown> | undefined;
            if (c?.order !== undefined && !/^(stop-first|start-first)$/.test(String(c.order))) {
                problems.push(`${key}.order "${String(c.order)}": the provider accepts stop-first or start-first`);
            }
            const actions = key === "updateConfig" ? /^(pause|continue|rollback)$/ : /(pause|continue)/;
            if (c?.failureAction !== undefined && !actions.test(String(c.failureAction))) {
                problems.push(`${key}.failureAction "${String(c.failureAction)}" is refused by the provider's validation`);
            }
        }
        const endpoint = inputs.endpointSpec as { mode?: string; ports?: { publishMode?: string; protocol?: string }[] } | undefined;
        if (endpoint?.mode !== undefined && !/^(vip|dnsrr)$/.test(endpoint.mode)) {
            problems.push(`endpointSpec.mode "${endpoint.mode}": the provider accepts vip or dnsrr`);
        }
        for (const [i, p] of (endpoint?.ports ?? []).entries()) {
            if (p.publishMode !== undefined && !/^(host|ingress)$/.test(p.publishMode)) {
                problems.push(`endpointSpec.ports[${i}].publishMode "${p.publishMode}": the provider accepts host or ingress`);
            }
        }
        // stringSetToPlacementPrefs sends each entry verbatim as a SpreadDescriptor, and swarmkit's
        // scheduler spreads only over `node.labels.<key>` or `engine.labels.<key>` (nodeset.go); anything
        // else (`spread=node.id`, the CLI's syntax, or `node.id`) is silently ignored: a spread that does nothing
        const placement = (inputs.taskSpec as { placement?: { prefs?: unknown[] } } | undefined)?.placement;
        for (const [i, pref] of (placement?.prefs ?? []).entries()) {
            if (!/^(node|engine)\.labels\.[^\s=]+$/i.test(String(pref))) {
                problems.push(
                    `taskSpec.placement.prefs[${i}] ${JSON.stringify(pref)}: the provider sends it verbatim as the spread descriptor, and Swarm spreads only over node.labels.<key> or engine.labels.<key> (write it without "spread=")`,
                );
            }
        }
        const health = (task as { containerSpec?: { healthcheck?: { startInterval?: unknown } } })?.containerSpec?.healthcheck;
        if (health && "startInterval" in health) {
            problems.push("taskSpec.containerSpec.healthcheck.startInterval is not an input of @pulumi/docker 5.2.0's service healthcheck");
        }
    }
    if (type === NETWORK && inputs.driver !== "overlay") {
        problems.push(`driver "${String(inputs.driver ?? "bridge")}": the Swarm harness creates overlay networks only (bridge networks are the container harness's)`);
    }
    if (type === SERVICE_CONFIG && (inputs.data === undefined) === (inputs.dataRaw === undefined)) {
        problems.push("exactly one of data and dataRaw must be set (the provider's ExactlyOneOf)");
    }
    for (const key of ["data"]) {
        if ((type === SECRET || type === SERVICE_CONFIG) && inputs[key] !== undefined && !isStdBase64(String(inputs[key]))) {
            problems.push(`${key} is not base64: the provider validates it with base64.StdEncoding (validateStringIsBase64Encoded)`);
        }
    }
    if (type === SECRET && inputs.data === undefined) {
        problems.push("data is required");
    }
    return problems;
}

function isStdBase64(text: string): boolean {
    return /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text);
}

/**
 * Input paths whose change replaces the resource (ForceNew in the provider's schema). For the
 * Service: `name`, `taskSpec.containerSpec.hosts`, `taskSpec.containerSpec.sysctl` and every field
 * of `taskSpec.networksAdvanceds` (name, id, aliases, driverOpts), so any change of the attached
 * networks. `mode` is ForceNew only as a block (switching modes), which the harness refuses;
 * replicas change in place. Secrets, configs, networks and volumes have no updatable input at all.
 */
export function replacingChanges(type: string, changed: string[]): string[] {
    if (type === SERVICE) {
        return changed.filter(
            (path) =>
                path === "name" ||
                path.startsWith("taskSpec.containerSpec.hosts") ||
                path.startsWith("taskSpec.containerSpec.sysctl") ||
                path.startsWith("taskSpec.networksAdvanceds"),
        );
    }
    if (type === REMOTE_IMAGE) {
        return changed.filter((path) => path !== "keepLocally");
    }
    return changed;
}

/** The input paths (dotted, down to the first differing level) where two input trees differ. */
export function changedPaths(before: unknown, after: unknown, path = ""): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) {
        return [];
    }
    const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (isObject(before) && isObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
        return keys.flatMap((k) => changedPaths(before[k], after[k], path ? `${path}.${k}` : k));
    }
    return [path || "(root)"];
}

/**
 * Optional + Computed blocks of the service schema: left out of the program, they keep the value
 * the state has (Terraform shows no diff), so removing e.g. a healthcheck from the program does not
 * remove it from the service. `labels` (service), `mode`, `endpointSpec` at the top; in the task
 * spec `placement`, `restartPolicy`, `resources`, `forceUpdate`; in the container spec `healthcheck`,
 * `stopGracePeriod`, `init`.
 */
export function withComputedFromState(inputs: Inputs, state: Inputs | undefined): Inputs {
    if (!state) {
        return inputs;
    }
    const out: Inputs = structuredClone(inputs);
    for (const key of ["labels", "mode", "endpointSpec"]) {
        if (out[key] === undefined && state[key] !== undefined) {
            out[key] = structuredClone(state[key]);
        }
    }
    const task = (out.taskSpec ?? {}) as Inputs;
    const oldTask = (state.taskSpec ?? {}) as Inputs;
    for (const key of ["placement", "restartPolicy", "resources", "forceUpdate"]) {
        if (task[key] === undefined && oldTask[key] !== undefined) {
            task[key] = structuredClone(oldTask[key]);
        }
    }
    const container = (task.containerSpec ?? {}) as Inputs;
    const oldContainer = (oldTask.containerSpec ?? {}) as Inputs;
    for (const key of ["healthcheck", "stopGracePeriod", "init"]) {
        if (container[key] === undefined && oldContainer[key] !== undefined) {
            container[key] = structuredClone(oldContainer[key]);
        }
    }
    return out;
}

/**
 * Go's time.ParseDuration for the provider's duration strings ("5s", "1m30s", "500ms", "0s"),
 * in nanoseconds. The provider ignores parse errors and uses 0: so does this, but an unparsable
 * duration is refused before, in `durationProblems`.
 */
export function goDurationNs(value: unknown): number {
    if (value === undefined || value === null || value === "") {
        return 0;
    }
    const text = String(value);
    const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let consumed = 0;
    let match: RegExpExecArray | null;
    while ((match = re.exec(text)) !== null) {
        total += Number(match[1]) * units[match[2]];
        consumed = re.lastIndex;
    }
    if (text === "0") {
        return 0;
    }
    if (consumed !== text.length || consumed === 0) {
        throw new Error(`the Swarm harness cannot parse the duration "${text}" (Go's time.ParseDuration syntax, e.g. 5s, 1m30s)`);
    }
    return Math.round(total);
}

/** Go's Duration.String(): 180e9 -> "3m0s", 90e9 -> "1m30s", 5e8 -> "500ms". */
export function goDurationString(ns: number): string {
    if (ns === 0) {
        return "0s";
    }
    if (ns < 1e9) {
        return ns >= 1e6 ? `${ns / 1e6}ms` : ns >= 1e3 ? `${ns / 1e3}µs` : `${ns}ns`;
    }
    const hours = Math.floor(ns / 3600e9);
    const minutes = Math.floor((ns % 3600e9) / 60e9);
    const seconds = (ns % 60e9) / 1e9;
    return `${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${seconds}s`;
}

/** The provider's shortDur: Duration.String() without a trailing "0s" after minutes or "0m" after hours. */
export function shortDur(ns: number): string {
    let s = goDurationString(ns);
    if (s.endsWith("m0s")) {
        s = s.slice(0, -2);
    }
    if (s.endsWith("h0m")) {
        s = s.slice(0, -2);
    }
    return s;
}

/**
 * The service's duration inputs as the provider's Read writes them back into the state (shortDur
 * of the engine's value): "90s" comes back as "1m30s", "2m0s" as "2m", "1000ms" as "1s". A program
 * that writes a duration otherwise therefore differs from its state on every run, and every
 * `pulumi up` updates the service again (the schema has no DiffSuppressFunc for them).
 * convergeConfig is not read back (the engine does not know it).
 */
export function normalizedDurations(inputs: Inputs): Inputs {
    const out = structuredClone(inputs);
    const norm = (o: Inputs | undefined, keys: string[]) => {
        for (const key of keys) {
            if (o && o[key] !== undefined) {
                o[key] = shortDur(goDurationNs(o[key]));
            }
        }
    };
    norm(out.updateConfig as Inputs | undefined, ["delay", "monitor"]);
    norm(out.rollbackConfig as Inputs | undefined, ["delay", "monitor"]);
    const task = out.taskSpec as Inputs | undefined;
    const container = task?.containerSpec as Inputs | undefined;
    norm(container, ["stopGracePeriod"]);
    norm(container?.healthcheck as Inputs | undefined, ["interval", "timeout", "startPeriod"]);
    norm(task?.restartPolicy as Inputs | undefined, ["delay", "window"]);
    return out;
}

/** Every duration input of a service, checked up front so that a typo fails the run by name. */
export function durationProblems(inputs: Inputs): string[] {
    const paths: [string, unknown][] = [];
    const t = (inputs.taskSpec ?? {}) as Inputs;
    const c = (t.containerSpec ?? {}) as Inputs;
    const h = (c.healthcheck ?? {}) as Inputs;
    const r = (t.restartPolicy ?? {}) as Inputs;
    for (const key of ["updateConfig", "rollbackConfig"]) {
        const u = (inputs[key] ?? {}) as Inputs;
        paths.push([`${key}.delay`, u.delay], [`${key}.monitor`, u.monitor]);
    }
    const cc = (inputs.convergeConfig ?? {}) as Inputs;
    paths.push(["convergeConfig.delay", cc.delay], ["convergeConfig.timeout", cc.timeout]);
    paths.push(["taskSpec.containerSpec.stopGracePeriod", c.stopGracePeriod]);
    for (const key of ["interval", "timeout", "startPeriod"]) {
        paths.push([`taskSpec.containerSpec.healthcheck.${key}`, h[key]]);
    }
    paths.push(["taskSpec.restartPolicy.delay", r.delay], ["taskSpec.restartPolicy.window", r.window]);
    const problems: string[] = [];
    for (const [path, value] of paths) {
        try {
            goDurationNs(value);
        } catch (error) {
            problems.push(`${path}: ${(error as Error).message}`);
        }
    }
    return problems;
}

interface LabelInput {
    label: string;
    value: string;
}

function labelMap(labels: unknown): Record<string, string> {
    return Object.fromEntries(((labels as LabelInput[] | undefined) ?? []).map((l) => [l.label, l.value]));
}

/** Go map iteration order is random: mapTypeMapValsToStringSlice gives env in a different order each run. */
function goMapOrder<T>(items: T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
}

/**
 * createServiceSpec: the ServiceSpec the provider sends for these (effective) inputs. As in the
 * provider, fields the program leaves out are still sent with their zero value where the provider
 * reads them unconditionally: in particular `StopGracePeriod` is 0 (the engine then kills a task's
 * container right after the stop signal) unless `stopGracePeriod` is set, the healthcheck is `{}`
 * (the image's own) unless set, `Isolation` is "default" and `Init` false. `env` goes out in Go's
 * random map order, so an update can restart tasks even when only the order differs.
 */
export function serviceSpec(inputs: Inputs): Record<string, unknown> {
    const task = (inputs.taskSpec ?? {}) as Inputs;
    const c = (task.containerSpec ?? {}) as Inputs;
    const health = c.healthcheck as Inputs | undefined;
    const placement = (task.placement ?? {}) as Inputs;
    const restart = (task.restartPolicy ?? {}) as Inputs;
    const resources = (task.resources ?? {}) as { limits?: Inputs; reservation?: Inputs };
    const mode = inputs.mode as { replicated?: { replicas?: number } } | undefined;
    const endpoint = (inputs.endpointSpec ?? {}) as { mode?: string; ports?: Inputs[] };
    const fileRef = (ref: Inputs) => ({
        Name: ref.fileName,
        UID: String(ref.fileUid ?? "0"),
        GID: String(ref.fileGid ?? "0"),
        Mode: Number(ref.fileMode ?? 0o444),
    });
    const containerSpec: Record<string, unknown> = {
        Image: c.image,
        Labels: labelMap(c.labels),
        Command: c.commands,
        Args: c.args,
        Hostname: c.hostname ?? "",
        Env: goMapOrder(Object.entries((c.env ?? {}) as Record<string, string>).filter(([k]) => k.length > 0).map(([k, v]) => `${k}=${v}`)),
        Dir: c.dir ?? "",
        User: c.user ?? "",
        Groups: c.groups,
        ReadOnly: c.readOnly === true,
        Mounts: ((c.mounts ?? []) as Inputs[]).map((m) => {
            const volume = m.volumeOptions as Inputs | undefined;
            const tmpfs = m.tmpfsOptions as Inputs | undefined;
            return {
                Type: m.type,
                Target: m.target,
                Source: m.source ?? "",
                ReadOnly: m.readOnly === true,
                VolumeOptions: volume
                    ? {
                          NoCopy: volume.noCopy === true,
                          Labels: labelMap(volume.labels),
                          DriverConfig:
                              volume.driverName !== undefined || volume.driverOptions !== undefined
                                  ? { Name: volume.driverName ?? "", Options: volume.driverOptions ?? {} }
                                  : undefined,
                      }
                    : undefined,
                TmpfsOptions: tmpfs ? { SizeBytes: tmpfs.sizeBytes ?? 0, Mode: tmpfs.mode ?? 0 } : undefined,
            };
        }),
        StopSignal: c.stopSignal ?? "",
        StopGracePeriod: goDurationNs(c.stopGracePeriod),
        Healthcheck: health
            ? {
                  Test: health.tests,
                  Interval: goDurationNs(health.interval ?? "0s"),
                  Timeout: goDurationNs(health.timeout ?? "0s"),
                  StartPeriod: goDurationNs(health.startPeriod ?? "0s"),
                  Retries: Number(health.retries ?? 0),
              }
            : {},
        Hosts: ((c.hosts ?? []) as Inputs[]).map((h) => `${String(h.ip)} ${String(h.host)}`),
        Secrets: ((c.secrets ?? []) as Inputs[]).map((s) => ({ SecretID: s.secretId, SecretName: s.secretName ?? "", File: fileRef(s) })),
        Configs: ((c.configs ?? []) as Inputs[]).map((s) => ({ ConfigID: s.configId, ConfigName: s.configName ?? "", File: fileRef(s) })),
        Isolation: "default",
        Sysctls: c.sysctl ?? {},
        CapabilityAdd: c.capAdds,
        CapabilityDrop: c.capDrops,
        Init: c.init === true,
    };
    const spec: Record<string, unknown> = {
        Name: inputs.name,
        Labels: inputs.labels ? labelMap(inputs.labels) : undefined,
        TaskTemplate: {
            ContainerSpec: containerSpec,
            Resources: {
                Limits: resources.limits ? { NanoCPUs: resources.limits.nanoCpus ?? 0, MemoryBytes: resources.limits.memoryBytes ?? 0 } : undefined,
                Reservations: resources.reservation
                    ? { NanoCPUs: resources.reservation.nanoCpus ?? 0, MemoryBytes: resources.reservation.memoryBytes ?? 0 }
                    : undefined,
            },
            // createRestartPolicy: an empty policy (engine defaults: any, 5s) without the block; with it,
            // every field is sent, so a left-out delay/window is 0 and maxAttempts 0 (unlimited)
            RestartPolicy: task.restartPolicy
                ? {
                      Condition: restart.condition ?? "",
                      Delay: goDurationNs(restart.delay),
                      MaxAttempts: Number(restart.maxAttempts ?? 0),
                      Window: goDurationNs(restart.window),
                  }
                : {},
            Placement: {
                Constraints: placement.constraints,
                // stringSetToPlacementPrefs: the whole string becomes the SpreadDescriptor, so
                // `spread=node.id` is sent as the descriptor "spread=node.id", not "node.id".
                Preferences: ((placement.prefs ?? []) as string[]).map((p) => ({ Spread: { SpreadDescriptor: p } })),
                Platforms: ((placement.platforms ?? []) as { architecture: string; os: string }[]).map((p) => ({ Architecture: p.architecture, OS: p.os })),
                MaxReplicas: Number(placement.maxReplicas ?? 0),
            },
            ForceUpdate: Number(task.forceUpdate ?? 0),
            Runtime: "",
            Networks: ((task.networksAdvanceds ?? []) as Inputs[]).map((n) => ({
                Target: n.id ?? n.name,
                Aliases: n.aliases ?? [],
                DriverOpts: Object.fromEntries(((n.driverOpts ?? []) as string[]).map((o) => [o.split("=")[0], o.split("=").slice(1).join("=")])),
            })),
        },
        // createServiceMode: without a mode block an empty ServiceMode, which the engine makes replicated 1
        Mode:
            (mode as { global?: boolean } | undefined)?.global === true
                ? { Global: {} }
                : mode?.replicated !== undefined
                  ? { Replicated: { Replicas: Number(mode.replicated.replicas ?? 1) } }
                  : {},
        UpdateConfig: updateOrRollback(inputs.updateConfig as Inputs | undefined, "pause"),
        RollbackConfig: updateOrRollback(inputs.rollbackConfig as Inputs | undefined, "pause"),
        EndpointSpec: {
            Mode: endpoint.mode ?? "",
            Ports: (endpoint.ports ?? []).map((p) => ({
                Name: p.name ?? "",
                Protocol: p.protocol ?? "tcp",
                TargetPort: p.targetPort,
                PublishedPort: p.publishedPort ?? 0,
                PublishMode: p.publishMode ?? "ingress",
            })),
        },
    };
    return spec;
}

/** createUpdateOrRollbackConfig with the schema's defaults (parallelism 1, delay 0s, monitor 5s, ratio 0, stop-first). */
function updateOrRollback(config: Inputs | undefined, defaultAction: string): Record<string, unknown> | undefined {
    if (!config) {
        return undefined;
    }
    return {
        Parallelism: Number(config.parallelism ?? 1),
        Delay: goDurationNs(config.delay ?? "0s"),
        FailureAction: config.failureAction ?? defaultAction,
        Monitor: goDurationNs(config.monitor ?? "5s"),
        MaxFailureRatio: Number(config.maxFailureRatio ?? "0.0"),
        Order: config.order ?? "stop-first",
    };
}

/** convergeConfig with the schema's defaults: delay 7s, timeout 3m. */
export function convergeSettings(inputs: Inputs): { delayNs: number; timeoutNs: number } | undefined {
    const c = inputs.convergeConfig as Inputs | undefined;
    if (!c) {
        return undefined;
    }
    return { delayNs: goDurationNs(c.delay ?? "7s"), timeoutNs: goDurationNs(c.timeout ?? "3m") };
}

/**
 * Pulumi's autonaming for bridged providers (`SetAutonaming(255, "-")` in pulumi-docker's
 * resources.go): a resource without `name` gets `<logical name>-<7 random hex>`, kept on updates
 * and drawn anew on a replacement.
 */
export function autoName(logicalName: string): string {
    return `${logicalName}-${Array.from({ length: 7 }, () => randomInt(16).toString(16)).join("")}`;
}

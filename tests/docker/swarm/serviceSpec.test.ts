/**
 * The Swarm harness's mapping on its own, no engine needed: what it refuses before touching an
 * engine, the ServiceSpec it sends for @pulumi/docker's inputs (as the provider's
 * createServiceSpec builds it), which changes replace, and the provider's duration forms.
 */
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { DynamicEngine } from "../../support/dynamicEngine";
import { RecordedOptions } from "../../support/pulumiMocks";
import { RealDockerEngine } from "../realDockerEngine";
import { ignoreChangesProblem, RealSwarmEngine, replacementOrder, withIgnoredFromState } from "../realSwarmEngine";
import {
    changedPaths,
    goDurationNs,
    goDurationString,
    normalizedDurations,
    replacingChanges,
    SERVICE,
    serviceSpec,
    refusedValues,
    shortDur,
    unmodelledInputs,
    withComputedFromState,
} from "./serviceSpec";

const OPTIONS: RecordedOptions = { retainOnDelete: false, deleteBeforeReplace: false, protect: false, dependencies: [], parent: "", additionalSecretOutputs: [] };

class RecordingEngine extends DynamicEngine {
    readonly failures: unknown[] = [];
    override fail(error: unknown): Promise<never> {
        this.failures.push(error);
        return new Promise<never>(() => undefined);
    }
}

/** A registration against a socket nobody listens on: only refusals can come back. */
async function provision(type: string, inputs: Record<string, unknown>): Promise<string> {
    const dynamic = new RecordingEngine();
    const engine = new RealSwarmEngine(dynamic, { socket: "/nonexistent/aiterm-swarm-test.sock", description: "no engine" });
    engine.beginRun();
    void engine.provision({ type, name: "r", inputs } as pulumi.runtime.MockResourceArgs, OPTIONS);
    for (let waited = 0; dynamic.failures.length === 0 && waited < 3000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return String(dynamic.failures[0]);
}

const service = (containerSpec: Record<string, unknown> = {}, rest: Record<string, unknown> = {}) => ({
    name: "s",
    taskSpec: { containerSpec: { image: "i", ...containerSpec } },
    ...rest,
});

describe("the Swarm harness's refusals", () => {
    it("names every input it does not model instead of dropping it", () => {
        expect(
            unmodelledInputs(SERVICE, {
                ...service({ privileges: { seLinuxContext: { disable: true } }, dnsConfig: { nameservers: ["1.1.1.1"] } }),
                auth: { serverAddress: "r" },
            }),
        ).toEqual(["taskSpec.containerSpec.privileges", "taskSpec.containerSpec.dnsConfig", "auth"]);
        expect(unmodelledInputs(SERVICE, service({}, { taskSpec: { containerSpec: { image: "i" }, logDriver: { name: "json-file" } } }))).toEqual([
            "taskSpec.logDriver",
        ]);
    });

    it("fails the run naming the input, before any engine call", async () => {
        expect(await provision(SERVICE, service({ isolation: "hyperv" }))).toMatch(/cannot honour docker:index\/service:Service input taskSpec.containerSpec.isolation of r/);
    });

    it("refuses what it does not model or the provider would refuse", async () => {
        expect(await provision(SERVICE, service({}, { mode: { global: true }, convergeConfig: { timeout: "1m" } }))).toMatch(/convergeConfig: conflicts with mode.global/);
        expect(await provision(SERVICE, service({ mounts: [{ type: "bind", source: "/etc", target: "/x" }] }))).toMatch(/only volume and tmpfs mounts/);
        expect(await provision(SERVICE, service({}, { updateConfig: { order: "start-last" } }))).toMatch(/updateConfig.order "start-last"/);
        expect(await provision(SERVICE, service({ stopGracePeriod: "10 seconds" }))).toMatch(/cannot parse the duration "10 seconds"/);
        expect(await provision("docker:index/network:Network", { name: "n", driver: "bridge" })).toMatch(/overlay networks only/);
        expect(await provision("docker:index/secret:Secret", { name: "x", data: "not base64!" })).toMatch(/data is not base64/);
        expect(await provision("docker:index/serviceConfig:ServiceConfig", { name: "x" })).toMatch(/exactly one of data and dataRaw/);
        expect(await provision("docker:index/container:Container", { name: "c", image: "i" })).toMatch(/does not support docker:index\/container:Container/);
    });

    it("refuses a spread preference Swarm ignores (the provider sends it verbatim: `spread=node.id` spreads over nothing)", async () => {
        const withPrefs = (prefs: string[]) => service({}, { taskSpec: { containerSpec: { image: "i" }, placement: { prefs } } });
        expect(refusedValues(SERVICE, withPrefs(["spread=node.id"]))).toEqual([expect.stringMatching(/prefs\[0\] "spread=node.id": .*node.labels.<key> or engine.labels.<key> \(write it without "spread="\)/)]);
        expect(refusedValues(SERVICE, withPrefs(["node.id"]))).toHaveLength(1);
        expect(refusedValues(SERVICE, withPrefs(["node.labels.zone", "engine.labels.rack"]))).toEqual([]);
        expect(await provision(SERVICE, withPrefs(["spread=node.labels.zone"]))).toMatch(/taskSpec.placement.prefs\[0\]/);
    });

    it("hands containers to the container harness when it has one, which applies its own refusals", async () => {
        const dynamic = new RecordingEngine();
        const engine = new RealSwarmEngine(dynamic, { description: "the local engine" }, new RealDockerEngine(dynamic));
        engine.beginRun();
        void engine.provision({ type: "docker:index/container:Container", name: "c", inputs: { name: "c", image: "i", devices: [{ hostPath: "/dev/null" }] } } as pulumi.runtime.MockResourceArgs, OPTIONS);
        for (let waited = 0; dynamic.failures.length === 0 && waited < 3000; waited += 10) {
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(String(dynamic.failures[0])).toMatch(/the real-Docker harness cannot honour docker:index\/container:Container input\(s\) devices of c/);
    });
});

describe("the ServiceSpec the provider sends", () => {
    it("sends a zero stop grace period and the image's healthcheck when the program sets neither", () => {
        const spec = serviceSpec(service()) as { TaskTemplate: { ContainerSpec: Record<string, unknown>; RestartPolicy: unknown }; Mode: unknown };
        expect(spec.TaskTemplate.ContainerSpec.StopGracePeriod).toBe(0);
        expect(spec.TaskTemplate.ContainerSpec.Healthcheck).toEqual({});
        expect(spec.TaskTemplate.ContainerSpec.Isolation).toBe("default");
        expect(spec.TaskTemplate.RestartPolicy).toEqual({});
        expect(spec.Mode).toEqual({});
        expect(serviceSpec(service({}, { mode: { global: true } })).Mode).toEqual({ Global: {} });
    });

    it("maps secrets and configs as files (mode 0444 by default), spread preferences verbatim, and fills the schema's defaults", () => {
        const full = serviceSpec({
            name: "s",
            mode: { replicated: { replicas: 3 } },
            updateConfig: { order: "start-first", failureAction: "rollback" },
            taskSpec: {
                containerSpec: {
                    image: "i",
                    secrets: [{ secretId: "sid", secretName: "sn", fileName: "/run/secrets/a" }],
                    configs: [{ configId: "cid", fileName: "/etc/c", fileMode: 0o440, fileUid: "1000" }],
                    env: { A: "1", B: "2" },
                    stopGracePeriod: "40s",
                },
                placement: { prefs: ["spread=node.id"], maxReplicas: 2 },
                restartPolicy: { condition: "on-failure" },
            },
        }) as Record<string, any>;
        const c = full.TaskTemplate.ContainerSpec;
        expect(c.Secrets).toEqual([{ SecretID: "sid", SecretName: "sn", File: { Name: "/run/secrets/a", UID: "0", GID: "0", Mode: 0o444 } }]);
        expect(c.Configs).toEqual([{ ConfigID: "cid", ConfigName: "", File: { Name: "/etc/c", UID: "1000", GID: "0", Mode: 0o440 } }]);
        expect([...c.Env].sort()).toEqual(["A=1", "B=2"]);
        expect(c.StopGracePeriod).toBe(40e9);
        expect(full.Mode).toEqual({ Replicated: { Replicas: 3 } });
        expect(full.UpdateConfig).toEqual({ Parallelism: 1, Delay: 0, FailureAction: "rollback", Monitor: 5e9, MaxFailureRatio: 0, Order: "start-first" });
        expect(full.RollbackConfig).toBeUndefined();
        expect(full.TaskTemplate.Placement.Preferences).toEqual([{ Spread: { SpreadDescriptor: "spread=node.id" } }]);
        expect(full.TaskTemplate.Placement.MaxReplicas).toBe(2);
        // with the block, every field goes out: a left-out delay is 0 (the engine's own default is 5 s)
        expect(full.TaskTemplate.RestartPolicy).toEqual({ Condition: "on-failure", Delay: 0, MaxAttempts: 0, Window: 0 });
        expect(full.EndpointSpec).toEqual({ Mode: "", Ports: [] });
    });
});

describe("what replaces, what updates in place", () => {
    it("replaces a service for its name, hosts, sysctls and networks; updates everything else in place", () => {
        const before = service({ image: "a", env: { X: "1" } }, { mode: { replicated: { replicas: 2 } } });
        const after = service({ image: "b", env: { X: "2" } }, { mode: { replicated: { replicas: 3 } } });
        const changed = changedPaths(before, after);
        expect(changed).toEqual(["taskSpec.containerSpec.image", "taskSpec.containerSpec.env.X", "mode.replicated.replicas"]);
        expect(replacingChanges(SERVICE, changed)).toEqual([]);
        expect(replacingChanges(SERVICE, ["taskSpec.networksAdvanceds", "taskSpec.containerSpec.hosts", "name", "labels"])).toEqual([
            "taskSpec.networksAdvanceds",
            "taskSpec.containerSpec.hosts",
            "name",
        ]);
        expect(replacingChanges("docker:index/secret:Secret", ["labels"])).toEqual(["labels"]);
        expect(replacingChanges("docker:index/remoteImage:RemoteImage", ["keepLocally"])).toEqual([]);
    });

    it("keeps a computed block the program stopped setting (a removed healthcheck stays on the service)", () => {
        const state = service({ healthcheck: { tests: ["CMD", "true"] }, stopGracePeriod: "30s" });
        const next = withComputedFromState(service(), state) as Record<string, any>;
        expect(next.taskSpec.containerSpec.healthcheck).toEqual({ tests: ["CMD", "true"] });
        expect(next.taskSpec.containerSpec.stopGracePeriod).toBe("30s");
        expect(changedPaths(state, next)).toEqual([]);
    });
});

describe("durations", () => {
    it("parses Go durations and prints them as Go does", () => {
        expect(goDurationNs("1m30s")).toBe(90e9);
        expect(goDurationNs("500ms")).toBe(5e8);
        expect(goDurationNs("0")).toBe(0);
        expect(goDurationString(180e9)).toBe("3m0s");
        expect(goDurationString(5e8)).toBe("500ms");
        expect(shortDur(180e9)).toBe("3m");
        expect(shortDur(3600e9)).toBe("1h");
        expect(shortDur(90e9)).toBe("1m30s");
    });

    it("reads durations back in the provider's short form, so a differently written one differs on every run", () => {
        const program = service({ stopGracePeriod: "90s", healthcheck: { interval: "1000ms" } }, { updateConfig: { monitor: "2m0s" } });
        const state = normalizedDurations(program) as Record<string, any>;
        expect(state.taskSpec.containerSpec.stopGracePeriod).toBe("1m30s");
        expect(state.taskSpec.containerSpec.healthcheck.interval).toBe("1s");
        expect(state.updateConfig.monitor).toBe("2m");
        expect(changedPaths(state, program)).toEqual([
            "taskSpec.containerSpec.stopGracePeriod",
            "taskSpec.containerSpec.healthcheck.interval",
            "updateConfig.monitor",
        ]);
    });
});

describe("Pulumi's options the harness models", () => {
    it("replaces an explicitly named secret or config delete-first unless deleteBeforeReplace: false says otherwise", () => {
        const secret = "docker:index/secret:Secret";
        const none = { deleteBeforeReplaceDefined: false, ignoreChanges: [], replaceOnChanges: [] };
        const explicitFalse = { ...none, deleteBeforeReplaceDefined: true };
        expect(replacementOrder(secret, false, none, { deleteBeforeReplace: false })).toBe("delete-first");
        expect(replacementOrder(secret, false, explicitFalse, { deleteBeforeReplace: false })).toBe("create-first");
        expect(replacementOrder(secret, true, none, { deleteBeforeReplace: false })).toBe("create-first");
        expect(replacementOrder(secret, true, explicitFalse, { deleteBeforeReplace: true })).toBe("delete-first");
        expect(replacementOrder("docker:index/remoteImage:RemoteImage", false, none, { deleteBeforeReplace: false })).toBe("create-first");
    });

    it("ignores changes at a service path by keeping the state's value there (the platforms the create added)", () => {
        const state = service({}, { taskSpec: { containerSpec: { image: "i@sha256:x" }, placement: { platforms: [{ architecture: "amd64", os: "linux" }] } } });
        const program = service({}, { taskSpec: { containerSpec: { image: "i@sha256:x" } } });
        expect(changedPaths(state, program)).toEqual(["taskSpec.placement"]);
        const effective = withIgnoredFromState(program, state, ["taskSpec.placement.platforms"]);
        expect(changedPaths(state, effective)).toEqual([]);
        // another change still goes out, with the state's platforms in the spec it sends
        const changed = withIgnoredFromState(service({ env: { A: "1" } }, { taskSpec: { containerSpec: { image: "i@sha256:x", env: { A: "1" } } } }), state, ["taskSpec.placement.platforms"]);
        expect(changedPaths(state, changed)).toEqual(["taskSpec.containerSpec.env"]);
        expect((serviceSpec(changed) as { TaskTemplate: { Placement: unknown } }).TaskTemplate.Placement).toMatchObject({ Platforms: [{ Architecture: "amd64", OS: "linux" }] });
        // a path the state does not have is removed from the new inputs too
        expect(withIgnoredFromState(service({ user: "1" }), service(), ["taskSpec.containerSpec.user"])).toEqual(service());
    });

    it("models ignoreChanges on plain service paths only, and says so for anything else", () => {
        expect(ignoreChangesProblem(SERVICE, "taskSpec.placement.platforms")).toBeUndefined();
        expect(ignoreChangesProblem(SERVICE, "taskSpec.networksAdvanceds[0].id")).toMatch(/only plain dotted input paths/);
        expect(ignoreChangesProblem(SERVICE, "labels.*")).toMatch(/only plain dotted/);
        expect(ignoreChangesProblem("docker:index/secret:Secret", "data")).toMatch(/on services only/);
    });
});

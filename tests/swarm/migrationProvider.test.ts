/**
 * The one-shot migration: its plain decisions, then the provider against a fake Docker engine
 * (create runs the job once and removes it; a failure fails with the task's reason and redacted log
 * lines; update never runs anything), then the provider as Pulumi ships it (serialized).
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { demuxDockerLogs, parseEngineHost, redactLogText } from "../../components/swarm/engineClient";
import {
    jobServiceSpec,
    jobVerdict,
    MigrationJobInputs,
    MigrationJobOutputs,
    migrationJobProvider,
    validateMigrationInputs,
} from "../../components/swarm/migrationProvider";
import { loadModuleNatively } from "../support/nativeProgram";
import { FakeEngine, startFakeEngine } from "./fakeEngine";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

const IMAGE = "ghcr.io/berriai/litellm-database:v1.104.0@sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218";
const KEY = "f3b8f7e0ebeafd97beadafa6e04fa4ad8038cc41e74235df132b232e98f667a7";

function inputsFor(engine: FakeEngine | undefined, overrides: Partial<MigrationJobInputs> = {}): MigrationJobInputs {
    return {
        resourceKind: "SwarmMigrationJob",
        engineHost: engine ? `unix://${engine.socketPath}` : "unix:///var/run/docker.sock",
        serviceName: `litellm-swarm-migrate-${KEY.slice(0, 12)}`,
        image: IMAGE,
        migrationKey: KEY,
        command: ["/bin/sh", "/usr/local/bin/aiterm-litellm-start"],
        args: ["migrate"],
        env: { DISABLE_SCHEMA_UPDATE: "false", ENFORCE_PRISMA_MIGRATION_CHECK: "true", LITELLM_LOG: "INFO" },
        secrets: [{ id: "secret-db", name: "litellm-swarm-database-url-0123456789abcdef", fileName: "DATABASE_URL" }],
        configs: [{ id: "config-start", name: "litellm-swarm-start-0123456789abcdef", fileName: "/usr/local/bin/aiterm-litellm-start" }],
        networks: ["net-backend", "net-frontend"],
        labels: { "aiterm-litellm.role": "migration" },
        user: "1000:1000",
        tmpfs: { target: "/tmp", sizeBytes: 512 * 1024 * 1024, mode: 0o1777 },
        memoryBytes: 2048 * 1024 * 1024,
        timeoutSeconds: 5,
        pollIntervalSeconds: 0,
        ...overrides,
    };
}

let engine: FakeEngine | undefined;
afterEach(async () => {
    await engine?.close();
    engine = undefined;
});

describe("the job's service spec", () => {
    it("is a ReplicatedJob of one task, never restarted, hardened like the proxy, the secret readable by its user only", () => {
        const spec = jobServiceSpec(inputsFor(undefined)) as {
            Mode: unknown;
            TaskTemplate: { RestartPolicy: unknown; ContainerSpec: Record<string, unknown>; Networks: unknown; Resources: unknown };
        };
        expect(spec.Mode).toEqual({ ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } });
        expect(spec.TaskTemplate.RestartPolicy).toEqual({ Condition: "none" });
        expect(spec.TaskTemplate.Resources).toEqual({ Limits: { MemoryBytes: 2048 * 1024 * 1024 } });
        expect(spec.TaskTemplate.ContainerSpec).toMatchObject({
            Image: IMAGE,
            Command: ["/bin/sh", "/usr/local/bin/aiterm-litellm-start"],
            Args: ["migrate"],
            User: "1000:1000",
            ReadOnly: true,
            CapabilityDrop: ["ALL"],
            Mounts: [{ Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: 512 * 1024 * 1024, Mode: 0o1777 } }],
            Env: ["DISABLE_SCHEMA_UPDATE=false", "ENFORCE_PRISMA_MIGRATION_CHECK=true", "LITELLM_LOG=INFO"],
            Secrets: [{ File: { Name: "DATABASE_URL", UID: "1000", GID: "1000", Mode: 0o400 }, SecretID: "secret-db", SecretName: "litellm-swarm-database-url-0123456789abcdef" }],
        });
        expect(spec.TaskTemplate.Networks).toEqual([{ Target: "net-backend" }, { Target: "net-frontend" }]);
    });
});

describe("the job's verdict", () => {
    it("is complete, failed with the reason and exit code, or still running with where it is", () => {
        expect(jobVerdict([{ Status: { State: "complete" } }])).toEqual({ state: "complete" });
        expect(jobVerdict([{ Status: { State: "failed", Err: "task: non-zero exit (1)", ContainerStatus: { ExitCode: 1 } } }])).toEqual({
            state: "failed",
            reason: "task: non-zero exit (1), exit code 1",
        });
        expect(jobVerdict([{ Status: { State: "rejected", Err: "No such image: x" } }])).toMatchObject({ state: "failed", reason: "No such image: x" });
        expect(jobVerdict([{ Status: { State: "pending", Err: "no suitable node (scheduling constraints not satisfied on 1 node)" } }])).toEqual({
            state: "running",
            reason: "task pending: no suitable node (scheduling constraints not satisfied on 1 node)",
        });
        expect(jobVerdict([])).toEqual({ state: "running", reason: "no task scheduled yet" });
    });
});

describe("checks", () => {
    it("refuse an image without a digest, a bad key, name or Docker host, and skip unknowns", () => {
        const failures = validateMigrationInputs({ ...inputsFor(undefined), image: "litellm:latest", migrationKey: "x", serviceName: "-bad", engineHost: "ssh://me@manager" });
        expect(failures.map((f) => f.property).sort()).toEqual(["engineHost", "image", "migrationKey", "serviceName"]);
        expect(failures.find((f) => f.property === "engineHost")?.reason).toContain("DOCKER_HOST=unix:///tmp/docker.sock");
        expect(failures.find((f) => f.property === "engineHost")?.reason).not.toContain("me@");
        expect(validateMigrationInputs({ ...inputsFor(undefined), image: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).toEqual([]);
    });
});

describe("diff", () => {
    it("replaces (runs again) only for a new key, image or name; other changes update without running", async () => {
        const olds = { ...inputsFor(undefined), completedAt: "2026-12-01T00:00:00.000Z", durationSeconds: 3 };
        expect(await migrationJobProvider.diff!("id", olds, inputsFor(undefined))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
        const newKey = "0".repeat(64);
        expect((await migrationJobProvider.diff!("id", olds, inputsFor(undefined, { migrationKey: newKey }))).replaces).toEqual(["migrationKey"]);
        const rotated = await migrationJobProvider.diff!("id", olds, inputsFor(undefined, { secrets: [{ id: "secret-db-2", name: "n2", fileName: "DATABASE_URL" }] }));
        expect(rotated).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    });
});

describe("against the engine", () => {
    it("runs the job once, waits for it to complete, then removes its service", async () => {
        engine = await startFakeEngine({ kind: "complete", afterPolls: 2 });
        const inputs = inputsFor(engine);
        const result = await migrationJobProvider.create!(inputs);
        expect(result.id).toBe(inputs.serviceName);
        expect(result.outs).toMatchObject({ migrationKey: KEY, image: IMAGE });
        expect(Date.parse((result.outs as MigrationJobOutputs).completedAt)).not.toBeNaN();
        expect(engine.created).toHaveLength(1);
        expect(engine.created[0]).toEqual(jobServiceSpec(inputs));
        expect(engine.services.size).toBe(0);
        expect(engine.requests.filter((r) => r.startsWith("DELETE"))).toEqual(["DELETE /services/svc1"]);
    });

    it("fails pulumi up with the task's reason and its last log lines, credentials removed, and leaves nothing behind", async () => {
        engine = await startFakeEngine({
            kind: "fail",
            exitCode: 1,
            logs: [
                "LiteLLM Proxy: Database setup failed after multiple retries.",
                "Error: P1001: Can't reach database server at postgresql://litellm:S3cret-Pa55@db:5432/litellm",
                "retrying with password=S3cret-Pa55 and key sk-abcdefghijklmnop0123",
            ],
        });
        const error = await migrationJobProvider.create!(inputsFor(engine)).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).toMatch(/The database migration for ghcr\.io\/berriai\/litellm-database:v1\.104\.0@sha256:[0-9a-f]+ failed: task: non-zero exit \(1\), exit code 1/);
        expect(error?.message).toContain("No proxy task was started on this image");
        expect(error?.message).toContain("Database setup failed after multiple retries.");
        expect(error?.message).toContain("postgresql://[redacted]@db:5432/litellm");
        expect(error?.message).not.toContain("S3cret-Pa55");
        expect(error?.message).not.toContain("abcdefghijklmnop");
        expect(engine.services.size).toBe(0);
    });

    it("gives up after the timeout with where the job stood", async () => {
        engine = await startFakeEngine({ kind: "never" });
        const error = await migrationJobProvider.create!(inputsFor(engine, { timeoutSeconds: 0.3, pollIntervalSeconds: 0.05 })).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(error?.message).toMatch(/did not finish within 0\.3 s \(task running: started\); raise swarmMigrationTimeoutSeconds/);
        expect(engine.services.size).toBe(0);
    });

    it("removes a job an interrupted run left before running it again", async () => {
        engine = await startFakeEngine({ kind: "complete" });
        const inputs = inputsFor(engine);
        engine.services.set("stale", { id: "stale", spec: { Name: inputs.serviceName }, polls: 0 });
        await migrationJobProvider.create!(inputs);
        expect(engine.requests.slice(0, 3)).toEqual(["GET /services", "DELETE /services/stale", "POST /services/create"]);
    });

    it("runs nothing on update, and delete removes only a job left behind", async () => {
        engine = await startFakeEngine({ kind: "complete" });
        const olds = { ...inputsFor(engine), completedAt: "2026-12-01T00:00:00.000Z", durationSeconds: 3 };
        const updated = await migrationJobProvider.update!("id", olds, inputsFor(engine, { env: { ...olds.env, LITELLM_LOG: "DEBUG" } }));
        expect(updated.outs).toMatchObject({ completedAt: "2026-12-01T00:00:00.000Z", env: { LITELLM_LOG: "DEBUG" } });
        await migrationJobProvider.delete!("id", olds);
        expect(engine.requests).toEqual(["GET /services"]);
        expect(await migrationJobProvider.read!("id", olds)).toEqual({ id: "id", props: olds });
    });

    it("says so when the engine cannot run jobs or is not there", async () => {
        const missing = await migrationJobProvider.create!(inputsFor(undefined, { engineHost: "unix:///nonexistent/docker.sock" })).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(missing?.message).toMatch(/the Docker engine at \/nonexistent\/docker.sock did not answer GET \/services/);
    });
});

describe("the Engine API client", () => {
    it("reads unix and tcp Docker hosts", () => {
        expect(parseEngineHost("unix:///var/run/docker.sock")).toEqual({ socketPath: "/var/run/docker.sock" });
        expect(parseEngineHost("tcp://10.0.0.5:2375")).toEqual({ host: "10.0.0.5", port: 2375 });
        expect(() => parseEngineHost("npipe:////./pipe/docker_engine")).toThrow(/not supported for the migration job/);
    });

    it("takes Docker's log frames apart, and leaves an unframed stream as it is", () => {
        const frame = (stream: number, text: string) => Buffer.concat([Buffer.from([stream, 0, 0, 0, 0, 0, 0, Buffer.byteLength(text)]), Buffer.from(text)]);
        expect(demuxDockerLogs(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]))).toBe("out\nerr\n");
        expect(demuxDockerLogs(Buffer.from("plain text log\n"))).toBe("plain text log\n");
    });

    it("redacts URL credentials, keys and passwords by their shape", () => {
        expect(redactLogText("redis://:pw@r:6379 postgres://u:p@h/d")).toBe("redis://[redacted]@r:6379 postgres://[redacted]@h/d");
        expect(redactLogText("Bearer sk-1234567890abcdef and hf_abcdefghijklmnopqrstu")).toBe("Bearer sk-[redacted] and hf-[redacted]");
        expect(redactLogText('PASSWORD: "x y" password=abc')).toBe("PASSWORD: [redacted] password=[redacted]");
    });
});

describe("as Pulumi ships it", () => {
    it("serializes with only code in it and talks to the engine once loaded back", async () => {
        const original = loadModuleNatively<{ migrationJobProvider: pulumi.dynamic.ResourceProvider }>("components/swarm/migrationProvider.ts").migrationJobProvider;
        const serialized = await pulumi.runtime.serializeFunction(() => original);
        expect(serialized.text).not.toMatch(/__vite_ssr/);
        const provider = requireFromString(serialized.text).handler();
        expect(Object.keys(provider).sort()).toEqual(Object.keys(original).sort());
        engine = await startFakeEngine({ kind: "complete" });
        const result = await provider.create!(inputsFor(engine));
        expect(result.id).toBe(inputsFor(engine).serviceName);
        expect(engine.services.size).toBe(0);
    });
});

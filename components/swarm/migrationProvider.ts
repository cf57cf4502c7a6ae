/**
 * A Pulumi dynamic provider for LiteLLM's database migration on Swarm, run exactly once per
 * migration key (the image's digest and the database it migrates), before any proxy task of that
 * image starts.
 *
 * What LiteLLM's Helm chart does, and where it breaks: its migrations Job runs
 * `python litellm/proxy/prisma_migration.py` (= `litellm --skip_server_startup
 * --enforce_prisma_migration_check`, then `prisma generate`) with DISABLE_SCHEMA_UPDATE=false, as a
 * Helm hook (helm/litellm-helm/templates/migrations-job.yaml); new pods can start before it finishes
 * (BerriAI/litellm#36938), and it re-runs only when the chart's values change (#7536). Here the job
 * is a resource of its own: created (= run) when its key changes, and the proxy service depends on
 * it, so `pulumi up` starts no task of a new image before its migration succeeded, and a model-list
 * change (which leaves the key alone) never runs it again.
 *
 * create: a Swarm service in `ReplicatedJob` mode (one task, no restart) with the proxy's image,
 * its Swarm secret for DATABASE_URL and its start-up script; waits until the task is `complete`,
 * then removes the service (a finished job would otherwise keep the secrets it references in use,
 * and Swarm refuses to delete a secret in use). A failed or timed-out job fails `pulumi up` with
 * the task's error and its last log lines (redacted), and is removed too, so the next `pulumi up`
 * runs it again. update: records the new inputs without running anything (same key: already
 * migrated). delete: removes a job service an interrupted run may have left.
 *
 * Serialization: like components/keys/virtualKeyProvider.ts, the methods reach only functions of
 * this module and of engineClient.ts; `import type` leaves nothing behind.
 */
import type * as pulumi from "@pulumi/pulumi";
import { demuxDockerLogs, engineMessage, engineRequest, parseEngineHost, redactLogText, type EngineEndpoint } from "./engineClient";

/** The `resourceKind` input every migration job carries (its engine type is the generic dynamic one). */
export const MIGRATION_RESOURCE_KIND = "SwarmMigrationJob";

/** A Swarm secret or config as the job's container sees it. */
export interface FileReference {
    /** The Swarm object's ID. */
    id: string;
    /** Its name (for display and lookup). */
    name: string;
    /** The path in the container: relative to /run/secrets for a secret, absolute for a config. */
    fileName: string;
}

export interface MigrationJobInputs {
    resourceKind?: string;
    /** The Docker host of a Swarm manager (`unix:///var/run/docker.sock`, `tcp://host:2375`). */
    engineHost: string;
    /** Name of the job's service (unique per key, so two keys never collide). */
    serviceName: string;
    /** The LiteLLM image, pinned by digest: the proxy's own. */
    image: string;
    /** What the migration is for: the image digest and the database. A new key is a new migration. */
    migrationKey: string;
    /** Entrypoint (the start-up script) and its arguments. */
    command: string[];
    args: string[];
    /** Plain environment (nothing confidential: that travels as Swarm secrets). */
    env: Record<string, string>;
    secrets: FileReference[];
    configs: FileReference[];
    /** Overlay network IDs. */
    networks: string[];
    labels: Record<string, string>;
    /** `uid:gid` the task runs as (the proxy's). */
    user: string;
    /** Every capability is dropped, and the root file system is read-only, with this tmpfs as the one writable place. */
    tmpfs: { target: string; sizeBytes: number; mode: number };
    /** Memory limit of the task. */
    memoryBytes: number;
    /** How long create waits for the job to complete. */
    timeoutSeconds: number;
    /** Seconds between two reads of the job's task. */
    pollIntervalSeconds: number;
}

export interface MigrationJobOutputs extends MigrationJobInputs {
    /** When the job completed (ISO 8601). */
    completedAt: string;
    /** Seconds from the job's creation to its completion. */
    durationSeconds: number;
}

// ---------------------------------------------------------------------------------------------
// Plain decisions: no engine
// ---------------------------------------------------------------------------------------------

/** Inputs whose change is a new migration (replace = create = run). */
export function migrationReplaceKeys(): string[] {
    return ["migrationKey", "image", "serviceName"];
}

/** The Engine API ServiceSpec of the job (POST /services/create, API 1.41). */
export function jobServiceSpec(inputs: MigrationJobInputs): Record<string, unknown> {
    return {
        Name: inputs.serviceName,
        Labels: inputs.labels,
        TaskTemplate: {
            ContainerSpec: {
                Image: inputs.image,
                Command: inputs.command,
                Args: inputs.args,
                // Hardened like the proxy's tasks (CapabilityDrop is Engine API 1.41, Docker 20.10).
                User: inputs.user,
                ReadOnly: true,
                CapabilityDrop: ["ALL"],
                Mounts: [{ Type: "tmpfs", Target: inputs.tmpfs.target, TmpfsOptions: { SizeBytes: inputs.tmpfs.sizeBytes, Mode: inputs.tmpfs.mode } }],
                Env: Object.keys(inputs.env)
                    .sort()
                    .map((name) => `${name}=${inputs.env[name]}`),
                Labels: inputs.labels,
                Secrets: inputs.secrets.map((secret) => ({
                    File: { Name: secret.fileName, UID: ownerOf(inputs.user).uid, GID: ownerOf(inputs.user).gid, Mode: 0o400 },
                    SecretID: secret.id,
                    SecretName: secret.name,
                })),
                Configs: inputs.configs.map((config) => ({
                    File: { Name: config.fileName, UID: "0", GID: "0", Mode: 0o444 },
                    ConfigID: config.id,
                    ConfigName: config.name,
                })),
            },
            // One attempt: a failed migration is reported, not retried behind the user's back
            // (LiteLLM's setup_database already retries its connection internally).
            RestartPolicy: { Condition: "none" },
            Resources: { Limits: { MemoryBytes: inputs.memoryBytes } },
            Networks: inputs.networks.map((id) => ({ Target: id })),
        },
        Mode: { ReplicatedJob: { MaxConcurrent: 1, TotalCompletions: 1 } },
    };
}

/** The owner of the job's secret files: the user it runs as (`uid:gid`, or a uid). */
export function ownerOf(user: string): { uid: string; gid: string } {
    const [uid, gid] = String(user).split(":");
    return { uid: uid || "0", gid: gid || uid || "0" };
}

/** A task as the engine lists it (the fields read here). */
export interface JobTask {
    ID?: string;
    Status?: { State?: string; Message?: string; Err?: string; ContainerStatus?: { ExitCode?: number } };
}

export type JobVerdict = { state: "complete" } | { state: "failed"; reason: string } | { state: "running"; reason: string };

/** Where the job stands, from its tasks: complete, failed (with why), or still on its way. */
export function jobVerdict(tasks: readonly JobTask[]): JobVerdict {
    if (tasks.some((task) => task.Status?.State === "complete")) {
        return { state: "complete" };
    }
    const failed = tasks.find((task) => ["failed", "rejected", "orphaned", "shutdown", "remove"].includes(String(task.Status?.State)));
    if (failed) {
        const status = failed.Status ?? {};
        const exit = status.ContainerStatus?.ExitCode;
        const reason = [status.Err || status.Message || status.State, exit !== undefined && exit !== 0 ? `exit code ${exit}` : ""].filter(Boolean).join(", ");
        return { state: "failed", reason: redactLogText(String(reason)) };
    }
    const current = tasks[0]?.Status;
    return { state: "running", reason: current ? `task ${current.State ?? "new"}${current.Err || current.Message ? `: ${redactLogText(String(current.Err || current.Message))}` : ""}` : "no task scheduled yet" };
}

/** Everything wrong with the inputs; values not known yet (previews) are skipped. */
export function validateMigrationInputs(inputs: Partial<Record<keyof MigrationJobInputs, unknown>>): pulumi.dynamic.CheckFailure[] {
    // Pulumi's marker for a value only known after an update (rpc.unknownValue).
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const known = (value: unknown) => value !== unknown && value !== undefined;
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (known(inputs.image) && !/@sha256:[0-9a-f]{64}$/.test(String(inputs.image))) {
        failures.push({ property: "image", reason: "must be pinned by digest (name@sha256:...): the migration is keyed by it" });
    }
    if (known(inputs.migrationKey) && !/^[0-9a-f]{16,64}$/.test(String(inputs.migrationKey))) {
        failures.push({ property: "migrationKey", reason: "must be a hex digest of the image and the database" });
    }
    if (known(inputs.serviceName) && !/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(String(inputs.serviceName))) {
        failures.push({ property: "serviceName", reason: "must be a Swarm service name (letters, digits and -, up to 63)" });
    }
    if (known(inputs.engineHost)) {
        try {
            parseEngineHost(String(inputs.engineHost));
        } catch (error) {
            failures.push({ property: "engineHost", reason: (error as Error).message });
        }
    }
    if (known(inputs.user) && !/^[0-9]+(:[0-9]+)?$/.test(String(inputs.user))) {
        failures.push({ property: "user", reason: "must be a numeric uid or uid:gid" });
    }
    if (known(inputs.memoryBytes) && !(typeof inputs.memoryBytes === "number" && inputs.memoryBytes >= 6 * 1024 * 1024)) {
        failures.push({ property: "memoryBytes", reason: "must be a memory limit in bytes (Docker's minimum is 6 MiB)" });
    }
    for (const property of ["timeoutSeconds", "pollIntervalSeconds"] as const) {
        const value = inputs[property];
        if (known(value) && !(typeof value === "number" && Number.isFinite(value) && value >= 0 && (property === "pollIntervalSeconds" || value > 0))) {
            failures.push({ property, reason: `must be a positive number of seconds, got ${JSON.stringify(value)}` });
        }
    }
    return failures;
}

// ---------------------------------------------------------------------------------------------
// Against the engine
// ---------------------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

async function findServiceId(endpoint: EngineEndpoint, name: string): Promise<string | undefined> {
    const answer = await engineRequest(endpoint, "GET", `/services?filters=${encodeURIComponent(JSON.stringify({ name: [name] }))}`);
    if (answer.status !== 200 || !Array.isArray(answer.body)) {
        throw new Error(`listing Swarm services failed (${answer.status}): ${engineMessage(answer)}`);
    }
    // The name filter matches prefixes: only the exact name is this job.
    const match = (answer.body as { ID?: string; Spec?: { Name?: string } }[]).find((service) => service.Spec?.Name === name);
    return match?.ID;
}

async function removeService(endpoint: EngineEndpoint, id: string): Promise<void> {
    const answer = await engineRequest(endpoint, "DELETE", `/services/${encodeURIComponent(id)}`);
    if (answer.status !== 200 && answer.status !== 404) {
        throw new Error(`removing the migration job's service failed (${answer.status}): ${engineMessage(answer)}`);
    }
}

async function jobTasks(endpoint: EngineEndpoint, serviceId: string): Promise<JobTask[]> {
    const answer = await engineRequest(endpoint, "GET", `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [serviceId] }))}`);
    if (answer.status !== 200 || !Array.isArray(answer.body)) {
        throw new Error(`reading the migration job's task failed (${answer.status}): ${engineMessage(answer)}`);
    }
    return answer.body as JobTask[];
}

/** The job's last log lines, redacted; a note instead when the engine has none to give. */
async function jobLogs(endpoint: EngineEndpoint, serviceId: string): Promise<string> {
    try {
        const answer = await engineRequest(endpoint, "GET", `/services/${encodeURIComponent(serviceId)}/logs?stdout=true&stderr=true&tail=40`);
        if (answer.status !== 200) {
            return `(no logs: ${engineMessage(answer)})`;
        }
        const text = redactLogText(demuxDockerLogs(answer.raw)).trim();
        return text === "" ? "(no log lines)" : text;
    } catch (error) {
        return `(no logs: ${(error as Error).message})`;
    }
}

async function runJob(inputs: MigrationJobInputs): Promise<MigrationJobOutputs> {
    const endpoint = parseEngineHost(inputs.engineHost);
    const leftOver = await findServiceId(endpoint, inputs.serviceName);
    if (leftOver) {
        // Left by an interrupted `pulumi up`: its outcome is unknown, so the migration runs again
        // (prisma migrate deploy applies only what is missing).
        await removeService(endpoint, leftOver);
    }
    const started = Date.now();
    const created = await engineRequest(endpoint, "POST", "/services/create", jobServiceSpec(inputs));
    const createdId = (created.body as { ID?: unknown } | undefined)?.ID;
    if (created.status !== 201 || typeof createdId !== "string") {
        throw new Error(
            `the database migration job could not be created (${created.status}): ${engineMessage(created)}. ` +
                "The Docker host must be a Swarm manager on Docker 20.10 or later (Swarm jobs need Engine API 1.41).",
        );
    }
    const serviceId = createdId;
    const deadline = started + inputs.timeoutSeconds * 1000;
    let verdict: JobVerdict = { state: "running", reason: "no task scheduled yet" };
    try {
        for (;;) {
            verdict = jobVerdict(await jobTasks(endpoint, serviceId));
            if (verdict.state !== "running" || Date.now() >= deadline) {
                break;
            }
            await sleep(Math.max(50, inputs.pollIntervalSeconds * 1000));
        }
        if (verdict.state !== "complete") {
            const logs = await jobLogs(endpoint, serviceId);
            const what =
                verdict.state === "failed"
                    ? `failed: ${verdict.reason}`
                    : `did not finish within ${inputs.timeoutSeconds} s (${verdict.reason}); raise swarmMigrationTimeoutSeconds if it was still pulling the image`;
            throw new Error(
                `The database migration for ${inputs.image} ${what}. No proxy task was started on this image. ` +
                    `Its last log lines:\n${logs}\nFix the cause and run pulumi up again: the migration runs again.`,
            );
        }
    } finally {
        await removeService(endpoint, serviceId);
    }
    return { ...inputs, completedAt: new Date().toISOString(), durationSeconds: Math.round((Date.now() - started) / 100) / 10 };
}

export const migrationJobProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Record<string, unknown>, news: Record<string, unknown>) {
        return { inputs: news, failures: validateMigrationInputs(news) };
    },

    async diff(_id: string, olds: MigrationJobOutputs, news: MigrationJobInputs) {
        const replaces = migrationReplaceKeys().filter((key) => JSON.stringify(olds[key as keyof MigrationJobInputs]) !== JSON.stringify(news[key as keyof MigrationJobInputs]));
        const changed = (Object.keys(news) as (keyof MigrationJobInputs)[]).some((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
        return { changes: changed || replaces.length > 0, replaces, deleteBeforeReplace: false };
    },

    async create(inputs: MigrationJobInputs) {
        const outs = await runJob(inputs);
        return { id: `${inputs.serviceName}`, outs };
    },

    async update(_id: string, olds: MigrationJobOutputs, news: MigrationJobInputs) {
        // Same key: the database is already migrated for this image; nothing runs.
        return { outs: { ...news, completedAt: olds.completedAt, durationSeconds: olds.durationSeconds } };
    },

    async read(id: string, props: MigrationJobOutputs) {
        // The job's service is removed once it completed: the state is the record that it did.
        return { id, props };
    },

    async delete(_id: string, props: MigrationJobOutputs) {
        const endpoint = parseEngineHost(props.engineHost);
        const leftOver = await findServiceId(endpoint, props.serviceName).catch(() => undefined);
        if (leftOver) {
            await removeService(endpoint, leftOver);
        }
    },
};

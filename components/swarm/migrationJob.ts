import * as pulumi from "@pulumi/pulumi";
import { MIGRATION_RESOURCE_KIND, migrationJobProvider } from "./migrationProvider";

/** A Swarm secret or config as the job's container sees it (migrationProvider.ts FileReference). */
export interface FileReferenceInput {
    id: pulumi.Input<string>;
    name: pulumi.Input<string>;
    /** Relative to /run/secrets for a secret, absolute for a config. */
    fileName: string;
}

export interface MigrationJobArgs {
    /** Docker host of a Swarm manager: `unix:///var/run/docker.sock` or `tcp://host:2375`. */
    engineHost: pulumi.Input<string>;
    /** Name of the job's Swarm service; derive it from the key so two migrations never collide. */
    serviceName: pulumi.Input<string>;
    /** The proxy's LiteLLM image, pinned by digest. */
    image: pulumi.Input<string>;
    /** Image digest and database, hashed: a new key runs the migration, the same key never again. */
    migrationKey: pulumi.Input<string>;
    /** The start-up script and its arguments (`migrate`). */
    command: pulumi.Input<pulumi.Input<string>[]>;
    args: pulumi.Input<pulumi.Input<string>[]>;
    /** Plain environment; nothing confidential (that is in `secrets`). */
    env: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Swarm secrets as files under /run/secrets (DATABASE_URL). */
    secrets: FileReferenceInput[];
    /** Swarm configs as files (the start-up script). */
    configs: FileReferenceInput[];
    /** Overlay network IDs: the database's, and one with a route out for an external database. */
    networks: pulumi.Input<pulumi.Input<string>[]>;
    /** `uid:gid` the task runs as: the proxy's. */
    user: pulumi.Input<string>;
    /** The task's one writable place (its root file system is read-only). */
    tmpfs: pulumi.Input<{ target: string; sizeBytes: number; mode: number }>;
    /** Memory limit of the task, in bytes. */
    memoryBytes: pulumi.Input<number>;
    /**
     * Labels of the job's service and container.
     * @default {}
     */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Seconds `pulumi up` waits for the job to complete (image pull included).
     * @default 600
     */
    timeoutSeconds?: pulumi.Input<number>;
    /**
     * Seconds between two reads of the job's task.
     * @default 1
     */
    pollIntervalSeconds?: pulumi.Input<number>;
}

/**
 * LiteLLM's database migration as a one-shot Swarm job, run when its key changes (a new image or
 * database) and never otherwise. Depend on it from the proxy service: no task of a new image starts
 * before its migration completed. See migrationProvider.ts for what runs and why.
 *
 * The engine sees the type `pulumi-nodejs:dynamic:Resource`; the input `resourceKind:
 * "SwarmMigrationJob"` is what policies and tests recognise it by.
 */
export class MigrationJob extends pulumi.dynamic.Resource {
    declare readonly migrationKey: pulumi.Output<string>;
    declare readonly completedAt: pulumi.Output<string>;
    declare readonly serviceName: pulumi.Output<string>;

    constructor(name: string, args: MigrationJobArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            migrationJobProvider,
            name,
            {
                resourceKind: MIGRATION_RESOURCE_KIND,
                engineHost: args.engineHost,
                serviceName: args.serviceName,
                image: args.image,
                migrationKey: args.migrationKey,
                command: args.command,
                args: args.args,
                env: args.env,
                secrets: args.secrets,
                configs: args.configs,
                networks: args.networks,
                labels: args.labels ?? {},
                user: args.user,
                tmpfs: args.tmpfs,
                memoryBytes: args.memoryBytes,
                timeoutSeconds: args.timeoutSeconds ?? 600,
                pollIntervalSeconds: args.pollIntervalSeconds ?? 1,
                completedAt: undefined,
                durationSeconds: undefined,
            },
            opts,
        );
    }
}

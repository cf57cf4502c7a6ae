import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatDatabaseUrl } from "../../config/databaseUrl";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import type { ContainerRestartPolicy } from "../../config/settings";
import { DATABASE_STARTUP_SCRIPT, PASSWORD_ALIGNED_MARKER } from "./databaseStartup";
import { DEFAULT_RESTART_POLICY, DROP_ALL_CAPABILITIES, limitInputs, NO_NEW_PRIVILEGES, restartInputs, tmpfsOptions } from "./hardening";
import { containerHealthcheck } from "./healthchecks";

export interface PostgresDatabaseArgs {
    /** Postgres 16 image, pinned by version and digest (`postgres:16-alpine@sha256:...`). */
    image: string;
    /** Name of the Docker network the database joins; it should be `internal` (no route out). */
    networkName: pulumi.Input<string>;
    /** Prefix for the Docker objects' own names (`litellm-dev` → `litellm-dev-db`). */
    namePrefix: string;
    /**
     * Host name the proxy uses to reach the database on that network.
     * @default "litellm-db"
     */
    networkAlias?: string;
    /**
     * Keep the data volume when the stack is destroyed, so a later deploy finds its keys and spend.
     * @default true
     */
    keepDataOnDestroy?: boolean;
    /**
     * Seconds `pulumi up` waits for the database to report healthy.
     * @default 300
     */
    startupTimeoutSeconds?: number;
    /**
     * Memory limit in MiB, /dev/shm included; no swap beyond it.
     * @default 512
     */
    memoryMb?: number;
    /**
     * Size of /dev/shm in MiB (parallel queries keep their shared memory there).
     * @default 128
     */
    sharedMemoryMb?: number;
    /**
     * CPU weight against other containers while the CPU is busy.
     * @default 512
     */
    cpuShares?: number;
    /**
     * What Docker does when the database exits.
     * @default on-failure:5
     */
    restartPolicy?: ContainerRestartPolicy;
}

const DATABASE_NAME = "litellm";
const DATABASE_USER = "litellm";
const DATA_DIRECTORY = "/var/lib/postgresql/data";

/**
 * What the official image's entrypoint does as root before it steps down to `postgres`
 * (docker-library/postgres docker-entrypoint.sh, docker_create_db_directories, then `exec gosu`;
 * Alpine images before 2024 used su-exec, which makes the same calls), and so the capabilities it
 * needs, each measured by dropping it (tests/images/README.md):
 * - CHOWN: `find ... \! -user postgres -exec chown postgres` on PGDATA and /var/run/postgresql. The
 *   latter is a tmpfs here, created root-owned at every start; PGDATA needs it when its files belong
 *   to another UID (a kept volume written by an image whose postgres user has another UID).
 * - DAC_OVERRIDE: that `find` reads PGDATA, which is 0700 and owned by postgres after the first
 *   start; without it the entrypoint stops (set -e). DAC_READ_SEARCH would do too, but it also
 *   lets open_by_handle_at through Docker's seccomp profile (measured), the call of the "Shocker"
 *   container escape; DAC_OVERRIDE is in Docker's default set and does not.
 * - SETGID, SETUID: gosu's setgroups/setgid/setuid.
 * Not FOWNER: the entrypoint's chmods tolerate failure (`|| :`) and initdb, as postgres, sets
 * PGDATA's mode itself; without it the log shows "chmod: changing permissions of
 * '/var/lib/postgresql/data': Operation not permitted" at every start, and the start goes on.
 * Not KILL: the start-up wrapper signals nothing (databaseStartup.ts). Once postgres runs, it has
 * no capability left (they are cleared when gosu leaves UID 0).
 */
export const DATABASE_CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"];

/**
 * PostgreSQL for LiteLLM's virtual keys and spend: a pinned image, a named data volume, a
 * generated password, no published port, and a `pg_isready` healthcheck that `pulumi up` waits on.
 *
 * Least privilege: every capability dropped but the four the image's entrypoint needs to step
 * down to `postgres`, no-new-privileges (gosu is an ordinary binary), a read-only root file system
 * with tmpfs where Postgres and the wrapper write besides the volume (its socket directory, /tmp),
 * /dev/shm sized for Postgres, a memory limit without swap, a CPU weight and a bounded restart policy.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
    /** `postgresql://litellm:<encoded password>@<alias>:5432/litellm`, a secret. */
    readonly connectionUrl: pulumi.Output<string>;
    readonly container: docker.Container;
    readonly volume: docker.Volume;
    readonly networkAlias: string;

    constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:docker:PostgresDatabase", name, {}, opts);
        const problems = checkImagePin("postgresImage", args.image, "postgres:16-alpine@sha256:...");
        if (problems.length > 0) {
            throw new pulumi.ResourceError(formatProblems(problems), this);
        }
        this.networkAlias = args.networkAlias ?? "litellm-db";
        const keepData = args.keepDataOnDestroy ?? true;

        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        this.volume = new docker.Volume(
            `${name}-data`,
            { name: `${args.namePrefix}-data`, labels: [{ label: "aiterm-litellm.role", value: "database-data" }] },
            // retainOnDelete: `pulumi destroy` forgets the volume instead of deleting it, unless the user opts out.
            { parent: this, retainOnDelete: keepData },
        );
        const password = new random.RandomPassword(
            `${name}-password`,
            // Special characters on purpose: they prove the URL encoding of DATABASE_URL.
            { length: 32, special: true, overrideSpecial: "@:/?#%!*-_" },
            { parent: this, additionalSecretOutputs: ["result"] },
        );
        const passwordValue = pulumi.secret(password.result);

        this.container = new docker.Container(
            name,
            {
                name: `${args.namePrefix}-db`,
                image: image.imageId,
                envs: pulumi.secret(
                    passwordValue.apply((value) => [
                        `POSTGRES_USER=${DATABASE_USER}`,
                        `POSTGRES_PASSWORD=${value}`,
                        `POSTGRES_DB=${DATABASE_NAME}`,
                    ]),
                ),
                volumes: [{ volumeName: this.volume.name, containerPath: DATA_DIRECTORY }],
                networksAdvanced: [{ name: args.networkName, aliases: [this.networkAlias] }],
                entrypoints: ["/bin/sh", "-c", DATABASE_STARTUP_SCRIPT, "litellm-db-start"],
                command: ["postgres"],
                capabilities: { drops: DROP_ALL_CAPABILITIES, adds: DATABASE_CAPABILITIES },
                securityOpts: [NO_NEW_PRIVILEGES],
                privileged: false,
                readOnly: true,
                tmpfs: {
                    // The server's socket, lock and pid files; the entrypoint chowns it to postgres.
                    "/var/run/postgresql": tmpfsOptions({ sizeMb: 1, mode: "3775", exec: false }),
                    // The wrapper's marker.
                    "/tmp": tmpfsOptions({ sizeMb: 16, mode: "1777", exec: false }),
                },
                shmSize: args.sharedMemoryMb ?? 128,
                ...limitInputs({ memoryMb: args.memoryMb ?? 512, cpuShares: args.cpuShares ?? 512 }),
                ...restartInputs(args.restartPolicy ?? DEFAULT_RESTART_POLICY),
                // pg_isready is a small C program: checking twice a second costs next to nothing.
                healthcheck: containerHealthcheck(
                    ["CMD-SHELL", `pg_isready -q -h 127.0.0.1 -U ${DATABASE_USER} -d ${DATABASE_NAME} && test -e ${PASSWORD_ALIGNED_MARKER}`],
                    "500ms",
                ),
                wait: true,
                waitTimeout: args.startupTimeoutSeconds ?? 300,
                labels: [{ label: "aiterm-litellm.role", value: "database" }],
            },
            // The container has a fixed name, so a replacement must remove the old one first.
            // tmpfs is updatable in the provider's schema, but its update does not apply it: replace instead.
            { parent: this, deleteBeforeReplace: true, replaceOnChanges: ["tmpfs"] },
        );

        this.connectionUrl = pulumi.secret(
            passwordValue.apply((value) =>
                formatDatabaseUrl({ user: DATABASE_USER, password: value, host: this.networkAlias, port: 5432, database: DATABASE_NAME }),
            ),
        );
        this.registerOutputs({ connectionUrl: this.connectionUrl, containerName: this.container.name, volumeName: this.volume.name });
    }
}

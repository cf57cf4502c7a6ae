import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { formatDatabaseUrl } from "../../config/databaseUrl";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import { DATABASE_STARTUP_SCRIPT, DATABASE_STARTUP_SCRIPT_PATH, PASSWORD_ALIGNED_MARKER } from "./databaseStartup";
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
}

const DATABASE_NAME = "litellm";
const DATABASE_USER = "litellm";
const DATA_DIRECTORY = "/var/lib/postgresql/data";

/**
 * PostgreSQL for LiteLLM's virtual keys and spend: a pinned image, a named data volume, a
 * generated password, no published port, and a `pg_isready` healthcheck that `pulumi up` waits on.
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
                entrypoints: [DATABASE_STARTUP_SCRIPT_PATH],
                command: ["postgres"],
                uploads: [{ file: DATABASE_STARTUP_SCRIPT_PATH, content: DATABASE_STARTUP_SCRIPT, executable: true }],
                // pg_isready is a small C program: checking twice a second costs next to nothing.
                healthcheck: containerHealthcheck(
                    ["CMD-SHELL", `pg_isready -q -h 127.0.0.1 -U ${DATABASE_USER} -d ${DATABASE_NAME} && test -e ${PASSWORD_ALIGNED_MARKER}`],
                    "500ms",
                ),
                restart: "unless-stopped",
                wait: true,
                waitTimeout: args.startupTimeoutSeconds ?? 300,
                labels: [{ label: "aiterm-litellm.role", value: "database" }],
            },
            // The container has a fixed name, so a replacement must remove the old one first.
            { parent: this, deleteBeforeReplace: true },
        );

        this.connectionUrl = pulumi.secret(
            passwordValue.apply((value) =>
                formatDatabaseUrl({ user: DATABASE_USER, password: value, host: this.networkAlias, port: 5432, database: DATABASE_NAME }),
            ),
        );
        this.registerOutputs({ connectionUrl: this.connectionUrl, containerName: this.container.name, volumeName: this.volume.name });
    }
}

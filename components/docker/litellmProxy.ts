import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import { nonRootEnvironment, PROXY_USER, PROXY_WRITABLE_DIR } from "../../config/nonRootRuntime";
import type { ContainerRestartPolicy } from "../../config/settings";
import { DEFAULT_RESTART_POLICY, DROP_ALL_CAPABILITIES, limitInputs, NO_NEW_PRIVILEGES, restartInputs, tmpfsOptions } from "./hardening";
import { containerHealthcheck } from "./healthchecks";

export interface LiteLLMProxyArgs {
    /** LiteLLM image with Postgres support (`litellm-database`), pinned by version and digest. */
    image: string;
    /**
     * The rendered config.yaml; it holds no secrets, only `os.environ/NAME` references. Plain text,
     * because it becomes a plain argument of the container (shown by `pulumi preview`).
     */
    configYaml: string;
    /** `NAME=value` environment entries; pass them as a Pulumi secret. */
    environment: pulumi.Input<pulumi.Input<string>[]>;
    /** Networks to join: the database's internal network, and one with a route out (providers). */
    networkNames: pulumi.Input<string>[];
    /** Prefix for the Docker objects' own names (`litellm-dev` → `litellm-dev-proxy`). */
    namePrefix: string;
    /**
     * Host port the proxy is published on.
     * @default 4000
     */
    hostPort?: number;
    /**
     * Host address the proxy is published on; anything but loopback exposes it to the network.
     * @default "127.0.0.1"
     */
    bindAddress?: string;
    /**
     * Seconds `pulumi up` waits for the proxy to report healthy (migrations run at start-up).
     * @default 300
     */
    startupTimeoutSeconds?: number;
    /**
     * Memory limit in MiB, the /tmp tmpfs included; no swap beyond it.
     * @default 2048
     */
    memoryMb?: number;
    /**
     * CPU weight against other containers while the CPU is busy.
     * @default 512
     */
    cpuShares?: number;
    /**
     * What Docker does when the proxy exits.
     * @default on-failure:5
     */
    restartPolicy?: ContainerRestartPolicy;
}

/** Where LiteLLM listens inside the container (its image's default). */
export const PROXY_CONTAINER_PORT = 4000;
/** In the tmpfs, written at every start by PROXY_START_SCRIPT. */
const PROXY_CONFIG_DIR = `${PROXY_WRITABLE_DIR}/litellm`;
export const PROXY_CONFIG_PATH = `${PROXY_CONFIG_DIR}/config.yaml`;
/** The size of the /tmp tmpfs, the only place the proxy can write; it counts against memoryMb. */
export const PROXY_TMPFS_SIZE_MB = 512;

/**
 * The container's entrypoint, run by /bin/sh with config.yaml as its first argument and LiteLLM's
 * flags after it. The root file system is read-only, and the provider uploads files into the
 * created container at "/" before it starts, which Docker refuses for a read-only root ("container
 * rootfs is marked read-only", measured on Docker 20.10), so config.yaml cannot be an upload. As an
 * argument it stays a plain input that `pulumi preview` shows and that replaces the container when
 * it changes. The file goes into the tmpfs, which is empty at every start, readable by the proxy's
 * user only; then the image's own entrypoint takes over (`docker/prod_entrypoint.sh`, relative to
 * the image's WORKDIR /app, in BerriAI/litellm docker/Dockerfile.database), so LiteLLM is still
 * PID 1 and gets the stop signal.
 */
export const PROXY_START_SCRIPT = [
    'config="$1"',
    "shift",
    `(umask 077 && mkdir -p ${PROXY_CONFIG_DIR} && printf '%s' "$config" > ${PROXY_CONFIG_PATH}) || exit 1`,
    'exec docker/prod_entrypoint.sh "$@"',
].join("\n");

/** What Linux caps a single argument at (MAX_ARG_STRLEN, 32 pages of 4 KiB). */
const MAX_ARGUMENT_BYTES = 131072;

/**
 * The command the healthcheck runs. The image has python3 but neither curl nor wget, and
 * `/health` needs a key and calls every model: `/health/liveliness` is the unauthenticated probe.
 * A bare socket request instead of urllib keeps each check to a few milliseconds of CPU, which is
 * what lets the check run twice a second (measured: about 15 ms of one core per check, 3% in all) so that `pulumi up` sees the
 * proxy healthy within half a second of it answering.
 */
export const PROXY_HEALTHCHECK = [
    "CMD",
    "python3",
    "-c",
    `import socket; s = socket.create_connection(("127.0.0.1", ${PROXY_CONTAINER_PORT}), 4); ` +
        `s.sendall(b"GET /health/liveliness HTTP/1.0\\r\\n\\r\\n"); ` +
        `assert s.recv(32).split()[1] == b"200"`,
];

function isLoopback(address: string): boolean {
    return address.startsWith("127.");
}

/**
 * The LiteLLM proxy container: config.yaml passed in at start (no host bind mount), the
 * environment as a secret, published on loopback by default, and healthy before `pulumi up`
 * returns. Everything that defines the proxy (image, config.yaml, environment) forces a
 * replacement of this container only; the database it talks to is a separate resource.
 *
 * Least privilege: it runs as the non-root user every target uses (config/nonRootRuntime.ts), with
 * every capability dropped (LiteLLM binds port 4000 and needs none), no-new-privileges, a read-only
 * root file system with one tmpfs on /tmp where the non-root paths point, a memory limit without
 * swap, a CPU weight and a bounded restart policy.
 */
export class LiteLLMProxy extends pulumi.ComponentResource {
    readonly container: docker.Container;
    /** `http://<host>:<port>` as a client on this machine reaches it. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: LiteLLMProxyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:docker:LiteLLMProxy", name, {}, opts);
        const problems = checkImagePin("litellmImage", args.image, "ghcr.io/berriai/litellm-database:v1.104.0@sha256:...");
        if (problems.length > 0) {
            throw new pulumi.ResourceError(formatProblems(problems), this);
        }
        const configBytes = Buffer.byteLength(args.configYaml);
        if (configBytes >= MAX_ARGUMENT_BYTES) {
            throw new pulumi.ResourceError(
                `The rendered config.yaml is ${configBytes} bytes; the proxy container gets it as one argument, which Linux caps at ${MAX_ARGUMENT_BYTES - 1}. Shorten the model list (aiterm-litellm:models).`,
                this,
            );
        }
        const hostPort = args.hostPort ?? 4000;
        const bindAddress = args.bindAddress ?? "127.0.0.1";
        const environment = pulumi
            .output(args.environment)
            .apply((entries) => [...entries, ...Object.entries(nonRootEnvironment()).map(([name, value]) => `${name}=${value}`)]);

        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        this.container = new docker.Container(
            name,
            {
                name: `${args.namePrefix}-proxy`,
                image: image.imageId,
                entrypoints: ["/bin/sh", "-c", PROXY_START_SCRIPT, "litellm-start"],
                command: [args.configYaml, "--port", String(PROXY_CONTAINER_PORT), "--config", PROXY_CONFIG_PATH],
                envs: pulumi.secret(environment),
                user: PROXY_USER,
                capabilities: { drops: DROP_ALL_CAPABILITIES },
                securityOpts: [NO_NEW_PRIVILEGES],
                privileged: false,
                readOnly: true,
                // exec: LiteLLM's npm and Prisma caches live under HOME, and upstream's tested read-only
                // set-up (its Helm chart) gives them emptyDir volumes, which allow it; nosuid, nodev.
                tmpfs: { [PROXY_WRITABLE_DIR]: tmpfsOptions({ sizeMb: PROXY_TMPFS_SIZE_MB, mode: "1777", exec: true }) },
                ...limitInputs({ memoryMb: args.memoryMb ?? 2048, cpuShares: args.cpuShares ?? 512 }),
                ...restartInputs(args.restartPolicy ?? DEFAULT_RESTART_POLICY),
                networksAdvanced: args.networkNames.map((networkName) => ({ name: networkName })),
                ports: [{ internal: PROXY_CONTAINER_PORT, external: hostPort, ip: bindAddress, protocol: "tcp" }],
                healthcheck: containerHealthcheck(PROXY_HEALTHCHECK, "500ms"),
                wait: true,
                waitTimeout: args.startupTimeoutSeconds ?? 300,
                labels: [
                    { label: "aiterm-litellm.role", value: "proxy" },
                    // Tells the policy pack that publishing beyond loopback was asked for in config.
                    ...(isLoopback(bindAddress) ? [] : [{ label: "aiterm-litellm.bind-address-allowed", value: "true" }]),
                ],
            },
            // Fixed name and host port: the old container must go before its replacement starts.
            // The component's dependsOn (the database) is forwarded so the container starts after it.
            // tmpfs is updatable in the provider's schema, but its update does not apply it: replace instead.
            { parent: this, deleteBeforeReplace: true, dependsOn: opts?.dependsOn, replaceOnChanges: ["tmpfs"] },
        );
        const clientHost = bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress;
        this.url = pulumi.output(`http://${clientHost}:${hostPort}`);
        this.registerOutputs({ url: this.url, containerName: this.container.name });
    }
}

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import { containerHealthcheck } from "./healthchecks";

export interface LiteLLMProxyArgs {
    /** LiteLLM image with Postgres support (`litellm-database`), pinned by version and digest. */
    image: string;
    /** The rendered config.yaml; it holds no secrets, only `os.environ/NAME` references. */
    configYaml: pulumi.Input<string>;
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
}

/** Where LiteLLM listens inside the container (its image's default). */
export const PROXY_CONTAINER_PORT = 4000;
export const PROXY_CONFIG_PATH = "/app/config.yaml";

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
 * The LiteLLM proxy container: config.yaml shipped in as an upload (no host bind mount), the
 * environment as a secret, published on loopback by default, and healthy before `pulumi up`
 * returns. Everything that defines the proxy (image, config.yaml, environment) forces a
 * replacement of this container only; the database it talks to is a separate resource.
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
        const hostPort = args.hostPort ?? 4000;
        const bindAddress = args.bindAddress ?? "127.0.0.1";

        const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent: this });
        this.container = new docker.Container(
            name,
            {
                name: `${args.namePrefix}-proxy`,
                image: image.imageId,
                command: ["--port", String(PROXY_CONTAINER_PORT), "--config", PROXY_CONFIG_PATH],
                uploads: [{ file: PROXY_CONFIG_PATH, content: args.configYaml }],
                envs: pulumi.secret(args.environment),
                networksAdvanced: args.networkNames.map((networkName) => ({ name: networkName })),
                ports: [{ internal: PROXY_CONTAINER_PORT, external: hostPort, ip: bindAddress, protocol: "tcp" }],
                healthcheck: containerHealthcheck(PROXY_HEALTHCHECK, "500ms"),
                restart: "unless-stopped",
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
            { parent: this, deleteBeforeReplace: true, dependsOn: opts?.dependsOn },
        );
        const clientHost = bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress;
        this.url = pulumi.output(`http://${clientHost}:${hostPort}`);
        this.registerOutputs({ url: this.url, containerName: this.container.name });
    }
}

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { checkImagePin } from "../../config/images";
import { formatProblems } from "../../config/messages";
import { renderFrontDoorConfig } from "./frontDoorConfig";
import { swarmServiceName } from "./names";
import { FRONT_DOOR_CONFIG_PATH, FRONT_DOOR_CONTAINER_PORT } from "./proxyPorts";
import { swarmDuration } from "./durations";
import { configInput, roleLabels, serviceOptions, swarmConfig } from "./swarmObjects";
import { DROP_ALL_CAPABILITIES, FRONT_DOOR_MEMORY_MB, memoryLimit } from "./taskHardening";

export interface FrontDoorArgs {
    /** HAProxy 2.4+ image pinned by version and digest. */
    image: string;
    /** The stack's Swarm name prefix (`litellm-swarm` → service `litellm-swarm-front-door`). */
    namePrefix: string;
    /** The proxy's service name: HAProxy resolves `tasks.<it>`. */
    proxyServiceName: string;
    /** Port published on every node, in host mode. */
    publishedPort: number;
    /** ID of the overlay network it shares with the proxy. */
    networkId: pulumi.Input<string>;
    /** Server slots for the proxy's tasks (config/multiInstance.ts frontDoorServerSlots). */
    serverSlots: number;
    /** How long it waits for an answer (config/multiInstance.ts frontDoorServerTimeoutSeconds). */
    serverTimeoutSeconds: number;
}

/**
 * One HAProxy per node (a global service) publishing the port in host mode: every node answers on
 * it, a lost node loses only its own door, and host mode needs no routing mesh (no IPVS) while
 * working just as well with it. Host mode binds the port on the node, so a new HAProxy cannot start
 * beside the old one: its updates are stop-first, a second or two per node, and happen only when
 * its image or configuration changes (never for a model or key change). The provider refuses
 * `convergeConfig` for global services, so `pulumi up` does not wait for it; the virtual keys,
 * created through it, wait until it answers.
 *
 * No container healthcheck: HAProxy is the health checker here, and the process either runs or
 * exits (and Swarm restarts it); the door answers GET /front-door/health itself for outside checks.
 */
export class FrontDoor extends pulumi.ComponentResource {
    readonly service: docker.Service;
    readonly serviceName: string;
    /** The rendered haproxy.cfg (no secrets in it). */
    readonly configText: string;

    constructor(name: string, args: FrontDoorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("litellm:swarm:FrontDoor", name, {}, opts);
        const problems = checkImagePin("swarmFrontDoorImage", args.image, "haproxy:3.2-alpine@sha256:...");
        if (problems.length > 0) {
            throw new pulumi.ResourceError(formatProblems(problems), this);
        }
        this.serviceName = swarmServiceName(args.namePrefix, "front-door");
        this.configText = renderFrontDoorConfig({
            proxyServiceName: args.proxyServiceName,
            serverSlots: args.serverSlots,
            serverTimeoutSeconds: args.serverTimeoutSeconds,
        });
        const config = swarmConfig(
            `${name}-config`,
            { prefix: args.namePrefix, role: "front-door-cfg", fileName: FRONT_DOOR_CONFIG_PATH, content: this.configText },
            { parent: this },
        );
        this.service = new docker.Service(
            name,
            {
                name: this.serviceName,
                labels: roleLabels("front-door"),
                mode: { global: true },
                endpointSpec: {
                    mode: "dnsrr",
                    ports: [{ targetPort: FRONT_DOOR_CONTAINER_PORT, publishedPort: args.publishedPort, publishMode: "host", protocol: "tcp" }],
                },
                updateConfig: { parallelism: 1, order: "stop-first", failureAction: "rollback", monitor: swarmDuration(10) },
                rollbackConfig: { parallelism: 1, order: "stop-first", failureAction: "pause", monitor: swarmDuration(10) },
                taskSpec: {
                    containerSpec: {
                        image: args.image,
                        configs: [configInput(config.reference)],
                        // The image runs HAProxy as its haproxy user on a port above 1024: it needs no capability.
                        capDrops: DROP_ALL_CAPABILITIES,
                        // HAProxy's soft stop (the image's STOPSIGNAL): open connections finish first.
                        stopSignal: "SIGUSR1",
                        stopGracePeriod: swarmDuration(Math.min(Math.ceil(args.serverTimeoutSeconds), 120)),
                        labels: roleLabels("front-door"),
                    },
                    networksAdvanceds: [{ id: args.networkId }],
                    resources: memoryLimit(FRONT_DOOR_MEMORY_MB),
                    restartPolicy: { condition: "any", delay: swarmDuration(2) },
                },
            },
            serviceOptions({ parent: this }),
        );
        this.registerOutputs({ serviceName: this.serviceName });
    }
}

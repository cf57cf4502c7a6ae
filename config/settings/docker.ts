/** The local Docker target (stack `dev`): the database image, where the proxy is published, timeouts. */
import { checkImagePin } from "../images";
import { removeCommand, setCommand } from "../messages";
import { configKey } from "./declaration";
import { ConfigInput, readBoolean, readInteger } from "./input";
import type { DeploymentTarget, DockerSettings } from "./types";
import { shown } from "./untrusted";

export const DEFAULT_POSTGRES_IMAGE =
    "postgres:16-alpine@sha256:57c72fd2a128e416c7fcc499958864df5301e940bca0a56f58fddf30ffc07777";

const DOCKER: readonly DeploymentTarget[] = ["docker"];

export const postgresImageKey = configKey({
    key: "postgresImage",
    type: "string",
    default: DEFAULT_POSTGRES_IMAGE,
    targets: DOCKER,
    description: "Postgres 16 image for the dev stack, pinned by version and digest.",
    accepts: "`repository:version@sha256:<64 hex>`; rolling tags are refused.",
});
export const portKey = configKey({
    key: "port",
    type: "integer",
    default: 4000,
    targets: DOCKER,
    description: "Host port the proxy is published on (dev stack).",
    accepts: "A whole number from 1 to 65535.",
});
export const bindAddressKey = configKey({
    key: "bindAddress",
    type: "string",
    default: "127.0.0.1",
    targets: DOCKER,
    description: "Host address the proxy is published on (dev stack). Anything but 127.x exposes it to your network and is warned about.",
    accepts: "An IPv4 address of this host: `127.0.0.1` (only this machine), another 127.x, a LAN address, or `0.0.0.0` (every interface).",
});
export const keepDataKey = configKey({
    key: "keepDataOnDestroy",
    type: "boolean",
    default: true,
    targets: DOCKER,
    description: "Keep the database volume (virtual keys, spend) when the dev stack is destroyed.",
    accepts: "`true` or `false`.",
});
export const startupTimeoutKey = configKey({
    key: "startupTimeoutSeconds",
    type: "integer",
    default: 300,
    targets: DOCKER,
    description: "Seconds pulumi up waits for each container to report healthy (dev stack).",
    accepts: "A whole number from 10 to 3600.",
});

export const DOCKER_KEYS = [postgresImageKey, portKey, bindAddressKey, keepDataKey, startupTimeoutKey];

function isIPv4(value: string): boolean {
    const parts = value.split(".");
    return parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
}

export function parseDockerSettings(input: ConfigInput, target: DeploymentTarget): DockerSettings {
    const postgresImage = input.text(postgresImageKey);
    if (target === "docker") {
        for (const problem of checkImagePin("postgresImage", postgresImage, DEFAULT_POSTGRES_IMAGE)) {
            input.problem(problem.key, problem.problem, problem.fix);
        }
    }
    const port = readInteger(input, portKey, 1, 65535);
    const bindAddress = input.text(bindAddressKey);
    if (!isIPv4(bindAddress)) {
        input.problem(
            "bindAddress",
            `${shown(bindAddress)} is not an IPv4 address of this host.`,
            `${setCommand("bindAddress", "127.0.0.1")} (only this machine), or ${setCommand("bindAddress", "0.0.0.0")} to expose the proxy on every interface`,
        );
    } else if (target === "docker" && !bindAddress.startsWith("127.")) {
        input.warn(
            "bindAddress",
            `the proxy is published on ${bindAddress}:${port}, reachable from other machines on your network; anyone who reaches it still needs a key. ${removeCommand("bindAddress")} to keep it on 127.0.0.1.`,
        );
    }
    return {
        postgresImage,
        port,
        bindAddress,
        keepDataOnDestroy: readBoolean(input, keepDataKey),
        startupTimeoutSeconds: readInteger(input, startupTimeoutKey, 10, 3600),
    };
}

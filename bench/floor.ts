/**
 * The floor: each image started alone with plain Engine API calls, no orchestration: Postgres on
 * an empty volume until pg_isready answers, then LiteLLM (its database up) until it serves.
 */
import { execFile } from "node:child_process";
import { dockerCall, inspectContainer } from "../tests/docker/dockerApi";
import { throwIfInterrupted, withCleanup } from "./cleanup";
import { untilServingAnyModel } from "./proxyProbe";
import { FLOOR_PORT, FLOOR_PREFIX, MASTER_KEY, TestImages } from "./settings";

export interface FloorFigures {
    postgresMs: number;
    litellmMs: number;
}

const NETWORK = FLOOR_PREFIX;
const VOLUME = `${FLOOR_PREFIX}-data`;
const DATABASE = `${FLOOR_PREFIX}-db`;
const PROXY = `${FLOOR_PREFIX}-proxy`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createAndStart(body: Record<string, unknown>, name: string): Promise<void> {
    throwIfInterrupted();
    const created = await dockerCall<{ Id: string }>("POST", `/containers/create?name=${name}`, { body });
    await dockerCall("POST", `/containers/${created.Id}/start`);
}

const succeeds = (command: string, args: string[]) => new Promise<boolean>((resolve) => execFile(command, args, (error) => resolve(!error)));

async function sweepFloor(): Promise<void> {
    await dockerCall("DELETE", `/containers/${PROXY}?force=true`).catch(() => undefined);
    await dockerCall("DELETE", `/containers/${DATABASE}?force=true&v=true`).catch(() => undefined);
    await dockerCall("DELETE", `/volumes/${VOLUME}`).catch(() => undefined);
    await dockerCall("DELETE", `/networks/${NETWORK}`).catch(() => undefined);
}

async function postgresAlone(images: TestImages): Promise<number> {
    const start = performance.now();
    await createAndStart(
        {
            Image: images.postgresImage,
            Env: ["POSTGRES_USER=litellm", "POSTGRES_PASSWORD=litellm", "POSTGRES_DB=litellm"],
            HostConfig: { NetworkMode: NETWORK, Mounts: [{ Type: "volume", Source: VOLUME, Target: "/var/lib/postgresql/data" }] },
            NetworkingConfig: { EndpointsConfig: { [NETWORK]: { Aliases: ["db"] } } },
        },
        DATABASE,
    );
    const address = (await inspectContainer(DATABASE)).NetworkSettings.Networks[NETWORK].IPAddress;
    // Over TCP on the network address, as the proxy will connect (the first-start server listens on the socket only).
    while (!(await succeeds("docker", ["exec", DATABASE, "pg_isready", "-q", "-h", address, "-U", "litellm"]))) {
        await sleep(50);
    }
    return performance.now() - start;
}

async function litellmAlone(images: TestImages): Promise<number> {
    const start = performance.now();
    await createAndStart(
        {
            Image: images.litellmImage,
            Cmd: ["--port", "4000"],
            Env: [`LITELLM_MASTER_KEY=${MASTER_KEY}`, "DATABASE_URL=postgresql://litellm:litellm@db:5432/litellm"],
            ExposedPorts: { "4000/tcp": {} },
            HostConfig: { NetworkMode: NETWORK, PortBindings: { "4000/tcp": [{ HostIp: "127.0.0.1", HostPort: String(FLOOR_PORT) }] } },
        },
        PROXY,
    );
    await untilServingAnyModel(FLOOR_PORT, MASTER_KEY);
    return performance.now() - start;
}

export async function measureFloor(images: TestImages): Promise<FloorFigures> {
    await sweepFloor();
    return withCleanup(sweepFloor, async () => {
        await dockerCall("POST", "/networks/create", { body: { Name: NETWORK, CheckDuplicate: true } });
        const postgresMs = await postgresAlone(images);
        const litellmMs = await litellmAlone(images);
        return { postgresMs, litellmMs };
    });
}

/**
 * A minimal client for the Docker Engine API over its unix socket: only the calls the real-Docker
 * harness needs. Errors carry the engine's message.
 */
import { request } from "node:http";

const SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";
/** API 1.41 is Docker 20.10's (Debian bookworm's docker.io); newer engines accept it too. */
const API = "/v1.41";

export class DockerApiError extends Error {
    constructor(
        readonly status: number,
        message: string,
    ) {
        super(message);
        this.name = "DockerApiError";
    }
}

interface CallOptions {
    body?: unknown;
    /** A raw body (tar archives) instead of JSON. */
    raw?: Buffer;
    contentType?: string;
    timeoutMs?: number;
    /** Resolve with the body as text (logs) instead of parsing it. */
    text?: boolean;
    /** Another engine's unix socket (the Swarm nodes of tests/docker/swarmNodes.ts); default DOCKER_SOCKET. */
    socket?: string;
}

export function dockerCall<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    return new Promise((resolve, reject) => {
        const payload = options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
        const req = request(
            {
                socketPath: options.socket ?? SOCKET,
                method,
                path: `${API}${path}`,
                headers: payload
                    ? { "Content-Type": options.contentType ?? "application/json", "Content-Length": payload.length }
                    : undefined,
                timeout: options.timeoutMs ?? 120_000,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (chunk: Buffer) => chunks.push(chunk));
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    const status = res.statusCode ?? 0;
                    if (status >= 400) {
                        let message = text;
                        try {
                            message = (JSON.parse(text) as { message?: string }).message ?? text;
                        } catch {
                            // not JSON: keep the text
                        }
                        reject(new DockerApiError(status, `${method} ${path}: HTTP ${status}: ${message.trim()}`));
                        return;
                    }
                    if (options.text) {
                        resolve(text as T);
                        return;
                    }
                    if (!text) {
                        resolve(undefined as T);
                        return;
                    }
                    try {
                        resolve(JSON.parse(text) as T);
                    } catch {
                        // Streaming endpoints (image pull) answer JSON lines; the last one says how it ended.
                        // Anything else that is not JSON (the /_ping "OK") is refused, not thrown in this callback.
                        let lines: { error?: string }[];
                        try {
                            lines = text.trim().split("\n").map((line) => JSON.parse(line) as { error?: string });
                        } catch {
                            reject(new DockerApiError(status, `${method} ${path}: HTTP ${status} answered ${JSON.stringify(text.slice(0, 200))}, not JSON (ask with { text: true })`));
                            return;
                        }
                        const last = lines[lines.length - 1];
                        if (last.error) {
                            reject(new DockerApiError(500, `${method} ${path}: ${last.error}`));
                        } else {
                            resolve(lines as T);
                        }
                    }
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer from the Docker engine`)));
        req.on("error", reject);
        if (payload) {
            req.write(payload);
        }
        req.end();
    });
}

export async function dockerIsAvailable(): Promise<boolean> {
    try {
        await dockerCall("GET", "/_ping", { timeoutMs: 3000, text: true });
        return true;
    } catch {
        return false;
    }
}

export interface ContainerInspect {
    Id: string;
    Name: string;
    RestartCount: number;
    State: { Status: string; Running: boolean; Pid: number; Health?: { Status: string; Log?: { Output: string }[] } };
    Config: { Image: string; Env: string[]; Labels: Record<string, string> };
    HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null; RestartPolicy: { Name: string } };
    NetworkSettings: { Networks: Record<string, { NetworkID: string; Aliases: string[] | null; IPAddress: string }> };
}

export function inspectContainer(nameOrId: string): Promise<ContainerInspect> {
    return dockerCall<ContainerInspect>("GET", `/containers/${encodeURIComponent(nameOrId)}/json`);
}

export async function containerExists(nameOrId: string): Promise<boolean> {
    try {
        await inspectContainer(nameOrId);
        return true;
    } catch (error) {
        if (error instanceof DockerApiError && error.status === 404) {
            return false;
        }
        throw error;
    }
}

export async function objectExists(kind: "networks" | "volumes" | "images", nameOrId: string): Promise<boolean> {
    try {
        await dockerCall("GET", `/${kind}/${encodeURIComponent(nameOrId)}${kind === "images" ? "/json" : ""}`);
        return true;
    } catch (error) {
        if (error instanceof DockerApiError && error.status === 404) {
            return false;
        }
        throw error;
    }
}

/** A POSIX tar archive of the given files, as `PUT /containers/{id}/archive` takes it. */
export function tarArchive(files: { path: string; content: Buffer; mode: number }[]): Buffer {
    const blocks: Buffer[] = [];
    for (const file of files) {
        const header = Buffer.alloc(512);
        const name = file.path.replace(/^\/+/, "");
        if (Buffer.byteLength(name) > 100) {
            throw new Error(`tarArchive: path too long for a plain tar header: ${name}`);
        }
        header.write(name, 0, 100, "utf8");
        header.write(file.mode.toString(8).padStart(7, "0") + "\0", 100, 8, "ascii");
        header.write("0000000\0", 108, 8, "ascii");
        header.write("0000000\0", 116, 8, "ascii");
        header.write(file.content.length.toString(8).padStart(11, "0") + "\0", 124, 12, "ascii");
        header.write(Math.floor(Date.now() / 1000).toString(8).padStart(11, "0") + "\0", 136, 12, "ascii");
        header.write("        ", 148, 8, "ascii");
        header.write("0", 156, 1, "ascii");
        header.write("ustar\0", 257, 6, "ascii");
        header.write("00", 263, 2, "ascii");
        let checksum = 0;
        for (const byte of header) {
            checksum += byte;
        }
        header.write(checksum.toString(8).padStart(6, "0") + "\0 ", 148, 8, "ascii");
        blocks.push(header, file.content, Buffer.alloc((512 - (file.content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
}

/** Like `dockerCall`, but resolves with the raw body (multiplexed log and exec streams are binary). */
export function dockerCallBuffer(method: string, path: string, options: Omit<CallOptions, "text"> = {}): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const payload = options.raw ?? (options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body)));
        const req = request(
            {
                socketPath: options.socket ?? SOCKET,
                method,
                path: `${API}${path}`,
                headers: payload ? { "Content-Type": options.contentType ?? "application/json", "Content-Length": payload.length } : undefined,
                timeout: options.timeoutMs ?? 120_000,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (chunk: Buffer) => chunks.push(chunk));
                res.on("end", () => {
                    const body = Buffer.concat(chunks);
                    const status = res.statusCode ?? 0;
                    if (status >= 400) {
                        let message = body.toString("utf8");
                        try {
                            message = (JSON.parse(message) as { message?: string }).message ?? message;
                        } catch {
                            // not JSON: keep the text
                        }
                        reject(new DockerApiError(status, `${method} ${path}: HTTP ${status}: ${message.trim()}`));
                        return;
                    }
                    resolve(body);
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer from the Docker engine`)));
        req.on("error", reject);
        if (payload) {
            req.write(payload);
        }
        req.end();
    });
}

/**
 * The text of a multiplexed stream (logs or exec output of a container without a TTY): frames of an
 * 8-byte header (stream, 0, 0, 0, big-endian length) followed by that many bytes.
 */
export function demultiplexed(stream: Buffer): string {
    const parts: Buffer[] = [];
    let offset = 0;
    while (offset + 8 <= stream.length) {
        const length = stream.readUInt32BE(offset + 4);
        parts.push(stream.subarray(offset + 8, offset + 8 + length));
        offset += 8 + length;
    }
    return Buffer.concat(parts).toString("utf8");
}

/** stdout and stderr of a container so far, interleaved as the engine recorded them. */
export async function containerLogs(nameOrId: string): Promise<string> {
    return demultiplexed(await dockerCallBuffer("GET", `/containers/${encodeURIComponent(nameOrId)}/logs?stdout=true&stderr=true`));
}

/**
 * Runs a command in a running container (`docker exec`), returning its exit code and output.
 * `socket`: another engine's API socket (a Swarm node of tests/docker/swarmNodes.ts).
 */
export async function execInContainer(
    nameOrId: string,
    cmd: string[],
    user?: string,
    socket?: string,
    env?: string[],
): Promise<{ exitCode: number; output: string }> {
    const created = await dockerCall<{ Id: string }>("POST", `/containers/${encodeURIComponent(nameOrId)}/exec`, {
        socket,
        // `env`: values the command reads that should not be in its arguments (exec inspect shows those)
        body: { Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}), ...(env ? { Env: env } : {}) },
    });
    const output = demultiplexed(await dockerCallBuffer("POST", `/exec/${created.Id}/start`, { socket, body: { Detach: false, Tty: false } }));
    const inspected = await dockerCall<{ ExitCode: number | null }>("GET", `/exec/${created.Id}/json`, { socket });
    return { exitCode: inspected.ExitCode ?? -1, output };
}

/**
 * `docker build` of a context given as files (classic builder, as Docker 20.10 runs it by default),
 * tagged `tag`. Rejects with the builder's own error message when a step fails.
 */
export async function buildImage(tag: string, files: Record<string, string>, timeoutMs = 300_000): Promise<void> {
    const context = tarArchive(Object.entries(files).map(([path, content]) => ({ path, content: Buffer.from(content), mode: 0o644 })));
    const stream = await dockerCallBuffer("POST", `/build?t=${encodeURIComponent(tag)}&rm=1&forcerm=1&pull=0`, {
        raw: context,
        contentType: "application/x-tar",
        timeoutMs,
    });
    const lines = stream
        .toString("utf8")
        .split("\n")
        .filter((line) => line.trim().length > 0)
        .map((line) => JSON.parse(line) as { stream?: string; error?: string });
    const failed = lines.find((line) => line.error);
    if (failed) {
        const log = lines.map((line) => line.stream ?? "").join("");
        throw new DockerApiError(500, `build of ${tag} failed: ${failed.error}\n${log}`);
    }
}

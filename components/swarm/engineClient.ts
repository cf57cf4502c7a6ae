/**
 * The one client this project has for the Docker Engine API itself, for what @pulumi/docker cannot
 * declare: a Swarm job (`ReplicatedJob` service mode, Engine API 1.41 = Docker 20.10) that runs the
 * database migration once and is removed (components/swarm/migrationProvider.ts).
 *
 * It talks HTTP over the engine's Unix socket (`unix:///var/run/docker.sock`, the default) or plain
 * TCP (`tcp://host:2375`), the way the Docker provider does with `docker:host` / DOCKER_HOST.
 * Every request has a timeout, every error says what was attempted, and nothing it returns repeats
 * a credential: log lines are redacted by shape (URL credentials, keys, `password=`), because the
 * job's own secrets never reach this module (they travel as Swarm secret IDs).
 *
 * This module is captured by value into a dynamic provider (Pulumi serializes its closure into the
 * stack's state), like components/litellm/adminClient.ts: only globals and Node built-ins at run
 * time, the built-ins required inside functions (a require there is what the closure serializer
 * turns back into a require), no module-level state, no exported constant read by a function.
 */
import type * as Http from "node:http";

/** Where the engine listens: a Unix socket, or a TCP host and port. */
export type EngineEndpoint = { socketPath: string } | { host: string; port: number };

/** An engine answer: status, the body parsed as JSON when it is JSON, and the raw bytes. */
export interface EngineAnswer {
    status: number;
    body: unknown;
    raw: Uint8Array;
}

/**
 * `unix:///path`, `tcp://host:port` or `http://host:port` as an endpoint; an error that says what
 * to use instead for anything else (ssh:// and TLS are not spoken here).
 */
export function parseEngineHost(value: string): EngineEndpoint {
    const text = String(value).trim();
    if (text.startsWith("unix://")) {
        const socketPath = text.slice("unix://".length);
        if (!socketPath.startsWith("/")) {
            throw new Error(`the Docker host ${JSON.stringify(text)} is not an absolute Unix socket path (unix:///var/run/docker.sock)`);
        }
        return { socketPath };
    }
    const tcp = /^(?:tcp|http):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):([0-9]{1,5})\/?$/.exec(text);
    if (tcp) {
        return { host: tcp[1].replace(/^\[|\]$/g, ""), port: Number(tcp[2]) };
    }
    throw new Error(
        `the Docker host ${JSON.stringify(text.replace(/\/\/[^@/]*@/, "//[redacted]@"))} is not supported for the migration job: use unix:///var/run/docker.sock on a manager, ` +
            "or forward a manager's socket (ssh -NL /tmp/docker.sock:/var/run/docker.sock <manager>) and set DOCKER_HOST=unix:///tmp/docker.sock",
    );
}

/** Docker Engine API 1.41 (Docker 20.10) is the first with Swarm jobs; later engines accept it. */
export function engineApiPath(path: string): string {
    return `/v1.41${path}`;
}

/** One request to the engine; rejects only when no answer came (socket missing, timeout). */
export function engineRequest(endpoint: EngineEndpoint, method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<EngineAnswer> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const http = require("node:http") as typeof Http;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const target = "socketPath" in endpoint ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
    return new Promise((resolve, reject) => {
        const request = http.request(
            {
                ...target,
                method,
                path: engineApiPath(path),
                headers: { Host: "docker", ...(payload ? { "Content-Type": "application/json", "Content-Length": String(payload.length) } : {}) },
                timeout: timeoutMs,
            },
            (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("end", () => {
                    const raw = Buffer.concat(chunks);
                    let parsed: unknown = undefined;
                    if (String(response.headers["content-type"] ?? "").includes("json")) {
                        try {
                            parsed = JSON.parse(raw.toString("utf8"));
                        } catch {
                            parsed = undefined;
                        }
                    }
                    resolve({ status: response.statusCode ?? 0, body: parsed, raw: new Uint8Array(raw) });
                });
                response.on("error", (error: Error) => reject(new Error(`reading the Docker engine's answer to ${method} ${path} failed: ${error.message}`)));
            },
        );
        request.on("timeout", () => request.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
        request.on("error", (error: Error) => {
            const where = "socketPath" in endpoint ? endpoint.socketPath : `${endpoint.host}:${endpoint.port}`;
            reject(new Error(`the Docker engine at ${where} did not answer ${method} ${path}: ${error.message}`));
        });
        if (payload) {
            request.write(payload);
        }
        request.end();
    });
}

/** The engine's own error message (`{"message": ...}`), or the start of the body. */
export function engineMessage(answer: EngineAnswer): string {
    const body = answer.body;
    if (typeof body === "object" && body !== null && typeof (body as Record<string, unknown>).message === "string") {
        return redactLogText((body as Record<string, string>).message);
    }
    return redactLogText(Buffer.from(answer.raw).toString("utf8").slice(0, 300));
}

/**
 * The text of a non-TTY log stream: Docker frames every chunk with an 8-byte header (stream type,
 * three zero bytes, big-endian length). A stream that is not framed is returned as it is.
 */
export function demuxDockerLogs(raw: Uint8Array): string {
    const bytes = Buffer.from(raw);
    const parts: string[] = [];
    let offset = 0;
    while (offset + 8 <= bytes.length) {
        const stream = bytes[offset];
        const framed = (stream === 0 || stream === 1 || stream === 2) && bytes[offset + 1] === 0 && bytes[offset + 2] === 0 && bytes[offset + 3] === 0;
        if (!framed) {
            return offset === 0 ? bytes.toString("utf8") : parts.join("");
        }
        const size = bytes.readUInt32BE(offset + 4);
        parts.push(bytes.subarray(offset + 8, offset + 8 + size).toString("utf8"));
        offset += 8 + size;
    }
    return parts.join("");
}

/**
 * A log line or error without the credentials it could carry: the user and password of any URL
 * (`postgresql://user:pass@host`), anything shaped like a LiteLLM or provider key, and the value
 * after `password=` / `password:`.
 */
export function redactLogText(text: string): string {
    return text
        .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/@]*@/g, "$1[redacted]@")
        .replace(/\b(sk|hf)[-_][A-Za-z0-9_-]{8,}/g, "$1-[redacted]")
        .replace(/(password\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi, "$1[redacted]");
}

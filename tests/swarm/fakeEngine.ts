/**
 * A fake Docker Engine API on a Unix socket, for the migration provider's tests: the few endpoints
 * it calls (services list/create/delete/logs, tasks list), answering as Engine API 1.41 does, with
 * a scenario per job: complete, fail with an exit code and log lines, or never finish.
 * It refuses anything else with 404, so a call the provider should not make shows up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type JobOutcome = { kind: "complete"; afterPolls?: number } | { kind: "fail"; exitCode: number; logs: string[]; err?: string } | { kind: "never" };

export interface FakeService {
    id: string;
    spec: Record<string, unknown>;
    polls: number;
}

export interface FakeEngine {
    socketPath: string;
    /** Services that exist now. */
    services: Map<string, FakeService>;
    /** Every request, as `METHOD path` (the API version stripped). */
    requests: string[];
    /** Specs of every service created, in order. */
    created: Record<string, unknown>[];
    outcome: JobOutcome;
    close(): Promise<void>;
}

function frame(stream: number, text: string): Buffer {
    const payload = Buffer.from(text, "utf8");
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
}

export async function startFakeEngine(outcome: JobOutcome = { kind: "complete" }): Promise<FakeEngine> {
    const directory = mkdtempSync(join(tmpdir(), "fake-engine-"));
    const socketPath = join(directory, "docker.sock");
    let next = 1;
    const engine: FakeEngine = {
        socketPath,
        services: new Map(),
        requests: [],
        created: [],
        outcome,
        close: async () => {
            await new Promise<void>((resolve) => server.close(() => resolve()));
            rmSync(directory, { recursive: true, force: true });
        },
    };
    const json = (response: ServerResponse, status: number, body: unknown) => {
        response.writeHead(status, { "Content-Type": "application/json" });
        response.end(JSON.stringify(body));
    };
    const handle = (request: IncomingMessage, body: string, response: ServerResponse) => {
        const url = new URL(request.url ?? "/", "http://docker");
        const path = url.pathname.replace(/^\/v1\.41/, "");
        engine.requests.push(`${request.method} ${path}`);
        if (!url.pathname.startsWith("/v1.41/")) {
            return json(response, 400, { message: "client version missing" });
        }
        const filters = JSON.parse(url.searchParams.get("filters") ?? "{}") as Record<string, string[]>;
        if (request.method === "GET" && path === "/services") {
            const names = filters.name ?? [];
            const matching = [...engine.services.values()].filter((s) => names.length === 0 || names.some((n) => String(s.spec.Name).startsWith(n)));
            return json(response, 200, matching.map((s) => ({ ID: s.id, Spec: s.spec })));
        }
        if (request.method === "POST" && path === "/services/create") {
            const spec = JSON.parse(body) as Record<string, unknown>;
            if ([...engine.services.values()].some((s) => s.spec.Name === spec.Name)) {
                return json(response, 409, { message: `rpc error: code = AlreadyExists desc = name conflicts with an existing object: service ${String(spec.Name)} already exists` });
            }
            const id = `svc${next++}`;
            engine.services.set(id, { id, spec, polls: 0 });
            engine.created.push(spec);
            return json(response, 201, { ID: id, Warnings: null });
        }
        const service = /^\/services\/([^/]+)(\/logs)?$/.exec(path);
        if (service) {
            const found = engine.services.get(service[1]);
            if (!found) {
                return json(response, 404, { message: `service ${service[1]} not found` });
            }
            if (request.method === "DELETE" && !service[2]) {
                engine.services.delete(found.id);
                response.writeHead(200);
                return response.end();
            }
            if (request.method === "GET" && service[2]) {
                const lines = engine.outcome.kind === "fail" ? engine.outcome.logs : [];
                response.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" });
                return response.end(Buffer.concat(lines.map((line, i) => frame(i % 2 === 0 ? 1 : 2, `${line}\n`))));
            }
        }
        if (request.method === "GET" && path === "/tasks") {
            const found = engine.services.get((filters.service ?? [])[0] ?? "");
            if (!found) {
                return json(response, 200, []);
            }
            found.polls++;
            const result = engine.outcome;
            let status: Record<string, unknown>;
            if (result.kind === "complete" && found.polls > (result.afterPolls ?? 1)) {
                status = { State: "complete", Message: "finished", ContainerStatus: { ExitCode: 0 } };
            } else if (result.kind === "fail" && found.polls > 1) {
                status = { State: "failed", Message: "started", Err: result.err ?? `task: non-zero exit (${result.exitCode})`, ContainerStatus: { ExitCode: result.exitCode } };
            } else {
                status = { State: found.polls === 1 ? "preparing" : "running", Message: found.polls === 1 ? "preparing" : "started" };
            }
            return json(response, 200, [{ ID: `${found.id}-task`, ServiceID: found.id, DesiredState: "complete", Status: status }]);
        }
        return json(response, 404, { message: `page not found: ${request.method} ${path}` });
    };
    const server: Server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => handle(request, Buffer.concat(chunks).toString("utf8"), response));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, () => resolve()));
    return engine;
}

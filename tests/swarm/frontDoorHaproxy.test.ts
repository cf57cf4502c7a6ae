/**
 * The front door's haproxy.cfg run by a real HAProxy (HAPROXY_BIN, or `haproxy` on the PATH; skipped
 * without one outside CI, a failure in CI), outside Docker: a small DNS server stands in for Docker's (`tasks.<service>` lists
 * the tasks), HTTP servers on loopback addresses stand in for the proxy's tasks. What it shows:
 * discovery through DNS, routing on readiness, a request to a task that is gone retried elsewhere
 * (POST included: nothing reached it), and a POST answered 503 not sent twice while a GET is.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { createSocket, Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, Server } from "node:http";
import { AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderFrontDoorConfig } from "../../components/swarm/frontDoorConfig";

const haproxy = process.env.HAPROXY_BIN ?? "haproxy";
const available = spawnSync(haproxy, ["-v"]).status === 0;
if (!available && process.env.CI === "true") {
    throw new Error("HAProxy is needed in CI to run the front door's haproxy.cfg for real; .ci/run installs Debian's haproxy.");
}
const SERVICE = "litellm-swarm-proxy";
const ADDRESSES = ["127.0.0.2", "127.0.0.3"];

/** A DNS server answering A queries for tasks.<service> with `answers`, NXDOMAIN otherwise. */
function startDns(answers: { addresses: string[] }): Promise<{ socket: Socket; port: number }> {
    const socket = createSocket("udp4");
    socket.on("message", (message, remote) => {
        let offset = 12;
        const labels: string[] = [];
        while (message[offset] !== 0) {
            labels.push(message.subarray(offset + 1, offset + 1 + message[offset]).toString());
            offset += message[offset] + 1;
        }
        const questionEnd = offset + 5;
        const qtype = message.readUInt16BE(offset + 1);
        const name = labels.join(".").toLowerCase();
        const known = name === `tasks.${SERVICE}`;
        const records = known && qtype === 1 ? answers.addresses : [];
        const header = Buffer.alloc(12);
        message.copy(header, 0, 0, 2);
        header.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
        header.writeUInt16BE(1, 4);
        header.writeUInt16BE(records.length, 6);
        const answerRecords = records.map((address) => {
            const record = Buffer.alloc(16);
            record.writeUInt16BE(0xc00c, 0);
            record.writeUInt16BE(1, 2);
            record.writeUInt16BE(1, 4);
            record.writeUInt32BE(1, 6);
            record.writeUInt16BE(4, 10);
            address.split(".").forEach((octet, i) => (record[12 + i] = Number(octet)));
            return record;
        });
        socket.send(Buffer.concat([header, message.subarray(12, questionEnd), ...answerRecords]), remote.port, remote.address);
    });
    return new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve({ socket, port: (socket.address() as AddressInfo).port })));
}

interface Task {
    address: string;
    ready: boolean;
    /** Answer 503 to everything but readiness. */
    failing: boolean;
    /** Milliseconds before answering a request (a long completion, a stream). */
    delayMs?: number;
    served: number;
    server?: Server;
}

function startTask(task: Task, port: number): Promise<void> {
    task.server = createServer((req, res) => {
        if (req.url === "/health/readiness") {
            res.writeHead(task.ready ? 200 : 503).end(task.ready ? '{"status":"healthy"}' : "{}");
            return;
        }
        req.resume();
        req.on("end", () => {
            task.served++;
            setTimeout(() => res.writeHead(task.failing ? 503 : 200, { "Content-Type": "text/plain" }).end(task.address), task.delayMs ?? 0);
        });
    });
    return new Promise((resolve) => task.server?.listen(port, task.address, () => resolve()));
}

function stopTask(task: Task): Promise<void> {
    return new Promise((resolve) => (task.server ? task.server.close(() => resolve()) : resolve()));
}

function call(port: number, method: "GET" | "POST"): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method, path: "/v1/chat/completions", headers: { "Content-Type": "application/json", Connection: "close" } }, (res) => {
            let body = "";
            res.on("data", (chunk: Buffer) => (body += chunk.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end(method === "POST" ? '{"model":"default","messages":[]}' : undefined);
    });
}

async function freePort(host = "127.0.0.1"): Promise<number> {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) {
            throw new Error("condition not met in time");
        }
        await sleep(100);
    }
}

describe.skipIf(!available)("the front door, run by HAProxy", () => {
    const answers = { addresses: [...ADDRESSES] };
    const tasks: Task[] = ADDRESSES.map((address) => ({ address, ready: true, failing: false, served: 0 }));
    let dns: { socket: Socket; port: number };
    let door: ChildProcess;
    let doorPort: number;
    let directory: string;

    beforeAll(async () => {
        dns = await startDns(answers);
        const taskPort = await freePort("127.0.0.2");
        for (const task of tasks) {
            await startTask(task, taskPort);
        }
        doorPort = await freePort();
        directory = mkdtempSync(join(tmpdir(), "front-door-"));
        const cfg = renderFrontDoorConfig({ proxyServiceName: SERVICE, serverSlots: 5, serverTimeoutSeconds: 600, nameserver: `127.0.0.1:${dns.port}`, listenPort: doorPort, proxyPort: taskPort });
        writeFileSync(join(directory, "haproxy.cfg"), cfg);
        door = spawn(haproxy, ["-db", "-f", join(directory, "haproxy.cfg")], { stdio: "ignore" });
        // Both tasks discovered and checked healthy.
        await until(async () => {
            const seen = new Set<string>();
            for (let i = 0; i < 6; i++) {
                const answer = await call(doorPort, "GET").catch(() => ({ status: 0, body: "" }));
                if (answer.status === 200) {
                    seen.add(answer.body);
                }
            }
            return seen.size === 2;
        }, 15_000);
    }, 30_000);

    afterAll(async () => {
        door?.kill("SIGTERM");
        dns?.socket.close();
        await Promise.all(tasks.map(stopTask));
        if (directory) {
            rmSync(directory, { recursive: true, force: true });
        }
    });

    it("sends a POST whose task is gone to another task: nothing reached the dead one", async () => {
        const [gone] = tasks;
        await stopTask(gone);
        // At once, before the health check notices: every attempt on it is a refused connection.
        const answers_ = await Promise.all(Array.from({ length: 20 }, () => call(doorPort, "POST")));
        expect(answers_.map((a) => a.status)).toEqual(Array(20).fill(200));
        expect(new Set(answers_.map((a) => a.body))).toEqual(new Set([tasks[1].address]));
        await startTask(gone, (tasks[1].server?.address() as AddressInfo).port);
        await until(async () => (await Promise.all(Array.from({ length: 6 }, () => call(doorPort, "GET")))).some((a) => a.body === gone.address), 10_000);
    }, 20_000);

    it("never sends a POST twice when a task answers it 503, but retries a GET elsewhere", async () => {
        const [failing, healthy] = tasks;
        failing.failing = true;
        try {
            const posts = await Promise.all(Array.from({ length: 20 }, () => call(doorPort, "POST")));
            const gets = await Promise.all(Array.from({ length: 20 }, () => call(doorPort, "GET")));
            expect(posts.some((a) => a.status === 503), "some POSTs reached the failing task").toBe(true);
            expect(posts.filter((a) => a.status === 200).every((a) => a.body === healthy.address)).toBe(true);
            expect(gets.map((a) => a.status)).toEqual(Array(20).fill(200));
        } finally {
            failing.failing = false;
        }
    }, 20_000);

    it("stops sending to a task whose readiness fails (a draining one), and takes it back when it passes", async () => {
        const [draining, other] = tasks;
        draining.ready = false;
        await sleep(3_000);
        const before = draining.served;
        const answers_ = await Promise.all(Array.from({ length: 20 }, () => call(doorPort, "POST")));
        expect(answers_.every((a) => a.status === 200 && a.body === other.address)).toBe(true);
        expect(draining.served).toBe(before);
        draining.ready = true;
        await until(async () => (await Promise.all(Array.from({ length: 6 }, () => call(doorPort, "GET")))).some((a) => a.body === draining.address), 10_000);
    }, 20_000);

    it("lets a request in flight on a task finish after Swarm's DNS dropped the task (a stopping task drains)", async () => {
        const [stopping, kept] = tasks;
        stopping.delayMs = 2_500;
        kept.delayMs = 2_500;
        try {
            const inFlight = Promise.all(Array.from({ length: 4 }, () => call(doorPort, "POST")));
            await sleep(300);
            answers.addresses = [kept.address];
            const answered = await inFlight;
            expect(answered.map((a) => a.status)).toEqual([200, 200, 200, 200]);
            expect(answered.some((a) => a.body === stopping.address)).toBe(true);
        } finally {
            stopping.delayMs = 0;
            kept.delayMs = 0;
            answers.addresses = [...ADDRESSES];
        }
        await until(async () => (await Promise.all(Array.from({ length: 6 }, () => call(doorPort, "GET")))).some((a) => a.body === stopping.address), 10_000);
    }, 20_000);

    it("forgets a task Swarm's DNS no longer lists", async () => {
        const [removed, kept] = tasks;
        answers.addresses = [kept.address];
        await sleep(3_000);
        const before = removed.served;
        const answers_ = await Promise.all(Array.from({ length: 20 }, () => call(doorPort, "GET")));
        expect(answers_.every((a) => a.status === 200 && a.body === kept.address)).toBe(true);
        expect(removed.served).toBe(before);
        answers.addresses = [...ADDRESSES];
    }, 20_000);
});

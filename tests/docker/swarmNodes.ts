/**
 * A multi-node Swarm on one machine, for tests: one dockerd per network namespace, as
 * ../shared/reference/swarm.md measured it. Each node runs under `nsenter --net=/run/netns/<node>`
 * (`ip netns exec` breaks dockerd) with its own --data-root, --exec-root, API socket, --pidfile,
 * `--bridge none` and --cgroup-parent; the nodes' namespaces are joined by veth pairs to a bridge in
 * a namespace the test makes ("hub", 10.231.0.1/24), nodes at 10.231.0.11, .12, .13 ... The first
 * node initialises the swarm, the others join (as workers, or as managers with `managers`).
 *
 * Traffic stays inside those namespaces or on loopback:
 * - `forward(address, port)` gives the test a 127.0.0.1 port that reaches address:port as seen
 *   from the hub (a relay process in the hub, reached over a unix socket);
 * - with `registry: true` (default) each node sees the local test registry on its own
 *   127.0.0.1:5000 (a relay in the node's namespace, back to the host's 127.0.0.1:5000 over a unix
 *   socket), so digest-pinned refs (tests/images/.refs.json) pull on every node as with a real
 *   registry; `loadImages` copies images with `docker save | docker load` instead (by tag: a
 *   loaded image has no repo digest, so a digest-pinned ref does not resolve from it, measured).
 *
 * `cut(node)` takes the node's link down at the hub (its cable pulled) and `restore(node)` brings
 * it back. `stop()` tears everything down; a reaper process does the same if the test process dies
 * first (tests/docker/swarm/teardown.ts). Every wait is bounded.
 */
import { ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createConnection, createServer, Server, Socket } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { until } from "../support/polling";
import { dockerCall } from "./dockerApi";
import type { SwarmTarget } from "./realSwarmEngine";
import { alive, DATA_ROOT, NodesPlan, PREFIX, STATE_ROOT, teardownNodes, writePlan } from "./swarm/teardown";

const run = promisify(execFile);

export interface SwarmNodesOptions {
    /** Number of nodes (default 3). */
    nodes?: number;
    /** How many of them are managers (default 1: the first; 3 gives a quorum that survives one lost node). */
    managers?: number;
    /** The first three octets of the nodes' /24 (default 10.231.0). */
    subnet?: string;
    /** Make the host's test registry (127.0.0.1:5000) reachable on each node's 127.0.0.1:5000 (default true). */
    registry?: boolean;
    /** Progress lines (default: none). */
    log?: (line: string) => void;
}

export interface SwarmNode {
    name: string;
    address: string;
    netns: string;
    socket: string;
    nodeId: string;
    role: "manager" | "worker";
    /** The hub side of the node's veth pair (what `cut` takes down). */
    hubLink: string;
}

export interface Forward {
    /** A port on 127.0.0.1 that reaches the target. */
    port: number;
    url: string;
    close(): Promise<void>;
}

export interface StartupTimings {
    namespacesMs: number;
    daemonsMs: number;
    relaysMs: number;
    initMs: number;
    joinMs: number;
    readyMs: number;
    totalMs: number;
}


async function ip(...args: string[]): Promise<void> {
    await run("ip", args, { timeout: 15_000 });
}


/**
 * Why this machine cannot run the multi-node engine, or undefined when it can: root (network
 * namespaces), ip, nsenter and dockerd, and the local engine answering (the test registry runs there).
 * Synchronous, so a test file can decide at load time whether to skip (or, in CI, fail).
 */
export function multiNodeEngineProblem(): string | undefined {
    if (process.getuid?.() !== 0) {
        return "the multi-node engine needs root (network namespaces)";
    }
    for (const tool of ["ip", "nsenter", "dockerd"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
            return `${tool} is not installed`;
        }
    }
    const ping = `require("http").get({ socketPath: "/var/run/docker.sock", path: "/_ping" }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`;
    if (spawnSync(process.execPath, ["-e", ping], { timeout: 5000 }).status !== 0) {
        return "no Docker engine answers on /var/run/docker.sock (the test registry runs there)";
    }
    return undefined;
}

export class SwarmNodes implements SwarmTarget {
    readonly nodes: SwarmNode[] = [];
    readonly timings: Partial<StartupTimings> = {};
    private readonly processes: ChildProcess[] = [];
    private readonly servers: Server[] = [];
    private readonly plan: NodesPlan;
    private readonly planFile: string;
    private readonly stateDir: string;
    private readonly hubSocket: string;
    private stopped = false;

    private constructor(
        readonly id: string,
        private readonly options: Required<Omit<SwarmNodesOptions, "log">> & { log: (line: string) => void },
    ) {
        this.stateDir = join(STATE_ROOT, `nodes-${id}`);
        this.planFile = join(this.stateDir, "plan.json");
        this.hubSocket = join(this.stateDir, "hub.sock");
        this.plan = {
            kind: "nodes",
            id,
            ownerPid: process.pid,
            netns: [],
            pids: [],
            pidfiles: [],
            roots: [join(DATA_ROOT, id), this.stateDir],
            cgroups: [],
            stateDir: this.stateDir,
        };
    }

    get socket(): string {
        return this.nodes[0].socket;
    }

    get description(): string {
        return `a ${this.nodes.length}-node swarm in network namespaces (${this.nodes.map((n) => `${n.name} ${n.address}`).join(", ")})`;
    }

    get hubNetns(): string {
        return `${PREFIX}-${this.id}-hub`;
    }

    /** Starts the nodes and forms the swarm. Leftovers of earlier runs whose owner is gone are removed first. */
    static async start(options: SwarmNodesOptions = {}): Promise<SwarmNodes> {
        await sweepLeftovers();
        const engine = new SwarmNodes(randomBytes(2).toString("hex"), {
            nodes: options.nodes ?? 3,
            managers: options.managers ?? 1,
            subnet: options.subnet ?? "10.231.0",
            registry: options.registry ?? true,
            log: options.log ?? (() => undefined),
        });
        try {
            await engine.boot();
            return engine;
        } catch (error) {
            await engine.stop().catch(() => undefined);
            throw error;
        }
    }

    private save(): void {
        writePlan(this.planFile, this.plan);
    }

    private async boot(): Promise<void> {
        const { nodes: count, managers, subnet, registry, log } = this.options;
        if (managers < 1 || managers > count) {
            throw new Error(`managers must be between 1 and ${count}`);
        }
        const t0 = performance.now();
        mkdirSync(this.stateDir, { recursive: true });
        this.plan.netns.push(this.hubNetns);
        this.save();
        spawn(process.execPath, [join(__dirname, "swarm", "reaper.js"), this.planFile], { detached: true, stdio: "ignore" }).unref();

        // the hub: a namespace with a bridge, the nodes' links plugged into it
        await ip("netns", "add", this.hubNetns);
        await ip("-n", this.hubNetns, "link", "set", "lo", "up");
        await ip("-n", this.hubNetns, "link", "add", "br0", "type", "bridge");
        await ip("-n", this.hubNetns, "addr", "add", `${subnet}.1/24`, "dev", "br0");
        await ip("-n", this.hubNetns, "link", "set", "br0", "up");
        for (let i = 1; i <= count; i++) {
            const name = `n${i}`;
            const netns = `${PREFIX}-${this.id}-${name}`;
            const hubLink = `as${this.id}${name}`;
            const root = join(DATA_ROOT, this.id, name);
            this.plan.netns.push(netns);
            this.plan.pidfiles.push(join(root, "dockerd.pid"));
            this.plan.cgroups.push(`${PREFIX}-${this.id}-${name}`);
            this.save();
            await ip("netns", "add", netns);
            await ip("-n", netns, "link", "set", "lo", "up");
            await ip("-n", this.hubNetns, "link", "add", hubLink, "type", "veth", "peer", "name", "eth0", "netns", netns);
            await ip("-n", this.hubNetns, "link", "set", hubLink, "master", "br0", "up");
            await ip("-n", netns, "addr", "add", `${subnet}.${10 + i}/24`, "dev", "eth0");
            await ip("-n", netns, "link", "set", "eth0", "up");
            this.nodes.push({
                name,
                address: `${subnet}.${10 + i}`,
                netns,
                socket: join(this.stateDir, `${name}.sock`),
                nodeId: "",
                role: i <= managers ? "manager" : "worker",
                hubLink,
            });
        }
        this.timings.namespacesMs = performance.now() - t0;

        // one dockerd per node, in its namespace
        const t1 = performance.now();
        for (const node of this.nodes) {
            const root = join(DATA_ROOT, this.id, node.name);
            const execRoot = join(this.stateDir, node.name);
            mkdirSync(root, { recursive: true });
            mkdirSync(execRoot, { recursive: true });
            const logFd = openSync(join(root, "dockerd.log"), "a");
            const child = spawn(
                "nsenter",
                [
                    `--net=/run/netns/${node.netns}`,
                    "dockerd",
                    "--data-root",
                    join(root, "data"),
                    "--exec-root",
                    execRoot,
                    "-H",
                    `unix://${node.socket}`,
                    "--pidfile",
                    join(root, "dockerd.pid"),
                    "--bridge",
                    "none",
                    "--cgroup-parent",
                    `${PREFIX}-${this.id}-${node.name}`,
                    "--log-level",
                    "warn",
                ],
                { detached: true, stdio: ["ignore", logFd, logFd] },
            );
            closeSync(logFd);
            child.unref();
            this.processes.push(child);
            if (child.pid) {
                this.plan.pids.push(child.pid);
            }
            this.save();
        }
        await Promise.all(
            this.nodes.map((node) =>
                until(`dockerd of ${node.name} answering`, () => dockerCall("GET", "/_ping", { socket: node.socket, timeoutMs: 2000, text: true }).then(() => true), 30_000, 100),
            ),
        );
        this.timings.daemonsMs = performance.now() - t1;
        log(`nodes' daemons up in ${Math.round(this.timings.daemonsMs)} ms`);

        const t2 = performance.now();
        await this.startRelay(this.hubNetns, ["dial", this.hubSocket]);
        if (registry) {
            for (const node of this.nodes) {
                const back = join(this.stateDir, `${node.name}-registry.sock`);
                this.serveUnix(back, () => createConnection({ host: "127.0.0.1", port: 5000 }));
                await this.startRelay(node.netns, ["listen", "127.0.0.1:5000", back]);
            }
        }
        this.timings.relaysMs = performance.now() - t2;

        // the swarm: init on n1, the others join
        const t3 = performance.now();
        const first = this.nodes[0];
        await dockerCall("POST", "/swarm/init", {
            socket: first.socket,
            body: { ListenAddr: `${first.address}:2377`, AdvertiseAddr: `${first.address}:2377`, Spec: { Labels: { [PREFIX]: this.id } } },
            timeoutMs: 60_000,
        });
        this.timings.initMs = performance.now() - t3;
        const swarm = await dockerCall<{ JoinTokens: { Worker: string; Manager: string } }>("GET", "/swarm", { socket: first.socket });
        const t4 = performance.now();
        for (const node of this.nodes.slice(1)) {
            await dockerCall("POST", "/swarm/join", {
                socket: node.socket,
                body: {
                    ListenAddr: `${node.address}:2377`,
                    AdvertiseAddr: `${node.address}:2377`,
                    RemoteAddrs: [`${first.address}:2377`],
                    JoinToken: node.role === "manager" ? swarm.JoinTokens.Manager : swarm.JoinTokens.Worker,
                },
                timeoutMs: 60_000,
            });
        }
        this.timings.joinMs = performance.now() - t4;
        for (const node of this.nodes) {
            node.nodeId = (await dockerCall<{ Swarm: { NodeID: string } }>("GET", "/info", { socket: node.socket })).Swarm.NodeID;
        }
        const t5 = performance.now();
        await until(
            "every node Ready in the swarm",
            async () => {
                const list = await dockerCall<{ Status: { State: string } }[]>("GET", "/nodes", { socket: first.socket });
                return list.length === this.nodes.length && list.every((n) => n.Status.State === "ready") ? true : undefined;
            },
            60_000,
        );
        this.timings.readyMs = performance.now() - t5;
        this.timings.totalMs = performance.now() - t0;
        log(`swarm of ${this.nodes.length} formed in ${Math.round(this.timings.totalMs)} ms (${JSON.stringify(this.roundedTimings())})`);
    }

    roundedTimings(): Record<string, number> {
        return Object.fromEntries(Object.entries(this.timings).map(([k, v]) => [k, Math.round(v ?? 0)]));
    }

    /** A relay process inside a namespace (tests/docker/swarm/relay.js); resolves once it listens. */
    private async startRelay(netns: string, args: string[]): Promise<void> {
        const child = spawn("nsenter", [`--net=/run/netns/${netns}`, process.execPath, join(__dirname, "swarm", "relay.js"), ...args], {
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        child.unref();
        this.processes.push(child);
        if (child.pid) {
            this.plan.pids.push(child.pid);
            this.save();
        }
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`relay ${args.join(" ")} in ${netns} did not start within 10 s`)), 10_000);
            child.stdout?.on("data", (chunk: Buffer) => {
                if (chunk.toString().includes("ready")) {
                    clearTimeout(timer);
                    resolve();
                }
            });
            child.on("exit", (code) => {
                clearTimeout(timer);
                reject(new Error(`relay ${args.join(" ")} in ${netns} exited with ${code}`));
            });
        });
        child.stdout?.removeAllListeners("data");
        child.removeAllListeners("exit");
        (child.stdout as Socket | null)?.unref?.();
        (child.stderr as Socket | null)?.unref?.();
    }

    /** A unix socket in this process whose connections go to `connect()`. */
    private serveUnix(path: string, connect: () => Socket): void {
        rmSync(path, { force: true });
        const server = createServer((client) => {
            const upstream = connect();
            client.pipe(upstream);
            upstream.pipe(client);
            const close = () => {
                client.destroy();
                upstream.destroy();
            };
            client.on("error", close);
            upstream.on("error", close);
            client.on("close", close);
            upstream.on("close", close);
        });
        server.listen(path);
        server.unref();
        this.servers.push(server);
    }

    node(name: string): SwarmNode {
        const found = this.nodes.find((n) => n.name === name || n.nodeId === name || n.address === name);
        if (!found) {
            throw new Error(`no node ${name} (have ${this.nodes.map((n) => n.name).join(", ")})`);
        }
        return found;
    }

    /**
     * A 127.0.0.1 port that reaches address:port inside the test's namespaces (e.g. a host-mode
     * published port of a node). `localPort` picks the local port (e.g. the one a program's URL
     * names); default any free one.
     */
    async forward(address: string, port: number, localPort = 0): Promise<Forward> {
        const server = createServer((client) => {
            const upstream = createConnection(this.hubSocket);
            // the first bytes on the relay's socket name the target; written before any of the client's
            upstream.write(`${address}:${port}\n`);
            client.pipe(upstream);
            upstream.pipe(client);
            const close = () => {
                client.destroy();
                upstream.destroy();
            };
            client.on("error", close);
            upstream.on("error", close);
            client.on("close", close);
            upstream.on("close", close);
        });
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(localPort, "127.0.0.1", resolve);
        });
        this.servers.push(server);
        const local = (server.address() as { port: number }).port;
        return {
            port: local,
            url: `http://127.0.0.1:${local}`,
            close: () => new Promise<void>((resolve) => server.close(() => resolve())),
        };
    }

    /** Pulls the node's cable: its link to the hub goes down. */
    async cut(name: string): Promise<void> {
        await ip("-n", this.hubNetns, "link", "set", this.node(name).hubLink, "down");
    }

    async restore(name: string): Promise<void> {
        await ip("-n", this.hubNetns, "link", "set", this.node(name).hubLink, "up");
    }

    /** Node labels, as `docker node update --label-add` (for placement constraints like node.labels.db==true). */
    async setNodeLabels(name: string, labels: Record<string, string>): Promise<void> {
        const node = this.node(name);
        const manager = this.nodes[0].socket;
        const current = await dockerCall<{ Version: { Index: number }; Spec: { Labels?: Record<string, string> } & Record<string, unknown> }>(
            "GET",
            `/nodes/${node.nodeId}`,
            { socket: manager },
        );
        await dockerCall("POST", `/nodes/${node.nodeId}/update?version=${current.Version.Index}`, {
            socket: manager,
            body: { ...current.Spec, Labels: { ...(current.Spec.Labels ?? {}), ...labels } },
        });
    }

    /** The nodes' states as the first manager sees them: name -> "ready" | "down" | ... */
    async nodeStates(): Promise<Record<string, string>> {
        const list = await dockerCall<{ ID: string; Status: { State: string } }[]>("GET", "/nodes", { socket: this.nodes[0].socket });
        return Object.fromEntries(list.map((n) => [this.nodes.find((x) => x.nodeId === n.ID)?.name ?? n.ID, n.Status.State]));
    }

    /**
     * `docker save | docker load` of local images into every node, by tag: `name:tag@sha256:...` is
     * saved as `name:tag` (after checking the local tag is that image), since an image saved by
     * digest loads without any name. A loaded image answers to its tag only, not to the digest.
     */
    async loadImages(refs: string[]): Promise<number> {
        const t0 = performance.now();
        const archive = join(DATA_ROOT, this.id, "images.tar");
        const tags: string[] = [];
        for (const ref of refs) {
            const tag = ref.replace(/@sha256:[0-9a-f]{64}$/, "");
            if (tag !== ref) {
                const [byDigest, byTag] = await Promise.all([ref, tag].map((r) => dockerCall<{ Id: string }>("GET", `/images/${encodeURIComponent(r)}/json`)));
                if (byDigest.Id !== byTag.Id) {
                    throw new Error(`the local tag ${tag} is not the image ${ref}; rebuild the test images (bash tests/images/build.sh)`);
                }
            }
            tags.push(tag);
        }
        await run("docker", ["save", "-o", archive, ...tags], { timeout: 300_000 });
        await Promise.all(this.nodes.map((node) => run("docker", ["-H", `unix://${node.socket}`, "load", "-q", "-i", archive], { timeout: 300_000 })));
        rmSync(archive, { force: true });
        return performance.now() - t0;
    }

    /** Stops everything and removes all of it (daemons, relays, namespaces, data). Safe to call twice. */
    async stop(): Promise<void> {
        if (this.stopped) {
            return;
        }
        this.stopped = true;
        for (const server of this.servers) {
            server.close();
        }
        await teardownNodes(this.plan);
        rmSync(join(DATA_ROOT, this.id), { recursive: true, force: true });
    }
}

/** Removes what earlier runs left when their owner and reaper are both gone. */
export async function sweepLeftovers(): Promise<void> {
    if (!existsSync(STATE_ROOT)) {
        return;
    }
    for (const entry of readdirSync(STATE_ROOT)) {
        if (!entry.startsWith("nodes-")) {
            continue;
        }
        const planFile = join(STATE_ROOT, entry, "plan.json");
        let plan: NodesPlan | undefined;
        try {
            plan = JSON.parse(readFileSync(planFile, "utf8")) as NodesPlan;
        } catch {
            continue;
        }
        if (!alive(plan.ownerPid)) {
            await teardownNodes(plan);
        }
    }
    // namespaces of ours that no plan lists any more
    const { stdout } = await run("ip", ["netns", "list"], { timeout: 10_000 });
    const plans = existsSync(STATE_ROOT) ? readdirSync(STATE_ROOT).filter((e) => e.startsWith("nodes-")).map((e) => e.slice(6)) : [];
    for (const line of stdout.split("\n")) {
        const name = line.split(" ")[0];
        const match = new RegExp(`^${PREFIX}-([0-9a-f]{4})-`).exec(name);
        if (match && !plans.includes(match[1])) {
            await run("ip", ["netns", "del", name], { timeout: 10_000 }).catch(() => undefined);
        }
    }
}

/**
 * Leaving the machine as it was found: the teardown of the Swarm test engines, shared by the
 * engines themselves (a normal stop) and by the reaper (tests/docker/swarm/reaper.js), a detached
 * process each engine starts, which runs the same teardown when the test process that owns the
 * engine dies without stopping it (a killed worker, an interrupted run).
 *
 * Everything an engine creates is written down in its plan file before it is created; the teardown
 * removes what the plan lists and ends only processes it lists or finds inside the engine's own
 * roots (its dockerd, that dockerd's containerd and shims, the containers in its cgroups), by PID.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "../../support/polling";
import { dockerCall } from "../dockerApi";
import { removeSwarmDataVolumesSince } from "./sweep";

export const STATE_ROOT = "/run/aiterm-swarm-test";
export const DATA_ROOT = "/var/lib/aiterm-swarm-test";
export const PREFIX = "aiterm-swarm-test";

export interface NodesPlan {
    kind: "nodes";
    id: string;
    ownerPid: number;
    netns: string[];
    /** Processes started for the engine (daemons, relays). */
    pids: number[];
    pidfiles: string[];
    /** Roots whose mounts are unmounted and which are removed (data roots, exec roots, the state dir). */
    roots: string[];
    /** cgroup-parent names of the daemons (a directory under each cgroup v1 controller). */
    cgroups: string[];
    stateDir: string;
}

export interface LocalSwarmPlan {
    kind: "local-swarm";
    ownerPid: number;
    holder: string;
}

export type Plan = NodesPlan | LocalSwarmPlan;

export function writePlan(path: string, plan: Plan): void {
    writeFileSync(`${path}.tmp`, JSON.stringify(plan, null, 2));
    execFileSync("mv", ["-f", `${path}.tmp`, path]);
}

export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}


function run(cmd: string, args: string[]): string {
    try {
        return execFileSync(cmd, args, { timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] }).toString();
    } catch {
        return "";
    }
}

/** PIDs of processes whose command line mentions one of `paths` (a dockerd's containerd and shims). */
function processesUsing(paths: string[]): number[] {
    const found: number[] = [];
    for (const entry of readdirSync("/proc")) {
        if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) {
            continue;
        }
        try {
            const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
            if (paths.some((p) => cmdline.includes(p))) {
                found.push(Number(entry));
            }
        } catch {
            // gone
        }
    }
    return found;
}

/** PIDs in the cgroup subtree `name` of every cgroup v1 controller (the containers of one node). */
function cgroupProcesses(name: string): number[] {
    const pids = new Set<number>();
    const walk = (dir: string) => {
        try {
            for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
                if (line.trim()) {
                    pids.add(Number(line));
                }
            }
            for (const child of readdirSync(dir)) {
                if (statSync(join(dir, child)).isDirectory()) {
                    walk(join(dir, child));
                }
            }
        } catch {
            // not there
        }
    };
    for (const controller of safeReaddir("/sys/fs/cgroup")) {
        walk(join("/sys/fs/cgroup", controller, name));
    }
    return [...pids];
}

function removeCgroup(name: string): void {
    const remove = (dir: string) => {
        for (const child of safeReaddir(dir)) {
            try {
                if (statSync(join(dir, child)).isDirectory()) {
                    remove(join(dir, child));
                }
            } catch {
                // gone
            }
        }
        try {
            rmdirSync(dir);
        } catch {
            // not there, or still busy
        }
    };
    for (const controller of safeReaddir("/sys/fs/cgroup")) {
        const dir = join("/sys/fs/cgroup", controller, name);
        if (existsSync(dir)) {
            remove(dir);
        }
    }
}

function safeReaddir(dir: string): string[] {
    try {
        return readdirSync(dir);
    } catch {
        return [];
    }
}

/** Mount points under `roots`, deepest first. */
function mountsUnder(roots: string[]): string[] {
    const points = readFileSync("/proc/self/mountinfo", "utf8")
        .split("\n")
        .map((line) => line.split(" ")[4])
        .filter((point): point is string => Boolean(point) && roots.some((root) => point === root || point.startsWith(`${root}/`)));
    return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function killAll(pids: number[], signal: NodeJS.Signals): void {
    for (const pid of pids) {
        try {
            process.kill(pid, signal);
        } catch {
            // gone
        }
    }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
    const deadline = Date.now() + ms;
    let left = pids.filter(alive);
    while (left.length > 0 && Date.now() < deadline) {
        await sleep(100);
        left = left.filter(alive);
    }
    return left;
}

/** Stops a multi-node engine and removes everything its plan lists. Safe to run twice. */
export async function teardownNodes(plan: NodesPlan): Promise<void> {
    const fromPidfiles = plan.pidfiles.flatMap((file) => {
        try {
            return [Number(readFileSync(file, "utf8").trim())].filter((pid) => pid > 0);
        } catch {
            return [];
        }
    });
    const daemons = [...new Set([...plan.pids, ...fromPidfiles])].filter(alive);
    // dockerd stops its containers and containerd on SIGTERM; give it a few seconds
    killAll(daemons, "SIGTERM");
    killAll(await waitGone(daemons, 10_000), "SIGKILL");
    // what a killed dockerd leaves: its containerd and shims (their command lines name its roots),
    // and the containers' processes (in its cgroup-parent)
    for (let round = 0; round < 3; round++) {
        const leftovers = [...processesUsing(plan.roots), ...plan.cgroups.flatMap(cgroupProcesses)].filter((pid) => pid !== process.pid);
        if (leftovers.length === 0) {
            break;
        }
        killAll(leftovers, "SIGKILL");
        await waitGone(leftovers, 3000);
    }
    for (const point of mountsUnder(plan.roots)) {
        run("umount", ["-l", point]);
    }
    for (const ns of plan.netns) {
        run("ip", ["netns", "del", ns]);
    }
    for (const root of plan.roots) {
        rmSync(root, { recursive: true, force: true });
    }
    for (const cgroup of plan.cgroups) {
        removeCgroup(cgroup);
    }
    rmSync(plan.stateDir, { recursive: true, force: true });
    removeIfEmpty(DATA_ROOT);
    removeIfEmpty(STATE_ROOT);
}

/** The harness's top directories go when nothing is left in them. */
export function removeIfEmpty(dir: string): void {
    try {
        rmdirSync(dir);
    } catch {
        // not empty, or not there
    }
}

// ----------------------------------------------------------------------------- the local swarm lease

export const LOCAL_DIR = join(STATE_ROOT, "local");
const LOCK_DIR = join(STATE_ROOT, "local.lock");
export const SWARM_LABEL = "aiterm-swarm-test";

export interface LocalSwarmRecord {
    clusterId: string;
    nodeId: string;
    gwbridgePreexisting: boolean;
    createdAt: string;
}

/** A machine-wide mutex for the local swarm's lease (mkdir is atomic); a dead holder's lock is taken over. */
export async function withLocalLock<T>(action: () => Promise<T>, waitMs = 120_000): Promise<T> {
    mkdirSync(STATE_ROOT, { recursive: true });
    const deadline = Date.now() + waitMs;
    for (;;) {
        try {
            mkdirSync(LOCK_DIR);
            writeFileSync(join(LOCK_DIR, "owner"), String(process.pid));
            break;
        } catch {
            let owner = 0;
            try {
                owner = Number(readFileSync(join(LOCK_DIR, "owner"), "utf8"));
            } catch {
                // being created or removed
            }
            if (owner > 0 && !alive(owner)) {
                rmSync(LOCK_DIR, { recursive: true, force: true });
                continue;
            }
            if (Date.now() > deadline) {
                throw new Error(`the local swarm's lock ${LOCK_DIR} is held by PID ${owner} for more than ${waitMs / 1000} s`);
            }
            await sleep(200);
        }
    }
    try {
        return await action();
    } finally {
        rmSync(LOCK_DIR, { recursive: true, force: true });
    }
}

export function liveHolders(): string[] {
    const dir = join(LOCAL_DIR, "holders");
    const live: string[] = [];
    for (const name of safeReaddir(dir)) {
        const pid = Number(name.split(".")[0]);
        if (pid > 0 && alive(pid)) {
            live.push(join(dir, name));
        } else {
            rmSync(join(dir, name), { force: true });
        }
    }
    return live;
}

export function readRecord(): LocalSwarmRecord | undefined {
    try {
        return JSON.parse(readFileSync(join(LOCAL_DIR, "swarm.json"), "utf8")) as LocalSwarmRecord;
    } catch {
        return undefined;
    }
}

/**
 * Removes every service (waiting for their containers; the swarm program's migration jobs
 * included), secret, config and non-ingress swarm network of the local swarm, and the swarm
 * program's data volumes created since the swarm was: only called when the swarm is the harness's
 * and nobody holds it.
 */
export async function emptyLocalSwarm(): Promise<void> {
    const services = await dockerCall<{ ID: string }[]>("GET", "/services");
    for (const s of services) {
        await dockerCall("DELETE", `/services/${s.ID}`).catch(() => undefined);
    }
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
        const filters = encodeURIComponent(JSON.stringify({ label: ["com.docker.swarm.service.id"] }));
        const left = await dockerCall<unknown[]>("GET", `/containers/json?all=true&filters=${filters}`);
        if (left.length === 0) {
            break;
        }
        await sleep(250);
    }
    for (const kind of ["secrets", "configs"]) {
        for (const o of await dockerCall<{ ID: string }[]>("GET", `/${kind}`)) {
            await dockerCall("DELETE", `/${kind}/${o.ID}`).catch(() => undefined);
        }
    }
    const networks = await dockerCall<{ Id: string; Name: string; Scope: string; Ingress?: boolean }[]>("GET", "/networks");
    for (const n of networks.filter((n) => n.Scope === "swarm" && !n.Ingress && n.Name !== "ingress")) {
        await dockerCall("DELETE", `/networks/${n.Id}`).catch(() => undefined);
    }
    // the bundled Postgres' and Redis' volumes of swarm programs run on this swarm (pulumi destroy
    // keeps them, and a test that died did not remove them); those from before the swarm stay
    await removeSwarmDataVolumesSince(readRecord()?.createdAt).catch(() => undefined);
}

/** Leaves the local swarm the harness created and removes what `swarm leave` leaves behind. */
export async function leaveLocalSwarm(record: LocalSwarmRecord | undefined): Promise<void> {
    await emptyLocalSwarm().catch(() => undefined);
    await dockerCall("POST", "/swarm/leave?force=true", { timeoutMs: 60_000 }).catch(() => undefined);
    if (!record?.gwbridgePreexisting) {
        // swarm.md: `swarm leave --force` leaves docker_gwbridge behind
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
            try {
                await dockerCall("DELETE", "/networks/docker_gwbridge");
                break;
            } catch (error) {
                if (String(error).includes("404")) {
                    break;
                }
                await sleep(500);
            }
        }
    }
    rmSync(join(LOCAL_DIR, "swarm.json"), { force: true });
}

/** Gives up one holder's lease; the last one out leaves the swarm. */
export async function releaseLocalSwarm(holder: string): Promise<void> {
    await withLocalLock(async () => {
        rmSync(holder, { force: true });
        if (liveHolders().length > 0) {
            return;
        }
        const info = await dockerCall<{ Swarm: { LocalNodeState: string; Cluster?: { ID: string } } }>("GET", "/info");
        const record = readRecord();
        if (info.Swarm.LocalNodeState === "active" && record && info.Swarm.Cluster?.ID === record.clusterId) {
            await leaveLocalSwarm(record);
        } else {
            rmSync(join(LOCAL_DIR, "swarm.json"), { force: true });
        }
        removeIfEmpty(join(LOCAL_DIR, "holders"));
        removeIfEmpty(LOCAL_DIR);
    });
    removeIfEmpty(STATE_ROOT);
}

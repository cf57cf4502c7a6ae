/**
 * The one-node Swarm engine: the local Docker engine in Swarm mode
 * (`docker swarm init --advertise-addr 127.0.0.1`, listening on 127.0.0.1:2377 only).
 *
 * The local engine is shared with other tests and sessions, so the swarm is a lease: the first test
 * process that needs it initialises it (labelled as the harness's own), later ones join the lease,
 * and the last one out leaves the swarm and removes `docker_gwbridge` (which `swarm leave --force`
 * leaves behind) unless it was there before. An engine already in a swarm the harness did not create
 * is refused, never touched. Each holder has a reaper (tests/docker/swarm/reaper.js) that gives the
 * lease up if its test process dies without doing so; a swarm of the harness's that nobody holds any
 * more (an interrupted run) is emptied before it is reused.
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { dockerCall, objectExists } from "../dockerApi";
import type { SwarmTarget } from "../realSwarmEngine";
import { emptyLocalSwarm, LOCAL_DIR, liveHolders, LocalSwarmRecord, readRecord, releaseLocalSwarm, STATE_ROOT, SWARM_LABEL, withLocalLock, writePlan } from "./teardown";

interface Info {
    Swarm: { LocalNodeState: string; NodeID: string; ControlAvailable: boolean; Cluster?: { ID: string; Spec?: { Labels?: Record<string, string> } }; Error?: string };
}

export class LocalSwarm implements SwarmTarget {
    readonly socket = undefined;
    readonly description = "the local Docker engine as a one-node swarm (advertise 127.0.0.1)";
    private released = false;

    private constructor(
        private readonly holder: string,
        private readonly planFile: string,
        /** How long `swarm init` took, when this process initialised the swarm. */
        readonly initMs: number | undefined,
        readonly nodeId: string,
    ) {}

    /** Joins (or starts) the lease on the local swarm; refuses an engine in a swarm the harness did not create. */
    static async acquire(): Promise<LocalSwarm> {
        const holderName = `${process.pid}.${randomBytes(4).toString("hex")}`;
        const holder = join(LOCAL_DIR, "holders", holderName);
        let initMs: number | undefined;
        const nodeId = await withLocalLock(async () => {
            mkdirSync(join(LOCAL_DIR, "holders"), { recursive: true });
            const info = await dockerCall<Info>("GET", "/info");
            const state = info.Swarm.LocalNodeState;
            if (state === "inactive") {
                rmSync(join(LOCAL_DIR, "swarm.json"), { force: true });
                const gwbridgePreexisting = await objectExists("networks", "docker_gwbridge");
                const t0 = performance.now();
                await dockerCall("POST", "/swarm/init", {
                    body: { ListenAddr: "127.0.0.1:2377", AdvertiseAddr: "127.0.0.1", Spec: { Labels: { [SWARM_LABEL]: "owned" } } },
                    timeoutMs: 60_000,
                });
                initMs = performance.now() - t0;
                const after = await dockerCall<Info>("GET", "/info");
                const record: LocalSwarmRecord = {
                    clusterId: after.Swarm.Cluster?.ID ?? "",
                    nodeId: after.Swarm.NodeID,
                    gwbridgePreexisting,
                    createdAt: new Date().toISOString(),
                };
                writeFileSync(join(LOCAL_DIR, "swarm.json"), JSON.stringify(record, null, 2));
            } else if (state === "active") {
                const record = readRecord();
                const swarm = await dockerCall<{ ID: string; Spec: { Labels?: Record<string, string> } }>("GET", "/swarm").catch(() => undefined);
                const ours = swarm !== undefined && swarm.Spec.Labels?.[SWARM_LABEL] === "owned" && record?.clusterId === swarm.ID;
                if (!ours) {
                    throw new Error(
                        `The local Docker engine is already part of a swarm (node ${info.Swarm.NodeID}) that the Swarm test harness did not create; ` +
                            "the tests will not touch it. Run them on an engine that is not in a swarm (`docker swarm leave` only if that swarm is yours to leave).",
                    );
                }
                if (liveHolders().length === 0) {
                    // the harness's swarm, left by an interrupted run: start from an empty one
                    await emptyLocalSwarm();
                }
            } else {
                throw new Error(`The local Docker engine's swarm state is "${state}"${info.Swarm.Error ? ` (${info.Swarm.Error})` : ""}; the Swarm tests need it inactive or the harness's own.`);
            }
            writeFileSync(holder, String(process.pid));
            return (await dockerCall<Info>("GET", "/info")).Swarm.NodeID;
        });
        const planFile = join(STATE_ROOT, `local-${holderName}.plan.json`);
        writePlan(planFile, { kind: "local-swarm", ownerPid: process.pid, holder });
        spawn(process.execPath, [join(__dirname, "reaper.js"), planFile], { detached: true, stdio: "ignore" }).unref();
        return new LocalSwarm(holder, planFile, initMs, nodeId);
    }

    /**
     * Node labels on the one node, as `docker node update --label-add` (node.labels.<key>==true
     * constraints). They go with the swarm when the last holder leaves it.
     */
    async setNodeLabels(labels: Record<string, string>): Promise<void> {
        const node = await dockerCall<{ Version: { Index: number }; Spec: { Labels?: Record<string, string> } & Record<string, unknown> }>("GET", `/nodes/${this.nodeId}`);
        if (Object.entries(labels).every(([k, v]) => node.Spec.Labels?.[k] === v)) {
            return;
        }
        await dockerCall("POST", `/nodes/${this.nodeId}/update?version=${node.Version.Index}`, { body: { ...node.Spec, Labels: { ...(node.Spec.Labels ?? {}), ...labels } } });
    }

    /** Gives the lease up; the last holder leaves the swarm and removes docker_gwbridge. */
    async release(): Promise<void> {
        if (this.released) {
            return;
        }
        this.released = true;
        rmSync(this.planFile, { force: true });
        await releaseLocalSwarm(this.holder);
    }
}

/** Whether the local engine answers and is not in a swarm someone else made (asked before a suite is declared). */
export function localSwarmProblem(info: Info | undefined, record: LocalSwarmRecord | undefined): string | undefined {
    if (!info) {
        return "no Docker engine answers on /var/run/docker.sock";
    }
    const state = info.Swarm.LocalNodeState;
    if (state === "inactive") {
        return undefined;
    }
    if (state === "active" && record && info.Swarm.Cluster?.ID === record.clusterId) {
        return undefined;
    }
    return `the local engine is in a swarm the harness did not create (state ${state})`;
}

/**
 * The provider's waits, as resource_docker_service_funcs.go (v4.5.0) runs them with Terraform's
 * retry.StateChangeConf: create waits for every replica to run (`convergeConfig`), update waits for
 * the engine's UpdateStatus, and read waits for the endpoint spec. Their outcomes, including the
 * provider's blind spots, are reproduced rather than improved on:
 *
 * - a replica counts as converged when its task is RUNNING (the engine reports RUNNING only once a
 *   healthcheck passed); per slot the task with the lowest desired, then observed, state is taken
 *   (tasksBySlot), on nodes that are not Down;
 * - an update is complete when UpdateStatus says `completed`, OR as soon as every slot has a
 *   running task, even while the engine is still updating (so a task that fails only later,
 *   within the monitor period, is not seen);
 * - `rollback_completed`, `paused` and `rollback_paused` are errors with the engine's message;
 * - create polls after convergeConfig.delay, update after a fixed 7 s, then after 5 s, then every 10 s
 *   (StateChangeConf's backoff with MinTimeout 5 s); a create that does not converge within the
 *   timeout removes the service and fails with "did not converge"; an update that does not fails the
 *   same way but leaves the service.
 */
import { sleep } from "../../support/polling";
import { dockerCall } from "../dockerApi";
import { goDurationString } from "./serviceSpec";

export interface SwarmTask {
    ID: string;
    Slot?: number;
    NodeID?: string;
    DesiredState: string;
    Status: { State: string; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
    Spec?: unknown;
}

export interface SwarmService {
    ID: string;
    Version: { Index: number };
    Spec: {
        Name: string;
        Mode?: { Replicated?: { Replicas?: number } };
        TaskTemplate: { ContainerSpec: { Image: string }; Placement?: { Platforms?: { Architecture: string; OS: string }[] } };
        EndpointSpec?: { Mode?: string };
    };
    Endpoint?: { Spec?: { Mode?: string } };
    UpdateStatus?: { State: string; Message?: string };
}

/** numberedStates in the provider (the task state machine's order). */
const NUMBERED: Record<string, number> = {
    new: 1,
    allocated: 2,
    pending: 3,
    assigned: 4,
    accepted: 5,
    preparing: 6,
    ready: 7,
    starting: 8,
    running: 9,
    complete: 10,
    shutdown: 11,
    failed: 12,
    rejected: 13,
};

const terminal = (state: string) => (NUMBERED[state] ?? 0) > NUMBERED.running;

/** replicatedConsoleLogUpdater.tasksBySlot. */
export function tasksBySlot(tasks: SwarmTask[], activeNodes: Set<string>): Map<number, SwarmTask> {
    const bySlot = new Map<number, SwarmTask>();
    for (const task of tasks) {
        if (!NUMBERED[task.DesiredState] || !NUMBERED[task.Status.State]) {
            continue;
        }
        const slot = task.Slot ?? 0;
        const existing = bySlot.get(slot);
        if (existing) {
            if (NUMBERED[existing.DesiredState] < NUMBERED[task.DesiredState]) {
                continue;
            }
            if (NUMBERED[existing.DesiredState] === NUMBERED[task.DesiredState] && NUMBERED[existing.Status.State] <= NUMBERED[task.Status.State]) {
                continue;
            }
        }
        if (task.NodeID && !activeNodes.has(task.NodeID)) {
            continue;
        }
        bySlot.set(slot, task);
    }
    return bySlot;
}

/** replicatedConsoleLogUpdater.update: running == replicas. */
export function allReplicasRunning(service: SwarmService, tasks: SwarmTask[], activeNodes: Set<string>): boolean {
    const replicas = service.Spec.Mode?.Replicated?.Replicas;
    if (replicas === undefined) {
        throw new Error("no replica count");
    }
    let running = 0;
    for (const task of tasksBySlot(tasks, activeNodes).values()) {
        if (!terminal(task.DesiredState) && task.Status.State === "running") {
            running++;
        }
    }
    return running === replicas;
}

export class ConvergeError extends Error {}

export interface Engine {
    socket?: string;
}


async function snapshot(engine: Engine, serviceId: string): Promise<{ service: SwarmService; tasks: SwarmTask[]; active: Set<string> }> {
    const service = await dockerCall<SwarmService>("GET", `/services/${serviceId}`, { socket: engine.socket });
    const filters = encodeURIComponent(JSON.stringify({ service: [serviceId], "desired-state": ["running"] }));
    const tasks = await dockerCall<SwarmTask[]>("GET", `/tasks?filters=${filters}`, { socket: engine.socket });
    const nodes = await dockerCall<{ ID: string; Status: { State: string } }[]>("GET", "/nodes", { socket: engine.socket });
    return { service, tasks, active: new Set(nodes.filter((n) => n.Status.State !== "down").map((n) => n.ID)) };
}

/**
 * StateChangeConf.WaitForStateContext: `refresh` after `delayMs`, then after 5 s, then every 10 s,
 * until it returns true, throws, or `timeoutMs` (counted from the start) passes.
 */
async function waitForState(delayMs: number, timeoutMs: number, refresh: () => Promise<boolean>): Promise<"done" | "timeout"> {
    const deadline = Date.now() + timeoutMs;
    const delay = Math.min(delayMs, Math.max(0, deadline - Date.now()));
    await sleep(delay);
    let wait = 0;
    for (;;) {
        if (Date.now() > deadline) {
            return "timeout";
        }
        if (wait > 0) {
            await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
            if (Date.now() >= deadline) {
                return "timeout";
            }
        }
        if (await refresh()) {
            return "done";
        }
        wait = wait === 0 ? 5000 : 10_000;
    }
}

/** resourceDockerServiceCreate with convergeConfig: "running" or a timeout. */
export async function convergeCreate(engine: Engine, serviceId: string, delayNs: number, timeoutNs: number): Promise<"converged" | "timeout"> {
    const outcome = await waitForState(delayNs / 1e6, timeoutNs / 1e6, async () => {
        const { service, tasks, active } = await snapshot(engine, serviceId);
        return allReplicasRunning(service, tasks, active);
    });
    return outcome === "done" ? "converged" : "timeout";
}

/** resourceDockerServiceUpdate with convergeConfig: resolves when completed, throws the provider's errors. */
export async function convergeUpdate(engine: Engine, serviceId: string, timeoutNs: number): Promise<void> {
    const outcome = await waitForState(7000, timeoutNs / 1e6, async () => {
        const { service, tasks, active } = await snapshot(engine, serviceId);
        let rollback = false;
        const status = service.UpdateStatus;
        switch (status?.State) {
            case "completed":
                return true;
            case "rollback_started":
                rollback = true;
                break;
            case "rollback_completed":
                throw new ConvergeError(`service rollback completed: ${status.Message ?? ""}`);
            case "paused":
                throw new ConvergeError(`service update paused: ${status.Message ?? ""}`);
            case "rollback_paused":
                throw new ConvergeError(`service rollback paused: ${status.Message ?? ""}`);
        }
        if (allReplicasRunning(service, tasks, active)) {
            if (rollback) {
                throw new ConvergeError(`service rollback completed: ${status?.Message ?? ""}`);
            }
            return true;
        }
        return false;
    });
    if (outcome === "timeout") {
        throw new ConvergeError(`Service with ID (${serviceId}) did not converge after ${goDurationString(timeoutNs)}`);
    }
}

/** resourceDockerServiceRead: waits (first look after 2 s, at most 30 s) until the endpoint spec is exposed. */
export async function readService(engine: Engine, serviceId: string): Promise<SwarmService> {
    let found: SwarmService | undefined;
    const outcome = await waitForState(2000, 30_000, async () => {
        found = await dockerCall<SwarmService>("GET", `/services/${serviceId}`, { socket: engine.socket });
        return Boolean(found.Endpoint?.Spec?.Mode || found.Spec.EndpointSpec?.Mode);
    });
    if (outcome === "timeout" || !found) {
        throw new ConvergeError(`service ${serviceId} did not expose its endpoint spec within 30 s`);
    }
    return found;
}

export { sleep };

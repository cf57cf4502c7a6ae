/**
 * Removing what a run of the swarm program left on a Swarm engine, whatever state it ended in (a
 * failed `pulumi up`, a test killed halfway): the objects the program names after its stack prefix
 * (components/swarm/names.ts), including the one-shot migration job's service
 * (`<prefix>-migrate-<key>`, normally removed by the job itself) and the bundled data services'
 * volumes (`<prefix>-postgres-data`, `<prefix>-redis-data`), which `pulumi destroy` deliberately
 * leaves behind.
 */
import { sleep } from "../../support/polling";
import { dockerCall, DockerApiError } from "../dockerApi";

/** The data volumes the bundled Postgres and Redis of a `litellm-swarm*` stack create on the data node. */
export const SWARM_DATA_VOLUME = /^litellm-swarm[a-z0-9-]*-(postgres|redis)-data$/;
/** The migration job's service of any stack (components/swarm/swarmDeployment.ts: `<prefix>-migrate-<12 hex>`). */
export const MIGRATION_JOB_SERVICE = /^litellm-[a-z0-9-]+-migrate-[0-9a-f]{12}$/;
/** The role labels those volumes carry (bundledServices.ts volumeOptions). */
const DATA_ROLES = new Set(["database-data", "redis-data"]);


async function retryWhileBusy(action: () => Promise<unknown>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        try {
            await action();
            return;
        } catch (error) {
            if (error instanceof DockerApiError && error.status === 404) {
                return;
            }
            if (Date.now() > deadline || !/in use|active endpoints/.test(String(error))) {
                throw error;
            }
            await sleep(500);
        }
    }
}

/**
 * Removes every service, secret, config and network named `<prefix>-...` on the engine at `socket`
 * (the local one when undefined), waiting for the services' containers to go, and with `volumes`
 * the stack's data volumes. Returns what it removed.
 */
export async function sweepSwarmStack(prefix: string, options: { socket?: string; volumes: boolean }): Promise<string[]> {
    const { socket } = options;
    const ours = (name: string | undefined) => name !== undefined && name.startsWith(`${prefix}-`);
    const removed: string[] = [];
    const services = (await dockerCall<{ ID: string; Spec: { Name: string } }[]>("GET", "/services", { socket })).filter((s) => ours(s.Spec.Name));
    for (const service of services) {
        await dockerCall("DELETE", `/services/${service.ID}`, { socket }).catch(() => undefined);
        removed.push(`service ${service.Spec.Name}`);
    }
    if (services.length > 0) {
        const ids = new Set(services.map((s) => s.ID));
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
            const filters = encodeURIComponent(JSON.stringify({ label: ["com.docker.swarm.service.id"] }));
            const left = await dockerCall<{ Labels: Record<string, string> }[]>("GET", `/containers/json?all=true&filters=${filters}`, { socket });
            if (!left.some((c) => ids.has(c.Labels["com.docker.swarm.service.id"]))) {
                break;
            }
            await sleep(250);
        }
    }
    for (const kind of ["secrets", "configs"] as const) {
        for (const object of await dockerCall<{ ID: string; Spec: { Name: string } }[]>("GET", `/${kind}`, { socket })) {
            if (ours(object.Spec.Name)) {
                await retryWhileBusy(() => dockerCall("DELETE", `/${kind}/${object.ID}`, { socket }), 10_000).catch(() => undefined);
                removed.push(`${kind.slice(0, -1)} ${object.Spec.Name}`);
            }
        }
    }
    for (const network of await dockerCall<{ Id: string; Name: string }[]>("GET", "/networks", { socket })) {
        if (ours(network.Name)) {
            await retryWhileBusy(() => dockerCall("DELETE", `/networks/${network.Id}`, { socket })).catch(() => undefined);
            removed.push(`network ${network.Name}`);
        }
    }
    if (options.volumes) {
        const { Volumes } = await dockerCall<{ Volumes: { Name: string }[] | null }>("GET", "/volumes", { socket });
        for (const volume of Volumes ?? []) {
            if (ours(volume.Name) && SWARM_DATA_VOLUME.test(volume.Name)) {
                await retryWhileBusy(() => dockerCall("DELETE", `/volumes/${encodeURIComponent(volume.Name)}`, { socket })).catch(() => undefined);
                removed.push(`volume ${volume.Name}`);
            }
        }
    }
    return removed;
}

/**
 * The bundled data volumes of any `litellm-swarm*` stack created on the local engine since `since`
 * (ISO time; the harness's swarm's creation): what a test that died before its own clean-up left.
 * Volumes created before the harness's swarm existed are someone else's and stay.
 */
export async function removeSwarmDataVolumesSince(since: string | undefined, socket?: string): Promise<string[]> {
    const from = since ? Date.parse(since) : NaN;
    if (!Number.isFinite(from)) {
        return [];
    }
    const removed: string[] = [];
    const { Volumes } = await dockerCall<{ Volumes: { Name: string; CreatedAt?: string; Labels?: Record<string, string> | null }[] | null }>("GET", "/volumes", { socket });
    for (const volume of Volumes ?? []) {
        const created = Date.parse(volume.CreatedAt ?? "");
        if (SWARM_DATA_VOLUME.test(volume.Name) && DATA_ROLES.has(volume.Labels?.["aiterm-litellm.role"] ?? "") && created >= from - 1000) {
            await retryWhileBusy(() => dockerCall("DELETE", `/volumes/${encodeURIComponent(volume.Name)}`, { socket })).catch(() => undefined);
            removed.push(volume.Name);
        }
    }
    return removed;
}

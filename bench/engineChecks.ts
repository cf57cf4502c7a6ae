/** Checks before and after a run: ports free, names free, and nothing of the benchmark left on the engine. */
import { readFileSync } from "node:fs";
import { dockerCall } from "../tests/docker/dockerApi";
import { GUIDE_BUILT_IMAGE, GUIDE_PROJECT } from "./compose";
import { FLOOR_PREFIX, STACK, SWARM_STACK } from "./settings";

/** Sockets listening on `port` on the host, on any address, as the kernel lists them. */
export function hostListeners(port: number): string[] {
    const hexPort = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
    return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) => {
        let table = "";
        try {
            table = readFileSync(file, "utf8");
        } catch {
            return [];
        }
        return table
            .split("\n")
            .slice(1)
            .map((line) => line.trim().split(/\s+/))
            .filter((cols) => cols.length > 3 && cols[1].endsWith(hexPort) && cols[3] === "0A")
            .map((cols) => cols[1]);
    });
}

export function requireFreePorts(ports: Record<string, number>): void {
    for (const [what, port] of Object.entries(ports)) {
        if (hostListeners(port).length > 0) {
            throw new Error(`port ${port} (${what}) is already in use on this machine; free it first${what.startsWith("the guide") ? " or set BENCH_GUIDE_PORT to another port" : ""}`);
        }
    }
}

interface ContainerSummary {
    Id: string;
    Names: string[];
    Labels: Record<string, string>;
}

/** The guide's compose file fixes container names; anyone else's containers of those names stop the run. */
export async function requireGuideNamesFree(): Promise<void> {
    const containers = await dockerCall<ContainerSummary[]>("GET", "/containers/json?all=true");
    for (const container of containers) {
        const names = container.Names.map((name) => name.replace(/^\//, ""));
        if (names.some((name) => name === "litellm-proxy" || name === "litellm-db") && container.Labels["com.docker.compose.project"] !== GUIDE_PROJECT) {
            throw new Error(`a container named ${names.join(", ")} exists and is not the benchmark's (the guide's compose file uses that name): remove or rename it first`);
        }
    }
}

/** The swarm stack's Swarm objects and task containers (`<service>.<slot>.<task>`) on the local engine. */
const SWARM_PREFIX = `litellm-${SWARM_STACK}-`;

/** Every object of the benchmark still on the engine (names it uses, its compose project, its built image). */
export async function leftovers(): Promise<string[]> {
    const ours = (name: string) =>
        name.startsWith(`litellm-${STACK}-`) || name.startsWith(SWARM_PREFIX) || name.startsWith(FLOOR_PREFIX) || name.startsWith(`${GUIDE_PROJECT}_`);
    const found: string[] = [];
    for (const container of await dockerCall<ContainerSummary[]>("GET", "/containers/json?all=true")) {
        const names = container.Names.map((name) => name.replace(/^\//, ""));
        if (names.some(ours) || container.Labels["com.docker.compose.project"]?.startsWith(GUIDE_PROJECT)) {
            found.push(`container ${names.join(",")}`);
        }
    }
    for (const network of await dockerCall<{ Name: string }[]>("GET", "/networks")) {
        if (ours(network.Name)) {
            found.push(`network ${network.Name}`);
        }
    }
    for (const volume of (await dockerCall<{ Volumes: { Name: string }[] | null }>("GET", "/volumes")).Volumes ?? []) {
        if (ours(volume.Name)) {
            found.push(`volume ${volume.Name}`);
        }
    }
    // Swarm services, secrets and configs exist only while the engine is in a swarm
    for (const kind of ["services", "secrets", "configs"]) {
        const items = await dockerCall<{ Spec: { Name: string } }[]>("GET", `/${kind}`).catch(() => []);
        for (const item of items.filter((i) => i.Spec.Name.startsWith(SWARM_PREFIX))) {
            found.push(`${kind.slice(0, -1)} ${item.Spec.Name}`);
        }
    }
    const images = await dockerCall<{ RepoTags: string[] | null }[]>("GET", "/images/json");
    if (images.some((image) => (image.RepoTags ?? []).some((tag) => tag.startsWith(`${GUIDE_BUILT_IMAGE}:`)))) {
        found.push(`image ${GUIDE_BUILT_IMAGE}`);
    }
    return found;
}

interface EngineEvent {
    Type: string;
    Action: string;
    Actor: { ID: string; Attributes: Record<string, string> };
}

async function stillThere(path: string): Promise<boolean> {
    return dockerCall("GET", path).then(
        () => true,
        () => false,
    );
}

/**
 * From the engine's own event log since `sinceEpochSeconds`: every container the benchmark created
 * (by name or compose project), every volume such a container mounted (anonymous ones included),
 * every network of its names and every image compose tagged for its project, that still exists.
 */
export async function auditEngineSince(sinceEpochSeconds: number): Promise<string[]> {
    const filters = encodeURIComponent(JSON.stringify({ type: ["container", "volume", "network", "image"] }));
    // `until` one second ahead: the engine answers once that second has passed, with everything up to now.
    const until = Math.ceil(Date.now() / 1000) + 1;
    const answer = await dockerCall<EngineEvent[] | EngineEvent | undefined>("GET", `/events?since=${sinceEpochSeconds}&until=${until}&filters=${filters}`, { timeoutMs: 30_000 });
    const events = Array.isArray(answer) ? answer : answer ? [answer] : [];
    const ours = (name: string | undefined) =>
        name !== undefined && (name.startsWith(`litellm-${STACK}-`) || name.startsWith(SWARM_PREFIX) || name.startsWith(FLOOR_PREFIX) || name.startsWith(`${GUIDE_PROJECT}_`));
    const containers = new Set(
        events
            .filter((e) => e.Type === "container" && e.Action === "create" && (ours(e.Actor.Attributes.name) || e.Actor.Attributes["com.docker.compose.project"] === GUIDE_PROJECT))
            .map((e) => e.Actor.ID),
    );
    const volumes = new Set(
        events.filter((e) => e.Type === "volume" && ((e.Action === "mount" && containers.has(e.Actor.Attributes.container)) || (e.Action === "create" && ours(e.Actor.ID)))).map((e) => e.Actor.ID),
    );
    const networks = new Set(events.filter((e) => e.Type === "network" && e.Action === "create" && ours(e.Actor.Attributes.name)).map((e) => e.Actor.ID));
    const images = new Set(events.filter((e) => e.Type === "image" && e.Action === "tag" && e.Actor.Attributes.name?.startsWith(`${GUIDE_BUILT_IMAGE}:`)).map((e) => e.Actor.ID));
    const found: string[] = [];
    for (const id of containers) {
        if (await stillThere(`/containers/${id}/json`)) {
            found.push(`container ${id.slice(0, 12)}`);
        }
    }
    for (const name of volumes) {
        if (await stillThere(`/volumes/${encodeURIComponent(name)}`)) {
            found.push(`volume ${name}`);
        }
    }
    for (const id of networks) {
        if (await stillThere(`/networks/${id}`)) {
            found.push(`network ${id.slice(0, 12)}`);
        }
    }
    for (const id of images) {
        if (await stillThere(`/images/${id}/json`)) {
            found.push(`image ${id.slice(0, 19)}`);
        }
    }
    return found;
}

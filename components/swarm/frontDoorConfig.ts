/**
 * haproxy.cfg of the front door. Why HAProxy, and why this shape:
 *
 * - Discovery through Swarm's DNS, not its virtual IP: `tasks.<service>` answers with the address
 *   of every task whose healthcheck passed (Swarm adds a task to service discovery only once it is
 *   healthy), and works whether the kernel has IPVS or not; a service VIP needs IPVS (this machine
 *   has none: every connection to a VIP is refused). `server-template` keeps a slot per possible
 *   task and the `resolvers` section re-reads the answer every second.
 * - Its own health check on LiteLLM's readiness (`/health/readiness`: 503 without the database,
 *   and while an instance drains before it stops), the endpoint LiteLLM's docs name for load
 *   balancers (docs/my-website/docs/proxy/health.md), so a draining instance gets no new requests.
 * - Retries: a connection that fails (the instance is gone) is retried on another instance for any
 *   request, since nothing reached the dead one; other failures (an empty answer, a timeout, 502-504)
 *   are retried only for idempotent requests: `http-request disable-l7-retry` turns those retries
 *   off for everything else, so a chat completion (a POST, possibly already billed) is never sent
 *   twice.
 * - `leastconn`: answers take seconds to minutes (streams), so the instance with the fewest open
 *   requests gets the next one.
 */
import { FRONT_DOOR_CONTAINER_PORT, PROXY_CONTAINER_PORT } from "./proxyPorts";

/**
 * The front door's checks of each instance (HAProxy `inter`, `fastinter`, `fall`, in ms): every
 * second while it is up, every half second once a check failed, down after two failures in a row.
 */
export const FRONT_DOOR_CHECKS = { intervalMs: 1000, failingIntervalMs: 500, failuresToDown: 2 } as const;

/**
 * Seconds from an instance's readiness turning 503 (its drain began) until every front door has
 * marked it down and sends it nothing new: the wait for the next check, the checks until `fall`,
 * and a second for a check's own answer and for front doors whose checks run out of step. Until
 * then requests still arrive, on new connections and on kept-alive ones; an instance that closed
 * those at that moment would cut a request already on its way, which a POST cannot be retried after.
 */
export const FRONT_DOOR_NOTICE_SECONDS = Math.ceil(
    (FRONT_DOOR_CHECKS.intervalMs + (FRONT_DOOR_CHECKS.failuresToDown - 1) * FRONT_DOOR_CHECKS.failingIntervalMs + 1000) / 1000,
);

export interface FrontDoorConfigValues {
    /** The proxy's service name: its tasks resolve as `tasks.<name>`. */
    proxyServiceName: string;
    /** Server slots (config/multiInstance.ts frontDoorServerSlots). */
    serverSlots: number;
    /** HAProxy's `timeout server` / `timeout client` (config/multiInstance.ts frontDoorServerTimeoutSeconds). */
    serverTimeoutSeconds: number;
    /**
     * The DNS server that answers `tasks.<service>`; tests run HAProxy outside Docker against their own.
     * @default "127.0.0.11:53" (Docker's embedded DNS)
     */
    nameserver?: string;
    /** @default 8080 (FRONT_DOOR_CONTAINER_PORT) */
    listenPort?: number;
    /** @default 4000 (PROXY_CONTAINER_PORT) */
    proxyPort?: number;
}

/** The one path the front door answers itself (not forwarded): for checks of the door, not the proxy. */
export const FRONT_DOOR_HEALTH_PATH = "/front-door/health";

export function renderFrontDoorConfig(values: FrontDoorConfigValues): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/.test(values.proxyServiceName)) {
        throw new RangeError(`${JSON.stringify(values.proxyServiceName)} is not a Swarm service name`);
    }
    if (!Number.isInteger(values.serverSlots) || values.serverSlots < 1) {
        throw new RangeError("the front door needs at least one server slot");
    }
    const timeout = `${Math.ceil(values.serverTimeoutSeconds)}s`;
    return [
        "# aiterm-litellm front door (components/swarm/frontDoorConfig.ts).",
        "global",
        "    log stdout format raw local0 info",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option dontlognull",
        "    timeout connect 3s",
        `    timeout client ${timeout}`,
        `    timeout server ${timeout}`,
        "    timeout http-request 30s",
        "    timeout queue 30s",
        "    # Up to 3 retries, each on another instance than the one that failed.",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure empty-response junk-response response-timeout 502 503 504",
        "",
        "resolvers swarm",
        "    # Docker's embedded DNS: tasks.<service> lists every healthy task.",
        `    nameserver docker ${values.nameserver ?? "127.0.0.11:53"}`,
        "    accepted_payload_size 8192",
        "    resolve_retries 3",
        "    timeout resolve 1s",
        "    timeout retry 1s",
        "    hold valid 1s",
        "    hold other 1s",
        "    hold refused 1s",
        "    hold nx 1s",
        "    hold timeout 1s",
        "    hold obsolete 1s",
        "",
        "frontend litellm",
        `    bind :${values.listenPort ?? FRONT_DOOR_CONTAINER_PORT}`,
        `    http-request return status 200 content-type text/plain string ok if { path ${FRONT_DOOR_HEALTH_PATH} }`,
        "    default_backend litellm_proxies",
        "",
        "backend litellm_proxies",
        "    balance leastconn",
        "    option httpchk GET /health/readiness",
        "    http-check expect status 200",
        "    # Only a connection failure (nothing was sent) is retried for a non-idempotent request.",
        "    http-request disable-l7-retry unless METH_GET || METH_OPTIONS",
        `    default-server check inter ${FRONT_DOOR_CHECKS.intervalMs}ms fastinter ${FRONT_DOOR_CHECKS.failingIntervalMs}ms downinter 2s fall ${FRONT_DOOR_CHECKS.failuresToDown} rise 1 resolvers swarm resolve-prefer ipv4 init-addr none`,
        `    server-template proxy ${values.serverSlots} tasks.${values.proxyServiceName}:${values.proxyPort ?? PROXY_CONTAINER_PORT}`,
        "",
    ].join("\n");
}

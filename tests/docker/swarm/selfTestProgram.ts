/**
 * A small Pulumi program of the harness's own (not the swarm target's), for the harness's
 * self-tests: an overlay network, a content-named secret and config, a replicated app service
 * reading both as files (dnsrr, start-first rolling updates with rollback, a healthcheck,
 * convergeConfig, spread placement) and a one-replica HAProxy front door publishing a host-mode
 * port that finds the app's tasks through `tasks.<app>` DNS, health-checks them every second and
 * retries a failed or unanswered (3 s) request on another one.
 *
 * The app is Python's http.server run in the LiteLLM test double's image (it has python3): GET /
 * answers its hostname, VERSION, the secret's and config's contents and the secret file's mode;
 * GET /health is 200 unless HEALTHY=0; GET /slow takes a second.
 */
import { createHash } from "node:crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface SelfTestConfig {
    /** Physical names start with it (unique per test run). */
    prefix: string;
    appImage: string;
    frontDoorImage: string;
    replicas: number;
    version: string;
    healthy: boolean;
    secretValue: string;
    configText: string;
    /** The front door's host-mode port (0.0.0.0 on every node it runs on; the test uses 127.0.0.1). */
    frontDoorPort: number;
    /** An explicit deleteBeforeReplace option on the config (undefined: none, the bridge decides). */
    configDeleteBeforeReplace?: boolean;
    /** Placement constraints of the app (e.g. node.labels...). */
    constraints?: string[];
    /** stopGracePeriod of the app (default 10s). */
    stopGracePeriod?: string;
    converge?: { delay?: string; timeout?: string };
}

export const APP_SCRIPT = `
import http.server, json, os, socket, signal, threading, time
SECRET, CONFIG = "/run/secrets/app-token", "/etc/app/app.conf"
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        code, body = 200, b"ok"
        if self.path == "/health":
            code = 200 if os.environ.get("HEALTHY", "1") == "1" else 500
        else:
            if self.path.startswith("/slow"):
                time.sleep(1)
            body = json.dumps({"host": socket.gethostname(), "version": os.environ.get("VERSION"),
                               "secret": open(SECRET).read(), "config": open(CONFIG).read(),
                               "secretMode": oct(os.stat(SECRET).st_mode & 0o777)}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
server.serve_forever()
`;

export function frontDoorConfig(appService: string): string {
    return `global
  log stdout format raw local0 info
defaults
  mode http
  log global
  # only requests that did not end well are logged (with their termination state)
  option httplog
  option dontlog-normal
  timeout connect 1s
  timeout client 30s
  # a replica on a node that just went away never answers: give up on it after 3 s and retry
  # the (idempotent) request on another one
  timeout server 3s
  retries 3
  option redispatch 1
  retry-on all-retryable-errors response-timeout
resolvers docker
  nameserver dns 127.0.0.11:53
  hold valid 1s
  hold obsolete 1s
frontend fe
  bind :8080
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /health
  http-check expect status 200
  default-server inter 1s fall 1 rise 1
  server-template app 6 tasks.${appService}:8080 check resolvers docker init-addr none resolve-prefer ipv4
`;
}

/** Spread over a node label (unset labels count as one value: on one node, or unlabelled nodes, it is a no-op). */
export const SPREAD_DESCRIPTOR = "node.labels.aiterm-swarm-test.zone";

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);
const b64 = (text: string) => Buffer.from(text).toString("base64");

export function declareSelfTestProgram(c: SelfTestConfig) {
    const network = new docker.Network("net", { name: `${c.prefix}-net`, driver: "overlay" });
    const secret = new docker.Secret("app-token", { name: `${c.prefix}-token-${hash(c.secretValue)}`, data: pulumi.secret(b64(c.secretValue)) });
    const config = new docker.ServiceConfig(
        "app-conf",
        { name: `${c.prefix}-conf-${hash(c.configText)}`, data: b64(c.configText) },
        c.configDeleteBeforeReplace === undefined ? {} : { deleteBeforeReplace: c.configDeleteBeforeReplace },
    );
    const appName = `${c.prefix}-app`;
    const app = new docker.Service("app", {
        name: appName,
        labels: [{ label: "aiterm.test", value: "swarm-harness" }],
        mode: { replicated: { replicas: c.replicas } },
        updateConfig: { order: "start-first", failureAction: "rollback", parallelism: 1, monitor: "3s", delay: "1s" },
        rollbackConfig: { order: "start-first", parallelism: 2, monitor: "2s" },
        convergeConfig: { delay: c.converge?.delay ?? "2s", timeout: c.converge?.timeout ?? "2m" },
        endpointSpec: { mode: "dnsrr" },
        taskSpec: {
            containerSpec: {
                image: c.appImage,
                commands: ["python3", "-c", APP_SCRIPT],
                env: { VERSION: c.version, HEALTHY: c.healthy ? "1" : "0" },
                healthcheck: {
                    tests: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=2)"],
                    interval: "1s",
                    timeout: "2s",
                    retries: 2,
                    startPeriod: "1s",
                },
                stopGracePeriod: c.stopGracePeriod ?? "10s",
                secrets: [{ secretId: secret.id, secretName: secret.name, fileName: "/run/secrets/app-token", fileMode: 0o400 }],
                configs: [{ configId: config.id, configName: config.name, fileName: "/etc/app/app.conf" }],
            },
            networksAdvanceds: [{ id: network.id }],
            // the provider sends each pref verbatim as the spread descriptor (no "spread=" prefix)
            placement: { prefs: [SPREAD_DESCRIPTOR], constraints: c.constraints },
            restartPolicy: { condition: "any", delay: "1s" },
        },
    });
    const frontDoorConf = new docker.ServiceConfig("front-door-conf", {
        name: `${c.prefix}-haproxy-${hash(frontDoorConfig(appName))}`,
        data: b64(frontDoorConfig(appName)),
    });
    const frontDoor = new docker.Service("front-door", {
        name: `${c.prefix}-front`,
        mode: { replicated: { replicas: 1 } },
        // a host-mode port cannot be bound twice on one node: start-first would wait forever
        updateConfig: { order: "stop-first", failureAction: "rollback" },
        convergeConfig: { delay: "2s", timeout: "2m" },
        endpointSpec: { mode: "dnsrr", ports: [{ targetPort: 8080, publishedPort: c.frontDoorPort, publishMode: "host" }] },
        taskSpec: {
            containerSpec: {
                image: c.frontDoorImage,
                configs: [{ configId: frontDoorConf.id, configName: frontDoorConf.name, fileName: "/usr/local/etc/haproxy/haproxy.cfg" }],
                stopGracePeriod: "5s",
            },
            networksAdvanceds: [{ id: network.id }],
            placement: { constraints: ["node.role==manager"] },
        },
    });
    return { network, secret, config, app, frontDoor, outputs: [app.id, frontDoor.id, secret.name, config.name] as pulumi.Output<string>[] };
}

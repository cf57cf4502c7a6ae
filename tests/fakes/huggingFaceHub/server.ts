/**
 * The HTTP side of the fake Hub: the server on 127.0.0.1, the request log (every request,
 * its status, whether it writes, who sent it), fault injection applied before routing, and the
 * routing of each path to its endpoint. startFakeHub is the way in.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { errorResponse, HubError } from "./errors";
import { FaultInjector, faultResponse, matches } from "./faults";
import { commit, downloadFile, listTree, preupload } from "./files";
import type { FakeHub, FakeHubOptions, HubFault, RecordedRequest, RequestFilter, RequestMatcher } from "./harness";
import { authenticate, whoAmI } from "./identity";
import { authCheck, createSpace, deleteSpace, spaceInfo, updateSettings } from "./repos";
import { readBody, type HubResponse, type RequestContext } from "./requests";
import { logs, pause, requestHardware, restart, runtime, setSleepTime } from "./runtime";
import { secrets, variables } from "./spaceSettings";
import { InMemoryHub } from "./state";

function isWriteRequest(method: string, path: string): boolean {
  return ["POST", "PUT", "PATCH", "DELETE"].includes(method) && !/\/preupload\//.test(path) && !path.endsWith("/whoami-v2");
}

class FakeHuggingFaceHub extends InMemoryHub implements FakeHub {
  readonly requests: RecordedRequest[] = [];

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private readonly faults = new FaultInjector();
  private closed = false;

  constructor(options: FakeHubOptions) {
    super(options);
    this.server = createServer((request, response) => {
      // A failure while answering must not become an unhandled rejection in the test run.
      this.handle(request, response).catch(() => response.destroy());
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closing;
  }

  // -- request log -----------------------------------------------------------------------------

  findRequests(filter: RequestFilter = {}): Readonly<RecordedRequest>[] {
    return this.requests.filter(
      (request) =>
        matches(filter, request.method, request.path) &&
        (filter.status === undefined || request.status === filter.status) &&
        (filter.isWrite === undefined || request.isWrite === filter.isWrite) &&
        (filter.user === undefined || request.user === filter.user),
    );
  }

  countRequests(filter: RequestFilter = {}): number {
    return this.findRequests(filter).length;
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // -- faults ----------------------------------------------------------------------------------

  injectFault(fault: HubFault, match: RequestMatcher = {}): void {
    this.faults.injectFault(fault, match);
  }

  injectRecurringFault(fault: HubFault, match: RequestMatcher & { every: number }): void {
    this.faults.injectRecurringFault(fault, match);
  }

  clearFaults(): void {
    this.faults.clearFaults();
  }

  // -- request handling ------------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const url = new URL(request.url ?? "/", this.url);
    const record: RecordedRequest = { method, path: url.pathname, query: url.searchParams, status: null, isWrite: isWriteRequest(method, url.pathname) };
    this.requests.push(record);
    this.requestCounter += 1;
    const requestId = `Root=1-fake-${this.requestCounter}`;

    const send = (reply: HubResponse): void => {
      // Logged even when the client gave up meanwhile: the server did act on the request.
      record.status = reply.status;
      if (response.destroyed || response.writableEnded) return;
      const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.raw ?? "");
      const headers: Record<string, string> = {
        "X-Request-Id": requestId,
        ...(reply.json !== undefined && { "Content-Type": "application/json; charset=utf-8" }),
        ...reply.headers,
      };
      if (headers["Content-Length"] === undefined) headers["Content-Length"] = String(Buffer.byteLength(payload));
      response.writeHead(reply.status, headers);
      response.end(method === "HEAD" ? undefined : payload);
    };

    try {
      const fault = this.faults.takeFault(method, url.pathname);
      if (fault) record.fault = fault.kind;
      if (fault?.kind === "dropConnection") {
        request.socket.destroy();
        return;
      }
      const body = await readBody(request);
      if (fault?.kind === "slowResponse" && !(await this.sleep(fault.delayMs))) return;
      if (fault?.kind === "echoRequest") {
        const echoed = { method, path: url.pathname + url.search, headers: request.headers, body: body.toString("utf8") };
        send({ status: fault.status ?? 400, json: { error: `Bad request: ${JSON.stringify(echoed)}` } });
        return;
      }
      if (fault && fault.kind !== "slowResponse") {
        send(faultResponse(this, fault, url.pathname));
        return;
      }
      const caller = authenticate(this, request.headers.authorization);
      if (caller.kind === "user") record.user = caller.user.name;
      send(this.route({ method, url, headers: request.headers, body, caller }));
    } catch (error) {
      send(errorResponse(error));
    }
  }

  /** Resolves after `ms`, or to false at once if the hub closes first. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (this.closed) {
        resolve(false);
        return;
      }
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        resolve(!this.closed);
      }, ms);
      this.pendingTimers.add(timer);
    });
  }

  private route(context: RequestContext): HubResponse {
    const { method } = context;
    const path = context.url.pathname;
    if (path === "/api/whoami-v2" && method === "GET") return whoAmI(this, context);
    if (path === "/api/repos/create" && method === "POST") return createSpace(this, context);
    if (path === "/api/repos/delete" && method === "DELETE") return deleteSpace(this, context);

    const fileRoute = /^\/spaces\/([^/]+)\/([^/]+)\/(resolve|raw)\/([^/]+)\/(.+)$/.exec(path);
    if (fileRoute && (method === "GET" || method === "HEAD")) {
      const [, owner = "", name = "", , revision = "", filePath = ""] = fileRoute;
      return downloadFile(this, context, this.spaceId(owner, name), decodeURIComponent(revision), decodeURIComponent(filePath));
    }

    const spaceRoute = /^\/api\/spaces\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (spaceRoute) {
      const [, owner = "", name = "", rest = ""] = spaceRoute;
      const spaceId = this.spaceId(owner, name);
      const [action = "", ...tail] = rest.split("/");
      const revision = decodeURIComponent(tail[0] ?? "");
      const key = `${method} ${action}`;
      if (rest === "" && method === "GET") return spaceInfo(this, context, spaceId, "main");
      if (key === "PUT settings" && tail.length === 0) return updateSettings(this, context, spaceId);
      if (key === "GET auth-check" && (tail.length === 0 || (tail.length === 1 && tail[0] === "write"))) return authCheck(this, context, spaceId, tail.length === 1);
      if (key === "GET revision" && tail.length === 1) return spaceInfo(this, context, spaceId, revision);
      if (key === "POST preupload" && tail.length === 1) return preupload(this, context, spaceId, revision);
      if (key === "POST commit" && tail.length === 1) return commit(this, context, spaceId, revision);
      if (key === "GET tree" && tail.length >= 1) return listTree(this, context, spaceId, revision, tail.slice(1).map(decodeURIComponent).join("/"));
      if (action === "secrets" && tail.length === 0) return secrets(this, context, spaceId);
      if (action === "variables" && tail.length === 0) return variables(this, context, spaceId);
      if (key === "GET runtime" && tail.length === 0) return runtime(this, context, spaceId);
      if (key === "POST hardware" && tail.length === 0) return requestHardware(this, context, spaceId);
      if (key === "POST sleeptime" && tail.length === 0) return setSleepTime(this, context, spaceId);
      if (key === "POST restart" && tail.length === 0) return restart(this, context, spaceId);
      if (key === "POST pause" && tail.length === 0) return pause(this, context, spaceId);
      if (key === "GET logs" && (revision === "build" || revision === "run") && tail.length === 1) return logs(this, context, spaceId, revision);
    }
    throw new HubError(404, "Sorry, we can't find the page you are looking for.");
  }

  private spaceId(owner: string, name: string): string {
    return `${decodeURIComponent(owner)}/${decodeURIComponent(name)}`;
  }
}

/** Starts a fake Hub on 127.0.0.1 with an ephemeral port. Close it when done. */
export async function startFakeHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  const hub = new FakeHuggingFaceHub(options);
  await hub.listen();
  for (const user of options.users ?? []) hub.addUser(user);
  for (const org of options.orgs ?? []) hub.addOrg(org);
  for (const space of options.spaces ?? []) hub.seedSpace(space);
  return hub;
}

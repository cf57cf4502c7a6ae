/**
 * A Space's runtime: `GET .../runtime` (which, in per-poll mode, moves a build one stage on),
 * hardware, sleep time, restart, pause and the build and run logs. Domains are listed in the
 * runtime answer; a custom one is added with addCustomDomain (state.ts).
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 */
import { ownedSpace, readableSpace, writableSpace } from "./access";
import { enterStage, startBuild } from "./builds";
import { HubError } from "./errors";
import { SPACE_HARDWARE_FLAVORS, type FakeSpace, type SpaceHardwareFlavor } from "./model";
import { parseJsonObject, type HubResponse, type RequestContext } from "./requests";
import type { InMemoryHub } from "./state";

const FREE_HARDWARE_SLEEP_SECONDS = 48 * 3600;

function isHardwareFlavor(value: unknown): value is SpaceHardwareFlavor {
  return typeof value === "string" && (SPACE_HARDWARE_FLAVORS as readonly string[]).includes(value);
}

export function runtimeJson(space: FakeSpace): Record<string, unknown> {
  const runtime = space.runtime;
  // Field for field as the cassettes record it (test_space_runtime, test_pause_and_restart_space):
  // `replicas.current` only once a replica runs, `gcTimeout` 172800 (48 h) on cpu-basic.
  const running = runtime.stage === "RUNNING" || runtime.stage.startsWith("RUNNING_");
  const defaultSleep = runtime.hardware.requested === "cpu-basic" ? FREE_HARDWARE_SLEEP_SECONDS : null;
  return {
    stage: runtime.stage,
    hardware: { ...runtime.hardware },
    storage: null,
    gcTimeout: runtime.sleepTimeSeconds ?? defaultSleep,
    replicas: { requested: 1, ...(running && { current: 1 }) },
    devMode: false,
    // Not in the cassettes; hf.js types/api/api-collection.ts lists an optional `sha`.
    sha: space.headSha,
    ...(runtime.domains.length > 0 && { domains: runtime.domains.map((domain) => ({ ...domain })) }),
    ...(runtime.errorMessage !== undefined && { errorMessage: runtime.errorMessage }),
  };
}

/** `GET .../runtime` (cassette test_space_runtime). */
export function runtime(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = readableSpace(hub, context, spaceId);
  const reply: HubResponse = { status: 200, json: runtimeJson(space) };
  // Per-poll mode: the next poll sees the next stage, so a polling client walks every stage.
  if (hub.options.buildStageMs === undefined) {
    const next = space.runtime.upcomingStages.shift();
    if (next) enterStage(hub, space, next);
  }
  return reply;
}

/** hf_api.py request_space_hardware: `{flavor, sleepTimeSeconds?}`, answers the runtime. */
export function requestHardware(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = writableSpace(hub, context, spaceId);
  const body = parseJsonObject(context.body);
  const flavor = body["flavor"];
  if (!isHardwareFlavor(flavor)) throw new HubError(400, `Invalid hardware flavor ${JSON.stringify(flavor)}: expected one of ${SPACE_HARDWARE_FLAVORS.join(", ")}`);
  const sleepTimeSeconds = body["sleepTimeSeconds"];
  if (sleepTimeSeconds !== undefined && sleepTimeSeconds !== null) space.runtime.sleepTimeSeconds = validSleepTime(sleepTimeSeconds);
  const changed = space.runtime.hardware.requested !== flavor;
  space.runtime.hardware.requested = flavor;
  // Moving to other hardware restarts the Space on it.
  if (changed && space.runtime.stage !== "PAUSED") startBuild(hub, space);
  return { status: 200, json: runtimeJson(space) };
}

function validSleepTime(seconds: unknown): number {
  if (typeof seconds !== "number" || !Number.isInteger(seconds) || (seconds !== -1 && seconds <= 0)) {
    throw new HubError(400, `Invalid sleep time ${JSON.stringify(seconds)}: a positive number of seconds, or -1 to never sleep`);
  }
  return seconds;
}

/** hf_api.py set_space_sleep_time: `{seconds}` (-1 never), answers the runtime. */
export function setSleepTime(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = writableSpace(hub, context, spaceId);
  space.runtime.sleepTimeSeconds = validSleepTime(parseJsonObject(context.body)["seconds"]);
  return { status: 200, json: runtimeJson(space) };
}

/** Answers the runtime, BUILDING (cassette test_pause_and_restart_space); the only way out of PAUSED (hf_api.py restart_space). */
export function restart(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = writableSpace(hub, context, spaceId);
  // `?factory=true` (rebuild without cache) looks the same from outside: a fresh build.
  startBuild(hub, space);
  return { status: 200, json: runtimeJson(space) };
}

/** Answers the runtime, PAUSED (cassette test_pause_and_restart_space); stays PAUSED until restarted (hf_api.py pause_space). */
export function pause(hub: InMemoryHub, context: RequestContext, spaceId: string): HubResponse {
  const space = writableSpace(hub, context, spaceId);
  space.runtime.upcomingStages = [];
  enterStage(hub, space, { stage: "PAUSED" });
  return { status: 200, json: runtimeJson(space) };
}

/** SSE `data: {"data", "timestamp"}` events (hf_api.py fetch_space_logs). */
export function logs(hub: InMemoryHub, context: RequestContext, spaceId: string, kind: "build" | "run"): HubResponse {
  const space = ownedSpace(hub, context, spaceId);
  const timestamp = hub.isoNow();
  // The Hub keeps this stream open and follows the logs; the fake sends what it has and ends.
  const events = space.logs[kind].map((line) => `data: ${JSON.stringify({ data: `${line}\n`, timestamp })}\n\n`).join("");
  return { status: 200, headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }, raw: events };
}

/**
 * The build simulation: how a commit, restart or hardware change walks a Space through its
 * stages (one per `GET .../runtime`, or one per `buildStageMs` of clock time), the logs each
 * stage writes, and the injected build failures.
 * Upstream sources are named by the short names listed in ../huggingFaceHub.ts.
 *
 * - The stages and their order: _space_api.py SpaceStage (NO_APP_FILE, CONFIG_ERROR, BUILDING,
 *   BUILD_ERROR, APP_STARTING, RUNNING, RUNNING_BUILDING, RUNNING_APP_STARTING, RUNTIME_ERROR, ...)
 *   and INTERMEDIATE_SPACE_STAGES (what wait_for_space keeps polling through); the cassettes'
 *   runtime answers after a commit go BUILDING -> APP_STARTING -> RUNNING.
 * - `errorMessage` is SpaceRuntime.error_message (_space_api.py), set on the error stages only:
 *   the stack quotes it in its BUILD_ERROR / RUNTIME_ERROR message, so the fake clears it otherwise.
 * - `hardware.current` may be null (_space_api.py SpaceRuntime.hardware: "Can be `None` if Space is
 *   `BUILDING` for the first time"); the requested flavor stays (requested_hardware). UNVERIFIED:
 *   that it is null after a runtime error, a pause, a stop or sleep, as the fake answers; the stack
 *   does not read it.
 * - UNVERIFIED: the CONFIG_ERROR texts and the log lines. The stack neither parses nor matches
 *   them (it points at the Space's Logs page), so only their presence matters.
 */
import type { BuildStep, FakeSpace, SpaceStage } from "./model";
import { readFrontMatter } from "./readme";
import type { InMemoryHub } from "./state";

/** In timed mode, catches the build up with the clock; a no-op in per-poll mode. */
export function settleTimedBuild(hub: InMemoryHub, space: FakeSpace): void {
  const stageMs = hub.options.buildStageMs;
  if (stageMs === undefined) return;
  const runtime = space.runtime;
  while (runtime.upcomingStages.length > 0 && hub.now() - runtime.stageEnteredAtMs >= stageMs) {
    const enteredAt = runtime.stageEnteredAtMs + stageMs;
    const next = runtime.upcomingStages.shift();
    if (next) enterStage(hub, space, next, enteredAt);
  }
}

export function enterStage(hub: InMemoryHub, space: FakeSpace, step: BuildStep, enteredAtMs = hub.now()): void {
  const runtime = space.runtime;
  runtime.stage = step.stage;
  runtime.stageEnteredAtMs = enteredAtMs;
  const timestamp = new Date(enteredAtMs).toISOString();
  if (step.errorMessage !== undefined) runtime.errorMessage = step.errorMessage;
  else delete runtime.errorMessage;
  switch (step.stage) {
    case "RUNNING":
      runtime.hardware.current = runtime.hardware.requested;
      space.logs.run.push(`===== Application Startup at ${timestamp} =====`, "Application is running");
      break;
    case "APP_STARTING":
    case "RUNNING_APP_STARTING":
      space.logs.build.push("Successfully built image", "Pushing image");
      break;
    case "BUILD_ERROR":
      space.logs.build.push(`ERROR: ${step.errorMessage ?? "build failed"}`);
      break;
    case "RUNTIME_ERROR":
      space.logs.run.push(`===== Application Startup at ${timestamp} =====`, step.errorMessage ?? "Application exited");
      runtime.hardware.current = null;
      break;
    case "PAUSED":
    case "STOPPED":
    case "SLEEPING":
      runtime.hardware.current = null;
      break;
    default:
      break;
  }
}

/** A commit, restart or hardware change: rebuild, unless the configuration rules it out. */
export function startBuild(hub: InMemoryHub, space: FakeSpace): void {
  const runtime = space.runtime;
  runtime.upcomingStages = [];
  const frontMatter = readFrontMatter(space.files.get("README.md"));
  if (frontMatter.kind === "missing") {
    enterStage(hub, space, { stage: "CONFIG_ERROR", errorMessage: "Missing configuration in README" });
    return;
  }
  if (frontMatter.kind === "invalid") {
    enterStage(hub, space, { stage: "CONFIG_ERROR", errorMessage: `Invalid YAML in README.md front matter: ${frontMatter.reason}` });
    return;
  }
  if (space.sdk === "docker" && !space.files.has("Dockerfile")) {
    enterStage(hub, space, { stage: "NO_APP_FILE" });
    return;
  }
  const failureIndex = hub.buildFailures.findIndex((entry) => entry.spaceId === undefined || entry.spaceId === space.id);
  const failure = failureIndex === -1 ? undefined : hub.buildFailures.splice(failureIndex, 1)[0]?.failure;
  if (failure?.stage === "CONFIG_ERROR") {
    enterStage(hub, space, { stage: "CONFIG_ERROR", errorMessage: failure.errorMessage });
    return;
  }
  const keepsServing = hub.options.rebuildWhileRunning === true && runtime.stage === "RUNNING";
  space.logs.build = [`===== Build Queued at ${hub.isoNow()} / Commit SHA: ${space.headSha.slice(0, 7)} =====`, "--> Building Docker image"];
  enterStage(hub, space, { stage: keepsServing ? "RUNNING_BUILDING" : "BUILDING" });
  const appStarting: SpaceStage = keepsServing ? "RUNNING_APP_STARTING" : "APP_STARTING";
  if (failure?.stage === "BUILD_ERROR") runtime.upcomingStages = [{ stage: "BUILD_ERROR", errorMessage: failure.errorMessage }];
  else if (failure?.stage === "RUNTIME_ERROR") runtime.upcomingStages = [{ stage: appStarting }, { stage: "RUNTIME_ERROR", errorMessage: failure.errorMessage }];
  else runtime.upcomingStages = [{ stage: appStarting }, { stage: "RUNNING" }];
}

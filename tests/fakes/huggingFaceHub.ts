/**
 * A local stand-in for the Hugging Face Hub HTTP API, limited to what managing a Docker Space
 * needs: identity, repository create/delete/info, preupload + NDJSON commits, tree listing,
 * file download, Space secrets, variables, hardware, sleep time, restart, pause, runtime and logs.
 *
 * Upstream is the truth: every behaviour the stack relies on names, in a comment, where it comes
 * from. The sources, by short name:
 * - hf_api.py: huggingface_hub `src/huggingface_hub/hf_api.py` (create_repo, update_repo_settings,
 *   auth_check, restart_space, pause_space, wait_for_space, whoami)
 * - _space_api.py: huggingface_hub `src/huggingface_hub/_space_api.py` (SpaceStage,
 *   INTERMEDIATE_SPACE_STAGES, TERMINAL_SPACE_STAGES, SpaceRuntime)
 * - _http.py: huggingface_hub `src/huggingface_hub/utils/_http.py` (hf_raise_for_status)
 * - cassettes: huggingface_hub `tests/cassettes/TestSpaceAPIProduction.*.yaml`, answers recorded
 *   from the production Hub (create, 409, preupload, commit, secrets, variables, runtime, pause,
 *   restart, delete)
 * - hf.js: huggingface.js `packages/hub/src` (the client this stack uses, 2.17.5: the requests it
 *   sends, `types/api/*` for answer shapes, `error.ts` for how errors are read)
 * - hub#4535 / PR #4539: huggingface_hub issue and PR on 402 before 409 from create
 * - PR #2053 / #1364 / #2419: huggingface_hub threads quoting the Hub's 403 answers
 * - docs: https://huggingface.co/docs/hub/spaces-overview (plans, visibility)
 * What no upstream source pins down is marked UNVERIFIED where it is decided.
 *
 * Test-only: state lives in memory, and faults can be injected to exercise retries and timeouts.
 *
 * The fake is split by concern under ./huggingFaceHub/ (this file only re-exports it):
 * - model.ts: the Hub's records (accounts, tokens, Spaces, commits, runtime)
 * - harness.ts: what a test sees and controls (faults, request log, seeds, options, FakeHub)
 * - state.ts: the in-memory Hub and its seeding; git.ts: git object ids; readme.ts: front matter
 * - server.ts: HTTP server, routing, request log, fault injection (faults.ts)
 * - errors.ts: how the Hub answers errors; requests.ts: request bodies and answer shapes
 * - identity.ts (tokens, whoami-v2), access.ts (read, manage and write rights)
 * - repos.ts (create, delete, info, settings, auth-check), files.ts (tree, download, preupload,
 *   commit), spaceSettings.ts (secrets, variables), builds.ts (the build simulation),
 *   runtime.ts (runtime, hardware, sleep time, restart, pause, logs)
 */
export {
  SPACE_HARDWARE_FLAVORS,
  type AccountPlan,
  type BuildFailureStage,
  type BuildStep,
  type FakeAccessToken,
  type FakeHubState,
  type FakeOrg,
  type FakeSpace,
  type FakeUser,
  type OrgRole,
  type SpaceCommit,
  type SpaceDomain,
  type SpaceHardwareFlavor,
  type SpaceRuntimeState,
  type SpaceSdk,
  type SpaceSecret,
  type SpaceStage,
  type SpaceVariable,
  type SpaceVisibility,
  type TokenRole,
} from "./huggingFaceHub/model";
export type {
  BuildFailure,
  FakeHub,
  FakeHubOptions,
  FakeOrgSeed,
  FakeTokenSeed,
  FakeUserSeed,
  HubFault,
  RecordedRequest,
  RequestFilter,
  RequestMatcher,
  SpaceSeed,
} from "./huggingFaceHub/harness";
export { gitBlobSha1 } from "./huggingFaceHub/git";
export { spaceSubdomain } from "./huggingFaceHub/state";
export { startFakeHub } from "./huggingFaceHub/server";

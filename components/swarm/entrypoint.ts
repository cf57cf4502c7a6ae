/**
 * The start-up script the LiteLLM image runs on Swarm, shipped as a Swarm config.
 *
 * Secrets arrive as files: Swarm mounts each secret under /run/secrets, and a secret never becomes
 * service env (which `docker service inspect` shows to anyone with access to the manager). LiteLLM
 * reads its settings from the environment (`os.environ/NAME` in config.yaml, LITELLM_MASTER_KEY,
 * DATABASE_URL, ...), so the script exports every file of /run/secrets whose name is an environment
 * variable name, then starts LiteLLM through the image's own entrypoint (docker/prod_entrypoint.sh).
 * DATABASE_URL is one of those files, formatted (password URL-encoded) once, by the program.
 *
 * `proxy`: LiteLLM runs as a child, and a stop is a drain first. Swarm has no pre-stop hook, and
 * on SIGTERM uvicorn stops accepting connections and closes the idle kept-alive ones at once; so the
 * script catches the stop signal, calls LiteLLM's drain endpoint (GET /health/drain with
 * X-Drain-Token: readiness answers 503, and the call returns once in-flight requests finished or
 * GRACEFUL_SHUTDOWN_TIMEOUT passed: litellm/proxy/shutdown/graceful_shutdown_manager.py), waits
 * until the front doors have noticed the 503 (FRONT_DOOR_NOTICE_SECONDS from the drain's start:
 * until then they still send requests, which the instance serves), and only then passes SIGTERM
 * on. Uvicorn then lets the requests that came meanwhile finish; LiteLLM's own drain is done once.
 * Without the wait, the kept-alive connections closed at SIGTERM cut a request the front door was
 * sending at that moment (a POST it may not retry): about one in 600 requests of a rolling update.
 *
 * `migrate`: what LiteLLM's Helm chart's migrations Job runs (litellm/proxy/prisma_migration.py):
 * `litellm --skip_server_startup --enforce_prisma_migration_check`, which applies the migrations
 * bundled with the image and exits non-zero when they fail. Prisma's client is generated in the
 * litellm-database image already, so the script's `prisma generate` step is not repeated.
 *
 * The text does not depend on the stack's settings: which secrets exist is decided by what the
 * service mounts, so a model or key change never changes this config.
 */
import { FRONT_DOOR_NOTICE_SECONDS } from "./frontDoorConfig";
import { PROXY_CONTAINER_PORT } from "./proxyPorts";

/** Where the script is mounted in the container. */
export const ENTRYPOINT_PATH = "/usr/local/bin/aiterm-litellm-start";
/** The image's own entrypoint (WORKDIR /app, ENTRYPOINT docker/prod_entrypoint.sh). */
export const IMAGE_ENTRYPOINT = "/app/docker/prod_entrypoint.sh";

export type EntrypointMode = "proxy" | "migrate";

/** The container's command (`commands`, which replaces the image's entrypoint) and arguments. */
export function entrypointCommand(mode: EntrypointMode, litellmArgs: readonly string[] = []): { command: string[]; args: string[] } {
    return { command: ["/bin/sh", ENTRYPOINT_PATH], args: [mode, ...litellmArgs] };
}

/** Paths the script uses; tests run it against temporary ones. */
export interface EntrypointPaths {
    secretsDirectory: string;
    imageEntrypoint: string;
    proxyPort: number;
}

const IN_THE_IMAGE: EntrypointPaths = { secretsDirectory: "/run/secrets", imageEntrypoint: IMAGE_ENTRYPOINT, proxyPort: PROXY_CONTAINER_PORT };

export function renderEntrypointScript(paths: EntrypointPaths = IN_THE_IMAGE): string {
    return `#!/bin/sh
# aiterm-litellm: LiteLLM's start-up on Docker Swarm (components/swarm/entrypoint.ts).
set -eu

# Swarm secrets are files; LiteLLM reads environment variables.
for file in ${paths.secretsDirectory}/*; do
  [ -f "$file" ] || continue
  name=\${file##*/}
  case "$name" in
    ''|[0-9]*|*[!A-Za-z0-9_]*) continue ;;
  esac
  value=$(cat "$file")
  export "$name=$value"
done
unset file name value

mode=\${1:-}
if [ "$#" -gt 0 ]; then shift; fi

case "$mode" in
  migrate)
    exec ${paths.imageEntrypoint} --skip_server_startup --enforce_prisma_migration_check "$@"
    ;;
  proxy)
    ;;
  *)
    echo "aiterm-litellm-start: the first argument is proxy or migrate" >&2
    exit 64
    ;;
esac

${paths.imageEntrypoint} "$@" &
child=$!

drain() {
  # LiteLLM's drain endpoint; its answer comes once in-flight requests finished (or the timeout).
  # Then the rest of the front doors' notice time, counted from the drain's start.
  python3 - <<'PYTHON' || true
import os, time, urllib.request
started = time.monotonic()
timeout = float(os.environ.get("GRACEFUL_SHUTDOWN_TIMEOUT") or "30") + 5
request = urllib.request.Request(
    "http://127.0.0.1:${paths.proxyPort}/health/drain",
    headers={"X-Drain-Token": os.environ.get("DRAIN_ENDPOINT_TOKEN", "")},
)
try:
    urllib.request.urlopen(request, timeout=timeout).read()
    rest = ${FRONT_DOOR_NOTICE_SECONDS} - (time.monotonic() - started)
    if rest > 0:
        print(f"aiterm-litellm-start: drained; {rest:.1f} s more for the front doors to stop sending requests", flush=True)
        time.sleep(rest)
    print("aiterm-litellm-start: drained, stopping", flush=True)
except Exception as error:
    # The type only: a message could quote the request, token included.
    print(f"aiterm-litellm-start: drain failed ({type(error).__name__}), stopping anyway", flush=True)
PYTHON
}

stop() {
  trap '' TERM INT
  drain
  kill -TERM "$child" 2>/dev/null || true
}
trap stop TERM INT

status=0
wait "$child" || status=$?
# A trapped signal interrupts wait: wait again for LiteLLM's own exit status.
while kill -0 "$child" 2>/dev/null; do
  status=0
  wait "$child" || status=$?
done
exit "$status"
`;
}

export const ENTRYPOINT_SCRIPT = renderEntrypointScript();

/**
 * How the LiteLLM proxy runs without root, decided once for every target: a Hugging Face Space
 * runs the image as UID 1000 whatever the Dockerfile says, and the `dev` container (and the Swarm
 * services) are told to run as the same user, so one set of writable paths serves them all.
 *
 * The image's packages are root-owned, and LiteLLM writes at start-up. As UID 1000 the only
 * place it can write is the world-writable /tmp (on a read-only root file system: a tmpfs there),
 * so every write is pointed under it. What each write is, and where upstream says so:
 * - migrations: Prisma works in `litellm_proxy_extras` next to the bundled migrations, inside the
 *   root-owned virtualenv. After `migrate deploy` LiteLLM writes a `<timestamp>_baseline_diff`
 *   migration there, and for a database with tables but no migration history (one an older
 *   `prisma db push` made) a `0_init` baseline, which without write access ends start-up with
 *   "PermissionError: [Errno 13] Permission denied" (litellm-proxy-extras/litellm_proxy_extras/
 *   utils.py; BerriAI/litellm#13746). With LITELLM_MIGRATION_DIR it copies them there first and
 *   works there (docs/my-website/docs/proxy/prod.md, "Read-only File System").
 * - the dashboard: LiteLLM rearranges the exported UI (`login.html` to `login/index.html`) where it
 *   serves it from; without write access it only warns and `/ui/login` answers 404. With
 *   LITELLM_UI_PATH it copies the UI there first (litellm/proxy/proxy_server.py).
 * - HOME: caches under `~/.cache` and `~/.npm`, which LiteLLM's Helm chart gives their own volumes
 *   when the proxy runs as UID 1000 on a read-only root file system. (A UID without a passwd
 *   entry gets HOME=/, which it cannot write.)
 * Prisma's CLI and engines are left where the image bakes them (/opt/prisma, readable by every UID,
 * PRISMA_BINARY_CACHE_DIR pointing there since v1.90.6, BerriAI/litellm PR #33853): pointing
 * PRISMA_BINARY_CACHE_DIR or the other PRISMA_* variables elsewhere would send Prisma downloading
 * them again.
 */

/** The user a Space runs its container as, and the one every other target runs the proxy as. */
export const PROXY_UID = 1000;
export const PROXY_GID = 1000;

/** `uid:gid`, as Docker's `--user`, a service's `user` and a Dockerfile's `COPY --chown` take it. */
export const PROXY_USER = `${PROXY_UID}:${PROXY_GID}`;

/** The one directory the proxy writes to: every path below lives under it. */
export const PROXY_WRITABLE_DIR = "/tmp";

/** The variables that point LiteLLM's start-up writes under PROXY_WRITABLE_DIR, in the order they are rendered. */
export const PROXY_WRITABLE_PATHS: ReadonlyArray<readonly [name: string, path: string]> = [
    ["LITELLM_MIGRATION_DIR", `${PROXY_WRITABLE_DIR}/litellm/migrations`],
    ["LITELLM_UI_PATH", `${PROXY_WRITABLE_DIR}/litellm/ui`],
    ["HOME", PROXY_WRITABLE_DIR],
];

/** The same variables as a map. */
export function nonRootEnvironment(): Record<string, string> {
    return Object.fromEntries(PROXY_WRITABLE_PATHS);
}

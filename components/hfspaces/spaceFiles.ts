/**
 * What goes into the Space repository, and the Space's names and URLs: pure functions.
 */
import { stringify } from "yaml";

/** The port the Space routes to; the Dockerfile and README front matter must agree on it. */
export const SPACE_APP_PORT = 7860;

export const SPACE_CONFIG_PATH = "/app/config.yaml";

/**
 * A Dockerfile FROM the same pinned LiteLLM image as the `dev` stack, with config.yaml copied in.
 * The image's entrypoint runs `litellm "$@"`, so CMD carries only LiteLLM's flags.
 *
 * A Space runs the container as UID 1000, not as the image's root (its HOME is then `/`, as for any
 * UID without a passwd entry), and LiteLLM writes at start-up. The ENV line points it at
 * directories under /tmp. What each write is, and where upstream says so:
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
 *   when the proxy runs as UID 1000 on a read-only root file system.
 * Prisma's CLI and engines are left where the image bakes them (/opt/prisma, readable by every UID,
 * PRISMA_BINARY_CACHE_DIR pointing there since v1.90.6, BerriAI/litellm PR #33853): pointing
 * PRISMA_BINARY_CACHE_DIR or the other PRISMA_* variables elsewhere would send Prisma downloading
 * them again. Only ENV lines: the image's user at build time is root and its /tmp is writable by
 * everyone, so nothing has to be created or chowned.
 */
export function renderDockerfile(litellmImage: string): string {
    return [
        "# Managed by Pulumi (aiterm-litellm, stack hfspaces): edits made on the Hub are overwritten.",
        `FROM ${litellmImage}`,
        "# A Space runs this container as UID 1000, not root (HOME=/ then), and LiteLLM writes at start-up;",
        "# every write goes to /tmp, which that user can write:",
        "# - LITELLM_MIGRATION_DIR: Prisma's migrations are copied there, and baselines written next to them,",
        "#   instead of in the root-owned package directory (https://docs.litellm.ai/docs/proxy/prod#read-only-file-system)",
        "# - LITELLM_UI_PATH: the dashboard is copied there, and its routes (/ui/login) rearranged",
        "# - HOME: the caches kept under ~/.cache and ~/.npm",
        "# Prisma's engines stay where the image bakes them (/opt/prisma, readable by every UID).",
        "ENV LITELLM_MIGRATION_DIR=/tmp/litellm/migrations \\",
        "    LITELLM_UI_PATH=/tmp/litellm/ui \\",
        "    HOME=/tmp",
        `COPY --chown=1000:1000 config.yaml ${SPACE_CONFIG_PATH}`,
        `EXPOSE ${SPACE_APP_PORT}`,
        `CMD ["--port", "${SPACE_APP_PORT}", "--config", "${SPACE_CONFIG_PATH}"]`,
        "",
    ].join("\n");
}

export interface SpaceReadmeOptions {
    title: string;
    appPort: number;
}

/** README.md whose front matter configures the Space (Docker SDK, app port). */
export function renderSpaceReadme(options: SpaceReadmeOptions): string {
    const frontMatter = stringify({
        title: options.title,
        emoji: "🚅",
        colorFrom: "indigo",
        colorTo: "blue",
        sdk: "docker",
        app_port: options.appPort,
        pinned: false,
        short_description: "LiteLLM proxy for aiterm, managed by Pulumi",
    });
    return [
        "---",
        frontMatter.trimEnd(),
        "---",
        "",
        `# ${options.title}`,
        "",
        "A [LiteLLM](https://docs.litellm.ai/) proxy serving aiterm, deployed with Pulumi (stack `hfspaces`).",
        "Its files, secrets and variables are managed by that stack: change them there, not here.",
        "",
        "- Chat completions: `/v1/chat/completions` (needs a LiteLLM virtual key)",
        "- Dashboard: `/ui`",
        "",
    ].join("\n");
}

/**
 * node:crypto is required inside the functions the Space's providers use: Pulumi serializes them
 * into the stack, and a module imported at the top is captured as an object it may not serialize
 * (under vitest's module runner it cannot), while a require inside a function always travels.
 */
function sha(algorithm: "sha1" | "sha256") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("node:crypto") as typeof import("node:crypto")).createHash(algorithm);
}

/** Git's blob SHA-1 of a file: how the Hub identifies file content (`oid`). */
export function gitBlobSha1(content: string): string {
    const bytes = Buffer.from(content, "utf8");
    return sha("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Paths whose desired content differs from what the Space holds (by blob SHA-1), sorted. */
export function changedFiles(desired: Record<string, string>, remoteOids: Record<string, string>): string[] {
    return Object.keys(desired)
        .filter((path) => remoteOids[path] !== gitBlobSha1(desired[path]))
        .sort();
}

/** `owner/name` */
export function spaceId(owner: string, name: string): string {
    return `${owner}/${name}`;
}

/**
 * The app's subdomain as the Hub derives it: `<owner>-<name>`, lower-cased, every character other
 * than a letter or digit turned into `-`. The runtime's domain is authoritative once it exists.
 */
export function deriveSubdomain(owner: string, name: string): string {
    return `${owner}-${name}`.toLowerCase().replace(/[^a-z0-9]/g, "-");
}

export function spaceAppUrl(subdomain: string): string {
    return `https://${subdomain}.hf.space`;
}

export function spacePageUrl(hfEndpoint: string, id: string): string {
    return `${hfEndpoint.replace(/\/+$/, "")}/spaces/${id}`;
}

/** A digest of a map, order-independent: changes exactly when a key or value changes. */
export function digestOf(values: Record<string, string>): string {
    const hash = sha("sha256");
    for (const key of Object.keys(values).sort()) {
        hash.update(key).update("\0").update(values[key]).update("\0");
    }
    return hash.digest("hex");
}

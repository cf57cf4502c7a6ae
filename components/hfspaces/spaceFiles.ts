/**
 * What goes into the Space repository, and the Space's names and URLs: pure functions.
 */
import { stringify } from "yaml";
import { PROXY_UID, PROXY_USER, PROXY_WRITABLE_DIR, PROXY_WRITABLE_PATHS } from "../../config/nonRootRuntime";

/** The port the Space routes to; the Dockerfile and README front matter must agree on it. */
export const SPACE_APP_PORT = 7860;

export const SPACE_CONFIG_PATH = "/app/config.yaml";

/**
 * A Dockerfile FROM the same pinned LiteLLM image as the `dev` stack, with config.yaml copied in.
 * The image's entrypoint runs `litellm "$@"`, so CMD carries only LiteLLM's flags.
 *
 * A Space runs the container as UID 1000, not as the image's root, and LiteLLM writes at start-up:
 * the ENV line points every write under /tmp, from the paths every target shares
 * (config/nonRootRuntime.ts says what each write is and where upstream says so). Only ENV lines:
 * the image's user at build time is root and its /tmp is writable by everyone, so nothing has to
 * be created or chowned.
 */
export function renderDockerfile(litellmImage: string): string {
    const env = PROXY_WRITABLE_PATHS.map(([name, path]) => `${name}=${path}`).join(" \\\n    ");
    return [
        "# Managed by Pulumi (aiterm-litellm, stack hfspaces): edits made on the Hub are overwritten.",
        `FROM ${litellmImage}`,
        `# A Space runs this container as UID ${PROXY_UID}, not root (HOME=/ then), and LiteLLM writes at start-up;`,
        `# every write goes to ${PROXY_WRITABLE_DIR}, which that user can write:`,
        "# - LITELLM_MIGRATION_DIR: Prisma's migrations are copied there, and baselines written next to them,",
        "#   instead of in the root-owned package directory (https://docs.litellm.ai/docs/proxy/prod#read-only-file-system)",
        "# - LITELLM_UI_PATH: the dashboard is copied there, and its routes (/ui/login) rearranged",
        "# - HOME: the caches kept under ~/.cache and ~/.npm",
        "# Prisma's engines stay where the image bakes them (/opt/prisma, readable by every UID).",
        `ENV ${env}`,
        `COPY --chown=${PROXY_USER} config.yaml ${SPACE_CONFIG_PATH}`,
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

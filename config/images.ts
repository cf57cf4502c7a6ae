import { ConfigProblem, setCommand } from "./messages";

/** An image reference split into its parts: `[registry/]repository[:tag][@sha256:digest]`. */
export interface ImageReference {
    /** Everything before the tag and digest, registry included (`ghcr.io/berriai/litellm-database`). */
    repository: string;
    tag?: string;
    /** `sha256:` followed by 64 hex digits. */
    digest?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY = /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Tags that move: the same name points at a different build from one day to the next. LiteLLM's
 * own security page discourages its `main-*` tags; one once rolled back to an older build.
 */
export function isRollingTag(tag: string): boolean {
    return /^(latest|stable|main|nightly|edge|dev)$/.test(tag) || /^main-/.test(tag) || /-(latest|stable|nightly)$/.test(tag);
}

export function parseImageReference(reference: string): ImageReference | undefined {
    const [nameAndTag, digest, ...rest] = reference.split("@");
    if (rest.length > 0 || !nameAndTag) {
        return undefined;
    }
    if (digest !== undefined && !DIGEST.test(digest)) {
        return undefined;
    }
    const lastSlash = nameAndTag.lastIndexOf("/");
    const tagColon = nameAndTag.indexOf(":", lastSlash + 1);
    const repository = tagColon === -1 ? nameAndTag : nameAndTag.slice(0, tagColon);
    const tag = tagColon === -1 ? undefined : nameAndTag.slice(tagColon + 1);
    if (!REPOSITORY.test(repository) || (tag !== undefined && !TAG.test(tag))) {
        return undefined;
    }
    return { repository, tag, digest };
}

/**
 * Problems with an image pin: the deployment needs an image that cannot change under it, so a
 * digest is required and a rolling tag is refused even with one (it reads as if it tracked the
 * tag, which a digest pin does not).
 */
export function checkImagePin(key: string, reference: string, example: string): ConfigProblem[] {
    const fix = `pin a version and its digest, e.g. ${setCommand(key, example)}`;
    const parsed = parseImageReference(reference);
    if (!parsed) {
        return [{ key, problem: `"${reference}" is not a valid image reference.`, fix }];
    }
    if (parsed.tag && isRollingTag(parsed.tag)) {
        return [{ key, problem: `"${parsed.tag}" is a rolling tag: the image behind it changes without a config change.`, fix }];
    }
    if (!parsed.digest) {
        return [
            {
                key,
                problem: `"${reference}" has no digest, so a registry can hand a different image to every pull.`,
                fix: `${fix}. Find the digest with \`docker buildx imagetools inspect ${reference}\`.`,
            },
        ];
    }
    return [];
}

const LITELLM_REPOSITORIES = ["ghcr.io/berriai/litellm-database", "docker.litellm.ai/berriai/litellm-database"];

/**
 * Registry digests of LiteLLM releases as more than one unrelated public project pins them (no
 * registry is reachable from where this was written: ../shared/reference/litellm.md, "Digests seen
 * pinned in public repositories"). `docker buildx imagetools inspect <ref>` confirms one.
 */
export const KNOWN_LITELLM_DIGESTS: Readonly<Record<string, string>> = {
    "1.87.0": "sha256:23f40f60a9effdc064ca6affe1d9f6f4f976604feab0682f0401a2046af54b37",
    "1.92.0": "sha256:64d3547e0b131bf4638342e52c12bc46d6f1d9b8498e4b731ff31be5ab316ea9",
    "1.104.0": "sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218",
};

/** Values seen pinned as LiteLLM digests that are something else, with what they are. */
const KNOWN_WRONG_DIGESTS: Readonly<Record<string, string>> = {
    "sha256:5a9ff0fd7177372f2ccd8949cb121f67e281f4d13d026af51f9c096c0626f50a":
        "is recorded as the local image ID of LiteLLM 1.104.2 (what `docker images` shows), not a registry digest of any tag, so a pull by it fails",
};

/**
 * A LiteLLM pin checked against what is known of it: a digest known to be something else is
 * refused; a known release pinned to another digest than public projects record is warned about.
 */
export function checkKnownLiteLLMPin(key: string, reference: string): { problems: ConfigProblem[]; warnings: string[] } {
    const parsed = parseImageReference(reference);
    if (!parsed?.digest) {
        return { problems: [], warnings: [] };
    }
    const verify = `check it with \`docker buildx imagetools inspect ${parsed.repository}:${parsed.tag ?? "<version>"}\``;
    const wrong = KNOWN_WRONG_DIGESTS[parsed.digest];
    if (wrong) {
        return {
            problems: [{ key, problem: `the digest ${parsed.digest.slice(0, 19)}... ${wrong}.`, fix: `pin the registry digest of the release, e.g. ${setCommand(key, `${LITELLM_REPOSITORIES[0]}:v1.104.0@${KNOWN_LITELLM_DIGESTS["1.104.0"]}`)}; ${verify}` }],
            warnings: [],
        };
    }
    const version = parsed.tag?.replace(/^v/, "");
    const known = version ? KNOWN_LITELLM_DIGESTS[version] : undefined;
    if (known && LITELLM_REPOSITORIES.includes(parsed.repository) && known !== parsed.digest) {
        return {
            problems: [],
            warnings: [`pins ${parsed.tag} to ${parsed.digest.slice(0, 19)}..., but public projects pin ${parsed.tag} as ${known.slice(0, 19)}...; ${verify} before relying on it.`],
        };
    }
    return { problems: [], warnings: [] };
}

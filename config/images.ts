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

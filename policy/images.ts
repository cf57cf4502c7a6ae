/**
 * Image references and Dockerfiles: the decisions behind `images-pinned-by-digest`, as plain
 * functions of plain strings. The pack is its own package (it can be published on its own), so
 * it does not import the program's config/images.ts; a test keeps the two rolling-tag lists equal.
 */

const DIGEST_PIN = /@sha256:[0-9a-f]{64}$/;
/** What a RemoteImage's `imageId` looks like: a local image ID, itself pulled by a pinned RemoteImage. */
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** `name@sha256:<64 hex>`: the registry cannot hand out different bytes under it. */
export function isDigestPinned(reference: string): boolean {
    return DIGEST_PIN.test(reference);
}

export function isImageId(reference: string): boolean {
    return IMAGE_ID.test(reference);
}

/** The tag of `[registry[:port]/]repository[:tag][@digest]`, if it has one. */
export function tagOf(reference: string): string | undefined {
    const withoutDigest = reference.split("@")[0];
    const lastSlash = withoutDigest.lastIndexOf("/");
    const colon = withoutDigest.indexOf(":", lastSlash + 1);
    return colon === -1 ? undefined : withoutDigest.slice(colon + 1);
}

/**
 * Tags that move: the same name points at a different build from one day to the next (LiteLLM's
 * `main-stable` once rolled back to an older build). Same list as the program's config/images.ts.
 */
export function isRollingTag(tag: string): boolean {
    return /^(latest|stable|main|nightly|edge|dev)$/.test(tag) || /^main-/.test(tag) || /-(latest|stable|nightly)$/.test(tag);
}

export function isLiteLLMImage(reference: string): boolean {
    return reference.toLowerCase().includes("litellm");
}

/** What is wrong with an image the deployment pulls, in sentences; empty when it is pinned. */
export function imagePinProblems(reference: string): string[] {
    const problems: string[] = [];
    if (reference.includes("$")) {
        problems.push("is set by a build argument, so the image cannot be verified before it is built");
    }
    const tag = tagOf(reference);
    if (isLiteLLMImage(reference) && tag !== undefined && isRollingTag(tag)) {
        problems.push(`is on the rolling tag "${tag}", which points at a different LiteLLM build from one day to the next`);
    }
    if (!isDigestPinned(reference)) {
        problems.push("has no @sha256 digest, so the registry can hand a different image to every pull");
    }
    return problems;
}

/** One `FROM` of a Dockerfile. */
export interface BaseImage {
    /** The image reference as written. */
    reference: string;
    /** The whole instruction, for messages (`FROM --platform=linux/amd64 image AS build`). */
    instruction: string;
}

/**
 * The images a Dockerfile builds from, in order. `scratch` and references to an earlier build
 * stage (`FROM build`) are not pulled from a registry and are left out.
 */
export function dockerfileBaseImages(dockerfile: string): BaseImage[] {
    const stages = new Set<string>();
    const images: BaseImage[] = [];
    const instructions = dockerfile.replace(/\\\r?\n/g, " ").split(/\r?\n/);
    for (const line of instructions) {
        const match = /^\s*FROM\s+(.+)$/i.exec(line);
        if (!match) {
            continue;
        }
        const words = match[1].trim().split(/\s+/).filter((word) => !word.startsWith("--"));
        const [reference, as, stage] = words;
        if (reference === undefined) {
            continue;
        }
        const fromEarlierStage = stages.has(reference.toLowerCase());
        if (as?.toLowerCase() === "as" && stage !== undefined) {
            stages.add(stage.toLowerCase());
        }
        if (fromEarlierStage || reference.toLowerCase() === "scratch") {
            continue;
        }
        images.push({ reference, instruction: line.trim() });
    }
    return images;
}

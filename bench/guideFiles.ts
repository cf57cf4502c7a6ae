/**
 * The guide's deployment folder as the benchmark runs it: the unchanged copies in bench/seed/
 * (see bench/seed/ORIGIN.md), with only the two image references substituted, because no image
 * registry is reachable here. Pure functions over file texts, plus one that writes the folder.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { isMap, isPair, isScalar, isSeq, parse, parseDocument } from "yaml";

const SEED = join(__dirname, "seed");
/** Where the project's shared copy of the guide lives on the machines it is developed on. */
const SHARED_SEED = join(__dirname, "..", "..", "shared", "seeds", "aiterm-deploy-litellm");
const COPIED_FROM_SHARED = ["docker-compose.yml", "config.yaml", ".env.example"] as const;

export const GUIDE_MODEL = "default";

export interface GuideValues {
    /** The LiteLLM image the Dockerfile builds FROM (the guide's: docker.litellm.ai/berriai/litellm:main-stable). */
    litellmImage: string;
    /** The image of the `db` service (the guide's: postgres:16-alpine). */
    postgresImage: string;
    masterKey: string;
    hfToken: string;
    /** `LITELLM_PORT` in .env; undefined keeps the example's 4000. */
    hostPort?: number;
}

export function readSeed(name: string): string {
    return readFileSync(join(SEED, name), "utf8");
}

/**
 * Stops when a committed copy differs from the shared folder's (when that folder exists here):
 * the benchmark must run what the guide publishes, not a copy that drifted.
 */
export function checkSeedAgainstShared(): string {
    if (!existsSync(SHARED_SEED)) {
        return `${SHARED_SEED} not found: using the committed copies in bench/seed/ unchecked`;
    }
    for (const name of COPIED_FROM_SHARED) {
        if (readFileSync(join(SHARED_SEED, name), "utf8") !== readSeed(name)) {
            throw new Error(`bench/seed/${name} differs from ${join(SHARED_SEED, name)}: copy the guide's file over it unchanged`);
        }
    }
    return `bench/seed/ matches ${SHARED_SEED}`;
}

/**
 * The guide's compose file with the value of `services.db.image` replaced in place: every other
 * byte stays as published. (Not re-serialized: the `yaml` package's YAML 1.1 schema reads
 * `build: .` as NaN, where compose's PyYAML reads the string ".".)
 */
export function benchComposeFile(original: string, postgresImage: string): string {
    const document = parseDocument(original);
    if (document.errors.length > 0) {
        throw new Error(`the guide's docker-compose.yml does not parse: ${document.errors[0].message}`);
    }
    const image = document.getIn(["services", "db", "image"], true);
    if (!isScalar(image) || typeof image.value !== "string" || !image.range) {
        throw new Error("the guide's docker-compose.yml has no services.db.image to substitute");
    }
    if (document.getIn(["services", "litellm", "build"]) === undefined) {
        throw new Error("the guide's docker-compose.yml no longer builds the litellm service: revisit bench/guideFiles.ts");
    }
    const derived = original.slice(0, image.range[0]) + JSON.stringify(postgresImage) + original.slice(image.range[1]);
    const expected = document.toJS() as { services: { db: { image: string } } };
    expected.services.db.image = postgresImage;
    if (!isDeepStrictEqual(parse(derived), expected)) {
        throw new Error("substituting services.db.image changed more than that value");
    }
    return derived;
}

/** The guide's Dockerfile with its one FROM line pointing at the given image. */
export function benchDockerfile(original: string, litellmImage: string): string {
    const lines = original.split("\n");
    const from = lines.flatMap((line, index) => (/^\s*FROM\s/i.test(line) ? [index] : []));
    if (from.length !== 1) {
        throw new Error(`the guide's Dockerfile has ${from.length} FROM lines; the bench substitutes exactly one`);
    }
    lines[from[0]] = `FROM ${litellmImage}`;
    return lines.join("\n");
}

/** `cp .env.example .env`, then the lines the guide tells the user to edit (and the port, if asked). */
export function envFromExample(example: string, values: Record<string, string>): string {
    let text = example;
    for (const [name, value] of Object.entries(values)) {
        const line = new RegExp(`^${name}=.*$`, "m");
        if (!line.test(text)) {
            throw new Error(`the guide's .env.example has no ${name}= line`);
        }
        text = text.replace(line, `${name}=${value}`);
    }
    return text;
}

/** Where a node's own content ends (a mapping's or list's last value, not the comments after it). */
function contentEnd(node: unknown): number {
    if (isMap(node) || isSeq(node)) {
        const last = node.items[node.items.length - 1];
        return contentEnd(isPair(last) ? last.value : last);
    }
    if (isScalar(node) && node.range) {
        return node.range[1];
    }
    throw new Error("config.yaml: a model_list entry without content");
}

/**
 * config.yaml with one more `model_list` entry after the last one, as a user following the guide's
 * "Customizing Models" types it: every other byte (comments included) stays.
 */
export function withModel(configYaml: string, entry: { name: string; model: string }): string {
    const document = parseDocument(configYaml);
    const list = document.get("model_list", true);
    if (!isSeq(list) || list.items.length === 0 || !list.range) {
        throw new Error("the guide's config.yaml has no model_list entries");
    }
    const lineStart = configYaml.lastIndexOf("\n", list.range[0] - 1) + 1;
    const indent = " ".repeat(list.range[0] - lineStart);
    const at = contentEnd(list.items[list.items.length - 1]);
    const added = [
        `- model_name: ${JSON.stringify(entry.name)}`,
        `  litellm_params:`,
        `    model: ${JSON.stringify(entry.model)}`,
        `    api_key: "os.environ/HF_TOKEN"`,
    ].map((line) => `\n${indent}${line}`);
    const changed = configYaml.slice(0, at) + added.join("") + configYaml.slice(at);
    const expected = document.toJS() as { model_list: unknown[] };
    expected.model_list.push({ model_name: entry.name, litellm_params: { model: entry.model, api_key: "os.environ/HF_TOKEN" } });
    if (!isDeepStrictEqual(parse(changed), expected)) {
        throw new Error("adding a model to config.yaml changed more than model_list");
    }
    return changed;
}

export interface GuideFolder {
    directory: string;
    /** The files as written, by name. */
    files: Record<string, string>;
}

/** What the user's `deploy/litellm` holds after the guide's Quick Start step 2, images substituted. */
export function guideFiles(values: GuideValues): Record<string, string> {
    const env: Record<string, string> = { LITELLM_MASTER_KEY: values.masterKey, HF_TOKEN: values.hfToken };
    if (values.hostPort !== undefined) {
        env.LITELLM_PORT = String(values.hostPort);
    }
    return {
        "docker-compose.yml": benchComposeFile(readSeed("docker-compose.yml"), values.postgresImage),
        Dockerfile: benchDockerfile(readSeed("Dockerfile"), values.litellmImage),
        "config.yaml": readSeed("config.yaml"),
        ".env": envFromExample(readSeed(".env.example"), env),
    };
}

/** A fresh folder holding `guideFiles(values)`. */
export function writeGuideFolder(values: GuideValues, prefix = "aiterm-bench-guide-"): GuideFolder {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    const files = guideFiles(values);
    for (const [name, text] of Object.entries(files)) {
        writeFileSync(join(directory, name), text);
    }
    return { directory, files };
}

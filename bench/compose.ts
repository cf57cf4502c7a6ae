/**
 * Debian's docker-compose (1.29) on a folder, under a project name of the bench's own, and what
 * it takes to leave the engine as it was: containers, network, volume and every image it built.
 */
import { ChildProcess, execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { parse } from "yaml";
import { dockerCall } from "../tests/docker/dockerApi";
import { throwIfInterrupted, whenInterrupted } from "./cleanup";

export const GUIDE_PROJECT = "aiterm-bench-guide";
/** The image compose 1.29 tags for a built service: `<project>_<service>`. */
export const GUIDE_BUILT_IMAGE = `${GUIDE_PROJECT}_litellm`;

/** The environment compose runs in: none of the caller's variables may change what the file means. */
function composeEnvironment(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) {
        if (!name.startsWith("COMPOSE_") && !["LITELLM_PORT", "DOCKER_DEFAULT_PLATFORM"].includes(name)) {
            env[name] = value;
        }
    }
    return env;
}

const running = new Set<ChildProcess>();
// On a signal, a compose command still creating things is stopped before the cleanup runs.
whenInterrupted(() => running.forEach((child) => child.kill("SIGTERM")));

/** `docker-compose [-f file] -p project args` in `directory`; `down` is allowed after a signal, nothing else. */
export function runCompose(directory: string, args: string[], file?: string, project = GUIDE_PROJECT): Promise<string> {
    if (args[0] !== "down") {
        throwIfInterrupted();
    }
    const fileArgs = file ? ["-f", file] : [];
    return new Promise((resolve, reject) => {
        const child = execFile("docker-compose", [...fileArgs, "-p", project, ...args], { cwd: directory, env: composeEnvironment(), maxBuffer: 16 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
            running.delete(child);
            if (error) {
                reject(new Error(`docker-compose ${args.join(" ")} failed: ${error.message}\n${stderr.slice(-2000)}`));
            } else {
                resolve(stdout);
            }
        });
        running.add(child);
    });
}

/** The project's built image, if it exists now. */
export async function builtImageId(): Promise<string | undefined> {
    return dockerCall<{ Id: string }>("GET", `/images/${encodeURIComponent(GUIDE_BUILT_IMAGE)}/json`)
        .then((image) => image.Id)
        .catch(() => undefined);
}

/**
 * Proves the substitution changed nothing but the db image: compose's own reading of the guide's
 * file and of the bench's, beside the same .env, Dockerfile and config.yaml, differs only there.
 */
export async function checkOnlyImageDiffers(original: string, derived: string, siblings: Record<string, string>): Promise<void> {
    const directory = mkdtempSync(join(tmpdir(), "aiterm-bench-compose-check-"));
    try {
        for (const [name, text] of Object.entries(siblings)) {
            writeFileSync(join(directory, name), text);
        }
        writeFileSync(join(directory, "guide.yml"), original);
        writeFileSync(join(directory, "bench.yml"), derived);
        const read = async (file: string) => parse(await runCompose(directory, ["config"], file, `${GUIDE_PROJECT}-check`)) as { services: Record<string, Record<string, unknown>> };
        const [guide, bench] = [await read("guide.yml"), await read("bench.yml")];
        bench.services.db.image = guide.services.db.image;
        if (!isDeepStrictEqual(guide, bench)) {
            throw new Error("docker-compose reads the bench's compose file differently from the guide's beyond services.db.image");
        }
    } finally {
        rmSync(directory, { recursive: true, force: true });
    }
}

/** Everything of the project, whether compose still can (`down`) or not (by its labels). */
export async function removeGuideProject(directory: string | undefined, builtImages: Iterable<string>): Promise<void> {
    if (directory) {
        await runCompose(directory, ["down", "-v", "--rmi", "local", "--remove-orphans", "-t", "10"]).catch(() => undefined);
    }
    const label = encodeURIComponent(JSON.stringify({ label: [`com.docker.compose.project=${GUIDE_PROJECT}`] }));
    const containers = await dockerCall<{ Id: string }[]>("GET", `/containers/json?all=true&filters=${label}`).catch(() => []);
    for (const container of containers) {
        await dockerCall("DELETE", `/containers/${container.Id}?force=true&v=true`).catch(() => undefined);
    }
    const networks = await dockerCall<{ Id: string }[]>("GET", `/networks?filters=${label}`).catch(() => []);
    for (const network of networks) {
        await dockerCall("DELETE", `/networks/${network.Id}`).catch(() => undefined);
    }
    const volumes = await dockerCall<{ Volumes: { Name: string }[] | null }>("GET", `/volumes?filters=${label}`).catch(() => ({ Volumes: [] }));
    for (const volume of volumes.Volumes ?? []) {
        await dockerCall("DELETE", `/volumes/${encodeURIComponent(volume.Name)}`).catch(() => undefined);
    }
    // Each build leaves its image (untagged once rebuilt); deleting it prunes its untagged layers.
    for (const id of new Set([...builtImages, ...[await builtImageId()].filter((i): i is string => i !== undefined)])) {
        const image = await dockerCall<{ RepoTags: string[] | null }>("GET", `/images/${id}/json`).catch(() => undefined);
        // Only what compose built for this project: never an image someone else tagged since.
        if (image && (image.RepoTags ?? []).every((tag) => tag === `${GUIDE_BUILT_IMAGE}:latest`)) {
            await dockerCall("DELETE", `/images/${id}`).catch(() => undefined);
        }
    }
}

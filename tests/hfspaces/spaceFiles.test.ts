/**
 * The Space's Dockerfile as rendered text: what a Space (UID 1000, not root) needs from it. That it
 * really runs that way is proven on a real engine in tests/docker/spaceImage.realDocker.test.ts.
 */
import { describe, expect, it } from "vitest";
import { renderDockerfile, SPACE_APP_PORT, SPACE_CONFIG_PATH } from "../../components/hfspaces/spaceFiles";
import { nonRootEnvironment, PROXY_USER } from "../../config/nonRootRuntime";

const IMAGE = "ghcr.io/berriai/litellm-database:v1.104.0@sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218";

/** The instructions of a Dockerfile (comments dropped, continuations joined), as [keyword, rest]. */
function instructions(dockerfile: string): [string, string][] {
    return dockerfile
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith("#"))
        .map((line) => {
            const [keyword, ...rest] = line.split(/\s+/);
            return [keyword, rest.join(" ")];
        });
}

/** ENV NAME=value pairs of one ENV instruction (values without spaces or quotes, as rendered). */
function envOf(dockerfile: string): Record<string, string> {
    return Object.fromEntries(
        instructions(dockerfile)
            .filter(([keyword]) => keyword === "ENV")
            .flatMap(([, rest]) => rest.split(/\s+/).map((pair) => pair.split("=", 2) as [string, string])),
    );
}

describe("the Space's Dockerfile", () => {
    const dockerfile = renderDockerfile(IMAGE);

    it("builds FROM the pinned image and runs LiteLLM on the Space's port with the copied config", () => {
        expect(instructions(dockerfile)).toEqual([
            ["FROM", IMAGE],
            ["ENV", "LITELLM_MIGRATION_DIR=/tmp/litellm/migrations LITELLM_UI_PATH=/tmp/litellm/ui HOME=/tmp"],
            ["COPY", `--chown=1000:1000 config.yaml ${SPACE_CONFIG_PATH}`],
            ["EXPOSE", String(SPACE_APP_PORT)],
            ["CMD", `["--port", "${SPACE_APP_PORT}", "--config", "${SPACE_CONFIG_PATH}"]`],
        ]);
        expect(dockerfile.startsWith("# Managed by Pulumi")).toBe(true);
        expect(dockerfile.endsWith("\n")).toBe(true);
    });

    it("points every directory LiteLLM writes at start-up under /tmp, which UID 1000 can write", () => {
        const env = envOf(dockerfile);
        // the variables LiteLLM's production docs name for a file system the proxy cannot write
        expect(Object.keys(env).sort()).toEqual(["HOME", "LITELLM_MIGRATION_DIR", "LITELLM_UI_PATH"]);
        for (const [name, value] of Object.entries(env)) {
            expect(value, name).toMatch(/^\/tmp(\/|$)/);
        }
    });

    it("takes its user and paths from the one definition every target shares (config/nonRootRuntime.ts)", () => {
        expect(envOf(dockerfile)).toEqual(nonRootEnvironment());
        expect(instructions(dockerfile).find(([keyword]) => keyword === "COPY")?.[1]).toMatch(new RegExp(`^--chown=${PROXY_USER} `));
    });

    it("leaves Prisma's baked engines alone and needs nothing the image lacks", () => {
        // PRISMA_BINARY_CACHE_DIR et al. point at /opt/prisma in the image; overriding them makes Prisma download again.
        expect(Object.keys(envOf(dockerfile)).filter((name) => name.startsWith("PRISMA"))).toEqual([]);
        // no RUN: no shell, package manager or chown needed at build time; no USER: the Space picks the UID
        expect(instructions(dockerfile).map(([keyword]) => keyword)).not.toContain("RUN");
        expect(instructions(dockerfile).map(([keyword]) => keyword)).not.toContain("USER");
    });

    it("says in comments why each line is there", () => {
        for (const reason of ["UID 1000", "LITELLM_MIGRATION_DIR:", "LITELLM_UI_PATH:", "HOME:", "read-only-file-system", "/opt/prisma"]) {
            expect(dockerfile.split("\n").some((line) => line.startsWith("#") && line.includes(reason)), reason).toBe(true);
        }
    });
});

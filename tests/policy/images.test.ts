/**
 * The image decisions of images-pinned-by-digest, as plain functions.
 */
import { describe, expect, it } from "vitest";
import { isRollingTag as programIsRollingTag } from "../../config/images";
import { dockerfileBaseImages, imagePinProblems, isRollingTag, tagOf } from "../../policy/images";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("image pins", () => {
    it("read the tag wherever the registry has a port", () => {
        expect(tagOf(`ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST}`)).toBe("v1.104.0");
        expect(tagOf(`127.0.0.1:5000/aiterm-test/postgres:15@${DIGEST}`)).toBe("15");
        expect(tagOf(`127.0.0.1:5000/aiterm-test/postgres@${DIGEST}`)).toBeUndefined();
        expect(tagOf("postgres")).toBeUndefined();
    });

    it("call the same tags rolling as the program's own check (config/images.ts)", () => {
        const tags = ["latest", "stable", "main", "main-stable", "main-latest", "main-v1.50.0", "16-latest", "v1-stable", "nightly", "edge", "dev", "v1.104.0", "16-alpine", "15", "mainline", "stable-1"];
        for (const tag of tags) {
            expect(isRollingTag(tag), tag).toBe(programIsRollingTag(tag));
        }
    });

    it("accept a version pinned by digest, and a bare digest", () => {
        expect(imagePinProblems(`ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST}`)).toEqual([]);
        expect(imagePinProblems(`ghcr.io/berriai/litellm-database@${DIGEST}`)).toEqual([]);
        expect(imagePinProblems(`postgres:latest@${DIGEST}`)).toEqual([]);
    });

    it("refuse a missing or malformed digest, a LiteLLM rolling tag, and a build argument", () => {
        expect(imagePinProblems("postgres:16-alpine")).toEqual([expect.stringContaining("no @sha256 digest")]);
        expect(imagePinProblems("postgres:16@sha256:abc")).toEqual([expect.stringContaining("no @sha256 digest")]);
        expect(imagePinProblems(`ghcr.io/berriai/litellm:main-stable@${DIGEST}`)).toEqual([expect.stringContaining('rolling tag "main-stable"')]);
        expect(imagePinProblems("${LITELLM_IMAGE}")).toEqual([expect.stringContaining("build argument"), expect.stringContaining("no @sha256 digest")]);
    });
});

describe("Dockerfile base images", () => {
    it("are every FROM that pulls from a registry, flags and stage names aside", () => {
        const dockerfile = [
            "# syntax=docker/dockerfile:1",
            `FROM --platform=linux/amd64 ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST} AS base`,
            "RUN echo \\",
            "  FROM not-an-instruction",
            "from python:3.12-slim as tools",
            "FROM base",
            "FROM scratch",
            "",
        ].join("\n");
        expect(dockerfileBaseImages(dockerfile).map((image) => image.reference)).toEqual([
            `ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST}`,
            "python:3.12-slim",
        ]);
        expect(dockerfileBaseImages(dockerfile)[0].instruction).toBe(`FROM --platform=linux/amd64 ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST} AS base`);
    });
});

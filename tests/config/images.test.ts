import { describe, expect, it } from "vitest";
import { checkImagePin, isRollingTag, parseImageReference } from "../../config/images";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

describe("image references", () => {
    it("split registry, repository, tag and digest", () => {
        expect(parseImageReference(`ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST}`)).toEqual({
            repository: "ghcr.io/berriai/litellm-database",
            tag: "v1.104.0",
            digest: DIGEST,
        });
        expect(parseImageReference(`127.0.0.1:5000/aiterm-test/postgres:15@${DIGEST}`)).toEqual({
            repository: "127.0.0.1:5000/aiterm-test/postgres",
            tag: "15",
            digest: DIGEST,
        });
        expect(parseImageReference("postgres")).toEqual({ repository: "postgres", tag: undefined, digest: undefined });
    });

    it("reject what is not a reference", () => {
        for (const bad of ["", "Postgres", "postgres:16@sha256:short", "a@b@c", "postgres:bad tag"]) {
            expect(parseImageReference(bad), bad).toBeUndefined();
        }
    });

    it("know LiteLLM's and Docker's rolling tags", () => {
        for (const tag of ["latest", "main-stable", "main-latest", "main-v1.50.0", "16-latest"]) {
            expect(isRollingTag(tag), tag).toBe(true);
        }
        for (const tag of ["v1.104.0", "1.84.0", "16-alpine", "15"]) {
            expect(isRollingTag(tag), tag).toBe(false);
        }
    });

    it("accept a tag pinned by digest, and a bare digest", () => {
        expect(checkImagePin("litellmImage", `ghcr.io/berriai/litellm-database:v1.104.0@${DIGEST}`, "x")).toEqual([]);
        expect(checkImagePin("litellmImage", `ghcr.io/berriai/litellm-database@${DIGEST}`, "x")).toEqual([]);
    });
});

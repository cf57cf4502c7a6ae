import { describe, expect, it } from "vitest";
import { checkImagePin, checkKnownLiteLLMPin, isRollingTag, KNOWN_LITELLM_DIGESTS, parseImageReference } from "../../config/images";
import { DEFAULT_LITELLM_IMAGE } from "../../config/settings";

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

describe("the LiteLLM pin", () => {
    it("defaults to v1.104.0 at the digest public projects record for it", () => {
        expect(DEFAULT_LITELLM_IMAGE).toBe(`ghcr.io/berriai/litellm-database:v1.104.0@${KNOWN_LITELLM_DIGESTS["1.104.0"]}`);
        expect(DEFAULT_LITELLM_IMAGE).toContain("sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218");
        expect(checkKnownLiteLLMPin("litellmImage", DEFAULT_LITELLM_IMAGE)).toEqual({ problems: [], warnings: [] });
    });

    it("refuses the value that is 1.104.2's local image ID, not a registry digest", () => {
        const { problems } = checkKnownLiteLLMPin(
            "litellmImage",
            "ghcr.io/berriai/litellm-database:v1.104.0@sha256:5a9ff0fd7177372f2ccd8949cb121f67e281f4d13d026af51f9c096c0626f50a",
        );
        expect(problems).toHaveLength(1);
        expect(problems[0].problem).toMatch(/local image ID of LiteLLM 1\.104\.2/);
        expect(problems[0].fix).toMatch(/imagetools inspect/);
    });

    it("warns when a known release is pinned to another digest, and says how to check it", () => {
        const { problems, warnings } = checkKnownLiteLLMPin("litellmImage", `ghcr.io/berriai/litellm-database:1.104.0@${DIGEST}`);
        expect(problems).toEqual([]);
        expect(warnings[0]).toMatch(/public projects pin 1\.104\.0 as sha256:fbe28229/);
        expect(warnings[0]).toMatch(/docker buildx imagetools inspect ghcr\.io\/berriai\/litellm-database:1\.104\.0/);
        expect(checkKnownLiteLLMPin("litellmImage", `ghcr.io/berriai/litellm-database:v1.105.0@${DIGEST}`)).toEqual({ problems: [], warnings: [] });
    });
});

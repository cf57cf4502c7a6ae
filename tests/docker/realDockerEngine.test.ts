/**
 * The real-Docker harness's mapping on its own: what it refuses before touching the engine, and
 * the encodings it sends (durations, tar archives). No Docker engine needed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { DynamicEngine } from "../support/dynamicEngine";
import { RecordedOptions } from "../support/pulumiMocks";
import { tarArchive } from "./dockerApi";
import { durationNs, RealDockerEngine } from "./realDockerEngine";

const OPTIONS: RecordedOptions = { retainOnDelete: false, deleteBeforeReplace: false, protect: false, dependencies: [], parent: "", additionalSecretOutputs: [] };

/** Records the failure a registration reports instead of leaving it pending. */
class RecordingEngine extends DynamicEngine {
    readonly failures: unknown[] = [];
    override fail(error: unknown): Promise<never> {
        this.failures.push(error);
        return new Promise<never>(() => undefined);
    }
}

async function provision(type: string, inputs: Record<string, unknown>): Promise<unknown> {
    const dynamic = new RecordingEngine();
    const engine = new RealDockerEngine(dynamic);
    engine.beginRun();
    void engine.provision({ type, name: "r", inputs } as pulumi.runtime.MockResourceArgs, OPTIONS);
    for (let waited = 0; dynamic.failures.length === 0 && waited < 2000; waited += 10) {
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return dynamic.failures[0];
}

describe("the real-Docker harness", () => {
    it("refuses an input it cannot honour instead of dropping it", async () => {
        const error = await provision("docker:index/container:Container", { name: "c", image: "i", privileged: true });
        expect(String(error)).toMatch(/cannot honour docker:index\/container:Container input\(s\) privileged of r/);
    });

    it("refuses resource types it does not map", async () => {
        expect(String(await provision("docker:index/service:Service", { name: "s" }))).toMatch(/does not support docker:index\/service:Service/);
    });

    it("refuses a healthcheck start interval, which Docker 20.10 would ignore", async () => {
        const error = await provision("docker:index/container:Container", {
            name: "c",
            image: "i",
            healthcheck: { tests: ["CMD", "true"], interval: "10s", startInterval: "1s" },
        });
        expect(String(error)).toMatch(/refuses healthcheck.startInterval/);
    });

    it("turns the provider's durations into the Engine API's nanoseconds", () => {
        expect(durationNs("500ms")).toBe(500e6);
        expect(durationNs("5s")).toBe(5e9);
        expect(durationNs("2m")).toBe(120e9);
        expect(durationNs(undefined)).toBeUndefined();
        expect(() => durationNs("5 seconds")).toThrow(/cannot parse the duration/);
    });

    it("packs uploads as a tar archive that tar reads back, with their modes", () => {
        const directory = mkdtempSync(join(tmpdir(), "tar-"));
        const archive = join(directory, "a.tar");
        writeFileSync(
            archive,
            tarArchive([
                { path: "/app/config.yaml", content: Buffer.from("model_list: []\n"), mode: 0o644 },
                { path: "/usr/local/bin/start.sh", content: Buffer.from("#!/bin/sh\n"), mode: 0o744 },
            ]),
        );
        const listing = execFileSync("tar", ["-tvf", archive]).toString();
        expect(listing).toMatch(/-rw-r--r-- .* 15 .* app\/config\.yaml/);
        expect(listing).toMatch(/-rwxr--r-- .* 10 .* usr\/local\/bin\/start\.sh/);
        expect(execFileSync("tar", ["-xOf", archive, "app/config.yaml"]).toString()).toBe("model_list: []\n");
    });
});

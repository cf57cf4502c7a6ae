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
import { containerUpdateConfig, durationNs, hardeningHostConfig, RealDockerEngine } from "./realDockerEngine";

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
        const error = await provision("docker:index/container:Container", { name: "c", image: "i", pidMode: "host" });
        expect(String(error)).toMatch(/cannot honour docker:index\/container:Container input\(s\) pidMode of r/);
    });

    it("refuses a change the provider would accept but not apply (tmpfs, healthcheck), before touching the engine", async () => {
        for (const [input, before, after] of [
            ["tmpfs", { "/tmp": "rw,size=1m" }, { "/tmp": "rw,size=2m" }],
            ["healthcheck", { tests: ["CMD", "true"], interval: "1s" }, { tests: ["CMD", "false"], interval: "1s" }],
        ] as const) {
            const dynamic = new RecordingEngine();
            const engine = new RealDockerEngine(dynamic);
            const inputs = { name: "c", image: "i", [input]: before };
            engine.state.set("r", { type: "docker:index/container:Container", name: "r", id: "not-a-container", inputs, outs: inputs, options: OPTIONS });
            engine.beginRun();
            void engine.provision({ type: "docker:index/container:Container", name: "r", inputs: { ...inputs, [input]: after } } as pulumi.runtime.MockResourceArgs, OPTIONS);
            for (let waited = 0; dynamic.failures.length === 0 && waited < 2000; waited += 10) {
                await new Promise((resolve) => setTimeout(resolve, 10));
            }
            expect(String(dynamic.failures[0]), input).toMatch(new RegExp(`refuses a change of ${input} on r: the provider updates it in place, but its update does not apply it`));
        }
    });

    it("sets the hardening inputs on HostConfig as the provider's create does: MiB to bytes, only what is set", () => {
        expect(
            hardeningHostConfig({
                capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
                securityOpts: ["no-new-privileges:true"],
                privileged: false,
                readOnly: true,
                tmpfs: { "/tmp": "rw,size=16m" },
                memory: 512,
                memorySwap: 512,
                shmSize: 128,
                cpuShares: 512,
            }),
        ).toEqual({
            Privileged: false,
            ReadonlyRootfs: true,
            Init: false,
            CapAdd: ["CHOWN"],
            CapDrop: ["ALL"],
            SecurityOpt: ["no-new-privileges:true"],
            Tmpfs: { "/tmp": "rw,size=16m" },
            Memory: 512 * 1024 * 1024,
            MemorySwap: 512 * 1024 * 1024,
            ShmSize: 128 * 1024 * 1024,
            CpuShares: 512,
        });
        // Unset (or 0) inputs are left to the engine's defaults; -1 is "unlimited swap" as it is.
        expect(hardeningHostConfig({ memorySwap: -1 })).toEqual({ Privileged: false, ReadonlyRootfs: false, Init: false, MemorySwap: -1 });
        expect(() => hardeningHostConfig({ securityOpts: ["systempaths=unconfined"] })).toThrow(/does not model securityOpts systempaths/);
    });

    it("updates restart policy and resources in one call carrying all of them, as the provider's update does", () => {
        expect(containerUpdateConfig({ restart: "on-failure", maxRetryCount: 5, memory: 2048, memorySwap: 2048, cpuShares: 512 })).toEqual({
            RestartPolicy: { Name: "on-failure", MaximumRetryCount: 5 },
            CpuShares: 512,
            Memory: 2048 * 1024 * 1024,
            MemoryReservation: 0,
            CpusetCpus: "",
            MemorySwap: 2048 * 1024 * 1024,
        });
        expect(containerUpdateConfig({ restart: "unless-stopped" })).toEqual({
            RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            CpuShares: 0,
            Memory: 0,
            MemoryReservation: 0,
            CpusetCpus: "",
        });
    });

    it("refuses an empty command argument, as the provider does", async () => {
        expect(String(await provision("docker:index/container:Container", { name: "c", image: "i", command: ["", "--port"] }))).toMatch(/values for command may not be empty/);
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

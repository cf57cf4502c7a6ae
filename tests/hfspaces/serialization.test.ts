/**
 * Every dynamic provider survives Pulumi's closure serialization, the way the engine receives it:
 * compiled as `pulumi up` compiles it (ts-node), serialized by `pulumi.runtime.serializeFunction`,
 * and loaded back from text as Pulumi's dynamic provider host loads it.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FakeHub, startFakeHub } from "../fakes/huggingFaceHub";
import { DynamicEngine } from "../support/dynamicEngine";
import { loadModuleNatively } from "../support/nativeProgram";
import { installMocks } from "../support/pulumiMocks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

const PROVIDERS: [string, string][] = [
    ["components/hfspaces/providers/spaceRepository.ts", "spaceRepositoryProvider"],
    ["components/hfspaces/providers/spaceFiles.ts", "spaceFilesProvider"],
    ["components/hfspaces/providers/spaceSettings.ts", "spaceSettingsProvider"],
    ["components/hfspaces/providers/spaceRuntime.ts", "spaceRuntimeProvider"],
    ["components/keys/virtualKeyProvider.ts", "virtualKeyProvider"],
];

async function roundTrip(modulePath: string, exportName: string): Promise<{ text: string; provider: pulumi.dynamic.ResourceProvider }> {
    const original = loadModuleNatively<Record<string, pulumi.dynamic.ResourceProvider>>(modulePath)[exportName];
    const serialized = await pulumi.runtime.serializeFunction(() => original);
    return { text: serialized.text, provider: requireFromString(serialized.text).handler() };
}

describe.each(PROVIDERS)("%s", (modulePath, exportName) => {
    it(`${exportName} serializes and loads back with every method`, async () => {
        const { text, provider } = await roundTrip(modulePath, exportName);
        const original = loadModuleNatively<Record<string, pulumi.dynamic.ResourceProvider>>(modulePath)[exportName];
        expect(Object.keys(provider).sort()).toEqual(Object.keys(original).sort());
        // Only code travels: no module object from the test runner, no captured value of a secret.
        expect(text).not.toMatch(/__vite_ssr|hf_[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{20}/);
    });
});

describe("a deserialized provider", () => {
    let hub: FakeHub;
    beforeAll(async () => {
        hub = await startFakeHub({ users: [{ name: "alice", plan: "pro", tokens: [{ token: "hf_serializedtoken000000000000000", role: "write" }] }] });
    });
    afterAll(async () => {
        await hub.close();
    });

    it("talks to the Hub and keeps its error messages (a serialized Error subclass would lose them)", async () => {
        const { provider } = await roundTrip("components/hfspaces/providers/spaceRepository.ts", "spaceRepositoryProvider");
        const inputs = {
            resourceKind: "HuggingFaceSpaceRepository",
            hfEndpoint: hub.url,
            token: "hf_serializedtoken000000000000000",
            owner: "",
            name: "serialized",
            visibility: "public",
            onDestroy: "auto",
        };
        const checked = await provider.check!({}, inputs);
        expect(checked.inputs.owner).toBe("alice");
        const created = await provider.create(checked.inputs);
        expect(created.id).toBe("alice/serialized");
        hub.addUser({ name: "frank", plan: "free", tokens: [{ token: "hf_frankserialized000000000000000", role: "write" }] });
        const free = { ...inputs, token: "hf_frankserialized000000000000000", owner: "frank" };
        await expect(provider.create(free)).rejects.toThrow(/needs a paid plan[\s\S]*HTTP 402/);
        // An error raised by the serialized Hub client itself keeps its message too.
        await expect(provider.create({ ...inputs, owner: "someone-else" })).rejects.toThrow(
            /Hugging Face Hub: creating Space someone-else\/serialized failed \(HTTP 403\)/,
        );
    });
});

it("also serializes when a test runner rewrote the modules (the program imported through vitest)", async () => {
    const token = "hf_vitestloaderfaketoken0000000000";
    const hub = await startFakeHub({ users: [{ name: "alice", plan: "pro", tokens: [{ token, role: "write" }] }] });
    try {
        const engine = new DynamicEngine();
        installMocks({
            stack: "hfspaces",
            config: { hfToken: token, databaseUrl: "postgresql://u:p@db.example.com:6543/postgres", hfEndpoint: hub.url, spacePollIntervalSeconds: "0" },
            secretKeys: ["hfToken", "databaseUrl"],
            provision: engine.provision,
        });
        engine.beginRun();
        vi.resetModules();
        const program = await import("../../index");
        expect(await engine.settle([program.url])).toEqual(["https://alice-aiterm-litellm.hf.space"]);
        await engine.finishRun();
        expect(hub.space("alice/aiterm-litellm").runtime.stage).toBe("RUNNING");
    } finally {
        await hub.close();
    }
});

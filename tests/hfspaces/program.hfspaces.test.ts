/**
 * The whole program for stack `hfspaces`, loaded as `pulumi up` loads it, with its dynamic
 * providers serialized by Pulumi and driven through several runs against the fake Hub.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FakeHub, startFakeHub } from "../fakes/huggingFaceHub";
import { DynamicEngine } from "../support/dynamicEngine";
import { loadProgramNatively } from "../support/nativeProgram";
import { installMocks, MockedProgram, plainStrings, reveal } from "../support/pulumiMocks";

type Program = typeof import("../../index");

const TOKEN = "hf_alicewritetoken0000000000000000";
const READ_TOKEN = "hf_alicereadtoken00000000000000000";
const DATABASE_URL = "postgresql://postgres.abcd:s3cr3t%40pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres";
const OPENAI_KEY = "sk-openai-original-value-000000000";
const SPACE = "alice/aiterm-litellm";

/** One stack, as a user drives it: config set, up, refresh, destroy. */
class SpaceStack {
    readonly engine = new DynamicEngine();
    mocked!: MockedProgram;
    program!: Program;

    constructor(
        readonly hub: FakeHub,
        public config: Record<string, string>,
    ) {}

    async up(changes: Record<string, string> = {}): Promise<Program> {
        this.config = { ...this.config, ...changes };
        this.mocked = installMocks({
            stack: "hfspaces",
            config: this.config,
            secretKeys: ["hfToken", "databaseUrl", "providerKeys"],
            provision: this.engine.provision,
        });
        this.engine.beginRun();
        this.program = loadProgramNatively<Program>();
        await this.engine.settle([this.program.url, this.program.chatCompletionsEndpoint, this.program.spacePage as pulumi.Output<string>]);
        await this.engine.finishRun();
        return this.program;
    }

    refresh(): Promise<void> {
        return this.engine.refresh();
    }

    destroy(): Promise<void> {
        return this.engine.destroy();
    }
}

const valueOf = <T>(output: pulumi.Output<T> | undefined): Promise<T> => new Promise((resolve) => output?.apply(resolve));

let hub: FakeHub;
let stack: SpaceStack;

beforeEach(async () => {
    hub = await startFakeHub({
        users: [{ name: "alice", plan: "pro", tokens: [{ token: TOKEN, role: "write" }, { token: READ_TOKEN, role: "read" }] }],
        orgs: [{ name: "aiterm-org", plan: "pro", members: ["alice"] }],
    });
    stack = new SpaceStack(hub, {
        hfToken: TOKEN,
        databaseUrl: DATABASE_URL,
        hfEndpoint: hub.url,
        spacePollIntervalSeconds: "0",
        providerKeys: JSON.stringify({ OPENAI_API_KEY: OPENAI_KEY }),
        models: JSON.stringify([
            { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
            { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" },
        ]),
    });
});

afterEach(async () => {
    await hub.close();
});

const writes = () => hub.countRequests({ isWrite: true });
const commits = () => hub.countRequests({ method: "POST", pathPattern: /\/commit\// });
const secretWrites = () => hub.countRequests({ method: "POST", pathPattern: /\/secrets$/ });
const restarts = () => hub.countRequests({ method: "POST", pathPattern: /\/restart$/ });
const fileText = (path: string) => hub.space(SPACE).files.get(path)?.toString("utf8") ?? "";

describe("first pulumi up", () => {
    it("creates a Docker Space with its files in one commit, its secrets and variables, and waits until it runs", async () => {
        const program = await stack.up();
        const space = hub.space(SPACE);
        expect(space.sdk).toBe("docker");
        expect(space.visibility).toBe("public");
        expect(commits()).toBe(1);
        expect([...space.files.keys()].sort()).toEqual(expect.arrayContaining(["Dockerfile", "README.md", "config.yaml"]));
        expect([...space.secrets.keys()].sort()).toEqual(["DATABASE_URL", "HF_TOKEN", "LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "OPENAI_API_KEY", "UI_PASSWORD"]);
        expect(Object.fromEntries([...space.variables].map(([k, v]) => [k, v.value]))).toEqual({
            UI_USERNAME: "admin",
            LITELLM_LOG: "INFO",
            LITELLM_MODE: "PRODUCTION",
            LITELLM_LOCAL_MODEL_COST_MAP: "True",
        });
        expect(space.runtime.stage).toBe("RUNNING");
        expect(await valueOf(program.url)).toBe("https://alice-aiterm-litellm.hf.space");
        expect(await valueOf(program.chatCompletionsEndpoint)).toBe("https://alice-aiterm-litellm.hf.space/v1/chat/completions");
        expect(await valueOf(program.spacePage)).toBe(`${hub.url}/spaces/${SPACE}`);
    });

    it("writes the secrets before the files, so the first build already sees them", async () => {
        await stack.up();
        const writes = hub.requests.filter((r) => r.isWrite).map((r) => r.path);
        const lastSecret = writes.map((path) => path.endsWith("/secrets")).lastIndexOf(true);
        const commit = writes.findIndex((path) => path.includes("/commit/"));
        expect(lastSecret).toBeGreaterThanOrEqual(0);
        expect(commit).toBeGreaterThan(lastSecret);
    });

    it("pushes a Dockerfile FROM the same pinned image as dev, listening on the port the README declares", async () => {
        await stack.up();
        const dockerfile = fileText("Dockerfile");
        expect(dockerfile).toMatch(/^FROM ghcr\.io\/berriai\/litellm-database:v1\.104\.0@sha256:[0-9a-f]{64}$/m);
        expect(dockerfile).toContain("COPY --chown=1000:1000 config.yaml /app/config.yaml");
        const frontMatter = parse(fileText("README.md").split("---")[1]);
        expect(frontMatter.sdk).toBe("docker");
        expect(dockerfile).toContain(`CMD ["--port", "${frontMatter.app_port}", "--config", "/app/config.yaml"]`);
        expect(dockerfile).toContain(`EXPOSE ${frontMatter.app_port}`);
    });

    it("pushes the same config.yaml the dev stack renders, with secrets only as os.environ references", async () => {
        await stack.up();
        const config = parse(fileText("config.yaml"));
        expect(config.model_list.map((m: { model_name: string }) => m.model_name)).toEqual(["default", "openai"]);
        // Other general settings (dashboard access) are not secrets; these two must be references.
        expect(config.general_settings).toMatchObject({ master_key: "os.environ/LITELLM_MASTER_KEY", database_url: "os.environ/DATABASE_URL" });
        for (const name of ["HF_TOKEN", "OPENAI_API_KEY", "LITELLM_MASTER_KEY", "DATABASE_URL"]) {
            expect(hub.space(SPACE).secrets.has(name), name).toBe(true);
        }
    });

    it("keeps every secret out of plain text: outputs, resource inputs, files and state", async () => {
        const program = await stack.up();
        const masterKey = await valueOf(program.masterKey);
        expect(pulumi.isSecret(program.masterKey)).toBeTruthy();
        expect(pulumi.isSecret(program.aitermSetup)).toBeTruthy();
        const secrets = [masterKey, TOKEN, OPENAI_KEY, DATABASE_URL, ...stack.mocked.generatedSecrets()];
        const plainInputs = stack.mocked.resources.flatMap((r) => plainStrings(r.inputs));
        const files = [...hub.space(SPACE).files.values()].map((b) => b.toString("utf8"));
        // State outside the properties each resource declares as additional secret outputs.
        const plainState = [...stack.engine.state.values()].flatMap((entry) => {
            const resource = stack.mocked.resources.find((r) => r.name === entry.name);
            const secretKeys = resource ? stack.mocked.optionsOf(resource).additionalSecretOutputs : [];
            return plainStrings(Object.fromEntries(Object.entries(entry.outs).filter(([key]) => !secretKeys.includes(key))));
        });
        for (const secret of secrets) {
            for (const text of [...plainInputs, ...files, ...plainState]) {
                expect(text.includes(secret), `secret found in: ${text.slice(0, 60)}`).toBe(false);
            }
        }
    });
});

describe("later runs", () => {
    it("make no write call to the Hub when nothing changed", async () => {
        await stack.up();
        hub.clearRequests();
        await stack.up();
        expect(writes()).toBe(0);
        expect(hub.findRequests({ isWrite: true })).toEqual([]);
    });

    it("make exactly one commit and no secret write when one model changes", async () => {
        await stack.up();
        hub.clearRequests();
        await stack.up({
            models: JSON.stringify([
                { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-1.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
                { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" },
            ]),
        });
        expect(commits()).toBe(1);
        expect(secretWrites()).toBe(0);
        expect(restarts()).toBe(0);
        expect(writes()).toBe(1);
        expect(fileText("config.yaml")).toContain("Qwen2.5-Coder-1.5B-Instruct");
        expect(hub.space(SPACE).runtime.stage).toBe("RUNNING");
    });

    it("make one secret write and one restart when one secret changes", async () => {
        await stack.up();
        hub.clearRequests();
        await stack.up({ providerKeys: JSON.stringify({ OPENAI_API_KEY: "sk-openai-rotated-value-1111111111" }) });
        expect(secretWrites()).toBe(1);
        expect(restarts()).toBe(1);
        expect(commits()).toBe(0);
        expect(writes()).toBe(2);
        expect(hub.space(SPACE).secrets.get("OPENAI_API_KEY")?.value).toBe("sk-openai-rotated-value-1111111111");
    });

    it("remove a secret that was removed from config", async () => {
        await stack.up();
        hub.clearRequests();
        await stack.up({ providerKeys: "{}", models: JSON.stringify([{ name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" }]) });
        expect(hub.space(SPACE).secrets.has("OPENAI_API_KEY")).toBe(false);
        expect(hub.countRequests({ method: "DELETE", pathPattern: /\/secrets$/ })).toBe(1);
        expect(commits()).toBe(1);
    });
});

describe("pulumi refresh", () => {
    it("sees a secret deleted on the website, and the next up writes it back", async () => {
        await stack.up();
        hub.space(SPACE).secrets.delete("LITELLM_SALT_KEY");
        await stack.refresh();
        hub.clearRequests();
        await stack.up();
        expect(hub.space(SPACE).secrets.has("LITELLM_SALT_KEY")).toBe(true);
        expect(secretWrites()).toBe(1);
        expect(restarts()).toBe(1);
    });

    it("sees a file edited on the website, and the next up commits it back", async () => {
        await stack.up();
        const expected = fileText("config.yaml");
        hub.commitAsSomeoneElse(SPACE, { "config.yaml": "model_list: []\n" });
        await stack.refresh();
        hub.clearRequests();
        await stack.up();
        expect(commits()).toBe(1);
        expect(fileText("config.yaml")).toBe(expected);
    });

    it("sees the Space deleted, and the next up creates it again", async () => {
        await stack.up();
        hub.state.spaces.delete(SPACE);
        await stack.refresh();
        expect(stack.engine.state.size).toBe(0);
        await stack.up();
        expect(hub.space(SPACE).runtime.stage).toBe("RUNNING");
        expect(hub.space(SPACE).secrets.size).toBe(6);
    });
});

describe("pulumi destroy", () => {
    it("deletes a Space the stack created", async () => {
        await stack.up();
        await stack.destroy();
        expect(hub.state.spaces.has(SPACE)).toBe(false);
    });

    it("adopts a Space that already exists and leaves it in place on destroy", async () => {
        hub.seedSpace({ id: SPACE, sdk: "docker", visibility: "public", secrets: { MINE: "keep me" } });
        await stack.up();
        expect(hub.space(SPACE).secrets.has("LITELLM_MASTER_KEY")).toBe(true);
        await stack.destroy();
        expect(hub.state.spaces.has(SPACE)).toBe(true);
        // Its own secret stays; the ones the stack added are gone.
        expect([...hub.space(SPACE).secrets.keys()]).toEqual(["MINE"]);
    });

    it("deletes an adopted Space when spaceOnDestroy is delete, keeps a created one when it is keep", async () => {
        hub.seedSpace({ id: SPACE, sdk: "docker" });
        await stack.up({ spaceOnDestroy: "delete" });
        await stack.destroy();
        expect(hub.state.spaces.has(SPACE)).toBe(false);

        const second = new SpaceStack(hub, { ...stack.config, spaceOnDestroy: "keep", spaceName: "kept" });
        await second.up();
        await second.destroy();
        expect(hub.state.spaces.has("alice/kept")).toBe(true);
    });
});

describe("checks before anything is written", () => {
    it("refuse a read-only token, with one whoami call and no write", async () => {
        await expect(stack.up({ hfToken: READ_TOKEN })).rejects.toThrow(/hfToken is a read-only token[\s\S]*Write role/);
        expect(hub.countRequests({ pathPattern: /whoami/ })).toBe(1);
        expect(writes()).toBe(0);
    });

    it("refuse an invalid token", async () => {
        await expect(stack.up({ hfToken: "hf_unknowntoken0000000000000000000" })).rejects.toThrow(/rejected by the Hub \(HTTP 401\)/);
        expect(writes()).toBe(0);
    });

    it("refuse an owner the token cannot write to, and accept one of its organizations", async () => {
        await expect(stack.up({ spaceOwner: "bob" })).rejects.toThrow(/spaceOwner "bob" is neither the token's user \(alice\) nor one of its organizations \(aiterm-org\)/);
        expect(writes()).toBe(0);
        await stack.up({ spaceOwner: "aiterm-org" });
        expect(hub.space("aiterm-org/aiterm-litellm").runtime.stage).toBe("RUNNING");
    });

    it("turn HTTP 402 into the paid-plan message", async () => {
        hub.addUser({ name: "frank", plan: "free", tokens: [{ token: "hf_frankwrite00000000000000000000", role: "write" }] });
        await expect(stack.up({ hfToken: "hf_frankwrite00000000000000000000" })).rejects.toThrow(
            /needs a paid plan: since July 2026 Docker Spaces need PRO[\s\S]*HTTP 402/,
        );
    });
});

describe("adopting on an account or organization without a plan (the Hub answers 402 before 409)", () => {
    const FRANK = "hf_frankwrite00000000000000000000";
    beforeEach(() => {
        hub.addUser({ name: "frank", plan: "free", tokens: [{ token: FRANK, role: "write" }] });
        hub.addOrg({ name: "free-org", plan: "free", members: ["frank"], roles: { alice: "read" } });
    });

    it("adopts the existing Space of a free account, deploys into it, and leaves it on destroy", async () => {
        hub.seedSpace({ id: "frank/aiterm-litellm", sdk: "docker" });
        const program = await stack.up({ hfToken: FRANK });
        expect(hub.countRequests({ method: "POST", pathPattern: /\/repos\/create$/, status: 402 })).toBe(1);
        expect(hub.space("frank/aiterm-litellm").runtime.stage).toBe("RUNNING");
        expect(await valueOf(program.url)).toBe("https://frank-aiterm-litellm.hf.space");
        await stack.destroy();
        expect(hub.state.spaces.has("frank/aiterm-litellm")).toBe(true);
    });

    it("refuses, before any write to it, a Space that exists when the token cannot write to it", async () => {
        hub.seedSpace({ id: "free-org/aiterm-litellm", sdk: "docker" });
        await expect(stack.up({ spaceOwner: "free-org" })).rejects.toThrow(
            /free-org\/aiterm-litellm already exists, but this token cannot write to it[\s\S]*settings\/tokens/,
        );
        expect(hub.findRequests({ isWrite: true }).map((r) => r.path)).toEqual(["/api/repos/create"]);
    });
});

describe("visibility is declarative", () => {
    const settingsWrites = () => hub.findRequests({ method: "PUT", pathPattern: /\/settings$/ });

    it("a spaceVisibility change is an in-place update of the Space, one settings call", async () => {
        await stack.up();
        hub.clearRequests();
        await stack.up({ spaceVisibility: "protected" });
        expect(hub.space(SPACE).visibility).toBe("protected");
        expect(settingsWrites()).toHaveLength(1);
        expect(writes()).toBe(1);
        expect(stack.engine.callsTo("update", "repository")).toHaveLength(1);
        expect(stack.engine.callsTo("create", "repository")).toHaveLength(1);
        expect(stack.engine.callsTo("delete", "repository")).toHaveLength(0);
        hub.clearRequests();
        await stack.up();
        expect(writes()).toBe(0);
    });

    it("refresh sees a Space made private on the website, and the next up makes it public again", async () => {
        await stack.up();
        hub.space(SPACE).visibility = "private";
        await stack.refresh();
        hub.clearRequests();
        await stack.up();
        expect(hub.space(SPACE).visibility).toBe("public");
        expect(settingsWrites()).toHaveLength(1);
    });

    it("refresh cannot tell private from protected (the Space info has only `private`), so it keeps the recorded one", async () => {
        await stack.up({ spaceVisibility: "protected" });
        hub.space(SPACE).visibility = "private";
        await stack.refresh();
        const repository = [...stack.engine.state.values()].find((entry) => entry.name.endsWith("-repository"));
        expect(repository?.outs.visibility).toBe("protected");
    });

    it("an adopted Space takes the stack's visibility", async () => {
        hub.seedSpace({ id: SPACE, sdk: "docker", visibility: "private" });
        await stack.up({ spaceVisibility: "protected" });
        expect(hub.space(SPACE).visibility).toBe("protected");
    });

    it("turns the Hub's 402 for protected into the paid-plan message", async () => {
        hub.addUser({ name: "frank", plan: "free", tokens: [{ token: "hf_frankwrite00000000000000000000", role: "write" }] });
        hub.seedSpace({ id: "frank/aiterm-litellm", sdk: "docker" });
        const frank = new SpaceStack(hub, { ...stack.config, hfToken: "hf_frankwrite00000000000000000000" });
        await frank.up();
        await expect(frank.up({ spaceVisibility: "protected" })).rejects.toThrow(/protected[\s\S]*paid plan[\s\S]*HTTP 402/);
    });
});

describe("a Space that will not run by itself", () => {
    /** A second stack adopting the running Space of the first: its files match, so nothing rebuilds it. */
    async function adoptAt(stage: "PAUSED" | "STOPPED" | "DELETING" | "SLEEPING"): Promise<SpaceStack> {
        await stack.up();
        hub.space(SPACE).runtime.stage = stage;
        hub.clearRequests();
        // A wait far longer than the test may take: only failing at once passes.
        return new SpaceStack(hub, { ...stack.config, spaceWaitTimeoutSeconds: "600", spacePollIntervalSeconds: "1" });
    }

    it.each([
        ["PAUSED", /PAUSED[\s\S]*hf spaces restart alice\/aiterm-litellm/],
        ["STOPPED", /STOPPED[\s\S]*hf spaces restart alice\/aiterm-litellm/],
        ["DELETING", /DELETING[\s\S]*being deleted/],
    ] as const)("%s fails pulumi up at once with what to do, instead of waiting", async (stage, message) => {
        const second = await adoptAt(stage);
        await expect(second.up()).rejects.toThrow(message);
        expect(hub.countRequests({ pathPattern: /\/runtime$/ })).toBe(1);
        expect(restarts()).toBe(0);
    });

    it("a paused Space is not restarted behind its owner's back when a secret changes", async () => {
        await stack.up();
        hub.space(SPACE).runtime.stage = "PAUSED";
        hub.clearRequests();
        await expect(stack.up({ providerKeys: JSON.stringify({ OPENAI_API_KEY: "sk-openai-rotated-value-2222222222" }) })).rejects.toThrow(/PAUSED/);
        expect(restarts()).toBe(0);
        expect(hub.space(SPACE).secrets.get("OPENAI_API_KEY")?.value).toBe("sk-openai-rotated-value-2222222222");
    });

    it("SLEEPING ends the wait: the Space wakes on the first request to its app", async () => {
        const second = await adoptAt("SLEEPING");
        const program = await second.up();
        expect(await valueOf(program.url)).toBe("https://alice-aiterm-litellm.hf.space");
        expect(hub.countRequests({ pathPattern: /\/runtime$/ })).toBe(1);
        expect(restarts()).toBe(0);
    });
});

describe("custom domains", () => {
    it("the endpoints use the Space's own hf.space domain, also when a custom domain is listed first", async () => {
        await stack.up();
        hub.addCustomDomain(SPACE, "llm.example.com");
        await stack.refresh();
        const program = await stack.up();
        expect(await valueOf(program.url)).toBe("https://alice-aiterm-litellm.hf.space");
        expect(await valueOf(program.chatCompletionsEndpoint)).toBe("https://alice-aiterm-litellm.hf.space/v1/chat/completions");
    });

    it("and when the Space had one before the stack adopted it", async () => {
        hub.seedSpace({ id: SPACE, sdk: "docker" });
        hub.addCustomDomain(SPACE, "llm.example.com", "PENDING");
        const program = await stack.up();
        expect(await valueOf(program.url)).toBe("https://alice-aiterm-litellm.hf.space");
    });
});

describe("the Space's build", () => {
    it("fails the update with the Space's error message and where to read the logs", async () => {
        hub.failNextBuild({ stage: "BUILD_ERROR", errorMessage: "pip install failed" });
        await expect(stack.up()).rejects.toThrow(/stopped at BUILD_ERROR: pip install failed[\s\S]*logs=build/);
    });

    it("restarts a Space an earlier run left at BUILD_ERROR, so that running up again converges", async () => {
        hub.failNextBuild({ stage: "BUILD_ERROR", errorMessage: "network hiccup while installing" });
        await expect(stack.up()).rejects.toThrow(/BUILD_ERROR: network hiccup/);
        hub.clearRequests();
        await stack.up();
        expect(restarts()).toBe(1);
        expect(commits()).toBe(0);
        expect(hub.space(SPACE).runtime.stage).toBe("RUNNING");
    });

    it("does not wait when spaceWaitTimeoutSeconds is 0", async () => {
        await stack.up({ spaceWaitTimeoutSeconds: "0" });
        expect(hub.space(SPACE).runtime.stage).not.toBe("RUNNING");
        expect(hub.countRequests({ pathPattern: /\/runtime$/ })).toBe(1);
    });
});

describe("resilience", () => {
    it("retries a rate-limited commit after the Retry-After the Hub asks for", async () => {
        hub.injectFault({ kind: "rateLimit", resetSeconds: 1, retryAfterSeconds: 1 }, { method: "POST", pathPattern: /\/commit\// });
        await stack.up();
        expect(hub.countRequests({ status: 429 })).toBe(1);
        expect(commits()).toBe(2);
        expect(hub.space(SPACE).runtime.stage).toBe("RUNNING");
    });

    it("retries server errors, dropped connections and conflicting operations", async () => {
        hub.injectFault({ kind: "serverError", status: 503 }, { method: "POST", pathPattern: /\/secrets$/ });
        hub.injectFault({ kind: "dropConnection" }, { method: "POST", pathPattern: /\/variables$/ });
        hub.injectFault({ kind: "conflictingOperation" }, { method: "POST", pathPattern: /\/commit\// });
        await stack.up();
        expect(hub.space(SPACE).secrets.size).toBe(6);
        expect(hub.space(SPACE).variables.size).toBe(4);
        expect(hub.space(SPACE).runtime.stage).toBe("RUNNING");
    });

    it("re-reads HEAD and commits once more when someone else committed first (412)", async () => {
        await stack.up();
        hub.injectFault({ kind: "headMoved" }, { method: "POST", pathPattern: /\/commit\// });
        hub.clearRequests();
        await stack.up({ logLevel: "DEBUG", models: JSON.stringify([{ name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-7B-Instruct", apiKeyEnv: "HF_TOKEN" }]) });
        expect(hub.countRequests({ status: 412 })).toBe(1);
        expect(fileText("config.yaml")).toContain("Qwen2.5-Coder-7B-Instruct");
    });

    it("converges when an interrupted up is run again", async () => {
        hub.injectRecurringFault({ kind: "serverError", status: 500 }, { every: 1, method: "POST", pathPattern: /\/commit\// });
        await expect(stack.up()).rejects.toThrow(/committing to Space alice\/aiterm-litellm failed \(HTTP 500/);
        hub.clearFaults();
        await stack.up();
        expect(hub.space(SPACE).runtime.stage).toBe("RUNNING");
        expect(hub.space(SPACE).secrets.size).toBe(6);
        hub.clearRequests();
        await stack.up();
        expect(writes()).toBe(0);
    });
});

it("declares the Space's resources under one component, with the kinds the policy pack reads", async () => {
    await stack.up();
    const kinds = stack.mocked.byType("pulumi-nodejs:dynamic:Resource").map((r) => reveal<{ resourceKind: string }>(r.inputs).resourceKind);
    expect(kinds.sort()).toEqual(["HuggingFaceSpaceFiles", "HuggingFaceSpaceRepository", "HuggingFaceSpaceRuntime", "HuggingFaceSpaceSettings"]);
    expect(stack.mocked.resources.filter((r) => !r.custom).map((r) => r.type)).toContain("litellm:hfspaces:HuggingFaceSpace");
    expect(stack.mocked.byType("docker:index/container:Container")).toEqual([]);
});

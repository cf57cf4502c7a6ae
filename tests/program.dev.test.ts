/**
 * The whole program for stack `dev`, under Pulumi's mocks: the graph it declares.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { referencedEnvironment } from "../config/proxyConfig";
import { HF_TOKEN, OPENAI_KEY, Program, runDevProgram } from "./support/devProgram";
import { installMocks, isSecretValue, MockedProgram, mockVirtualKey, plainStrings, RecordedResource, reveal, valueOf } from "./support/pulumiMocks";

const runProgram = runDevProgram;

const CONTAINER = "docker:index/container:Container";
const proxyOf = (m: MockedProgram) => m.one(CONTAINER, "proxy");
const databaseOf = (m: MockedProgram): RecordedResource => m.one(CONTAINER, "database");
/** config.yaml, the first argument of the proxy's start script. */
const configYamlOf = (proxy: RecordedResource): string => reveal<string[]>(proxy.inputs.command)[0];
const envOf = (container: RecordedResource): Record<string, string> =>
    Object.fromEntries(reveal<string[]>(container.inputs.envs).map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));

describe("stack dev", () => {
    let mocked: MockedProgram;
    let program: Program;

    beforeAll(async () => {
        ({ mocked, program } = await runProgram());
    });

    it("declares component resources for the secrets, the deployment, the database and the proxy", () => {
        const components = mocked.resources.filter((r) => !r.custom).map((r) => r.type);
        expect(components).toEqual(
            expect.arrayContaining([
                "litellm:index:ProxySecrets",
                "litellm:docker:LocalDeployment",
                "litellm:docker:PostgresDatabase",
                "litellm:docker:LiteLLMProxy",
            ]),
        );
        expect(mocked.byType(CONTAINER)).toHaveLength(2);
        expect(mocked.byType("docker:index/remoteImage:RemoteImage")).toHaveLength(2);
        expect(mocked.byType("docker:index/volume:Volume")).toHaveLength(1);
        expect(mocked.byType("docker:index/network:Network")).toHaveLength(2);
    });

    it("pins both images by version and digest", () => {
        const images = mocked.byType("docker:index/remoteImage:RemoteImage").map((r) => String(reveal(r.inputs.name)));
        expect(images).toContain(
            "ghcr.io/berriai/litellm-database:v1.104.0@sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218",
        );
        expect(images).toContain("postgres:16-alpine@sha256:57c72fd2a128e416c7fcc499958864df5301e940bca0a56f58fddf30ffc07777");
        for (const container of mocked.byType(CONTAINER)) {
            expect(String(container.inputs.image)).toMatch(/^sha256:[0-9a-f]{64}$/);
        }
    });

    describe("the database", () => {
        it("publishes no port and joins only the internal network, under the alias the proxy uses", () => {
            const database = databaseOf(mocked);
            expect(database.inputs.ports ?? []).toEqual([]);
            const networks = reveal<{ name: string; aliases?: string[] }[]>(database.inputs.networksAdvanced);
            expect(networks).toHaveLength(1);
            const internal = mocked.byType("docker:index/network:Network").filter((n) => n.inputs.internal === true);
            expect(internal).toHaveLength(1);
            expect(networks[0].name).toBe(internal[0].inputs.name);
            expect(networks[0].aliases).toEqual(["litellm-db"]);
        });

        it("keeps its data on a named volume that survives pulumi destroy by default", () => {
            const database = databaseOf(mocked);
            const volume = mocked.one("docker:index/volume:Volume");
            expect(reveal(database.inputs.volumes)).toEqual([{ volumeName: volume.inputs.name, containerPath: "/var/lib/postgresql/data" }]);
            expect(mocked.optionsOf(volume).retainOnDelete).toBe(true);
        });

        it("is checked with pg_isready, restarted on failure at most 5 times, and waited for", () => {
            const database = databaseOf(mocked);
            const healthcheck = reveal<{ tests: string[]; interval: string }>(database.inputs.healthcheck);
            expect(healthcheck.tests.join(" ")).toContain("pg_isready");
            expect([database.inputs.restart, database.inputs.maxRetryCount]).toEqual(["on-failure", 5]);
            expect(database.inputs.wait).toBe(true);
            expect(mocked.optionsOf(database).deleteBeforeReplace).toBe(true);
        });

        it("gets its credentials from a secret environment", () => {
            const database = databaseOf(mocked);
            expect(isSecretValue(database.inputs.envs)).toBe(true);
            expect(Object.keys(envOf(database)).sort()).toEqual(["POSTGRES_DB", "POSTGRES_PASSWORD", "POSTGRES_USER"]);
        });
    });

    describe("the proxy", () => {
        it("is published on 127.0.0.1:4000 only", () => {
            expect(reveal(proxyOf(mocked).inputs.ports)).toEqual([{ internal: 4000, external: 4000, ip: "127.0.0.1", protocol: "tcp" }]);
        });

        it("passes config.yaml in as a plain argument instead of bind-mounting a host file or uploading it", () => {
            const proxy = proxyOf(mocked);
            expect(proxy.inputs.uploads).toBeUndefined();
            expect(reveal(proxy.inputs.volumes) ?? []).toEqual([]);
            const [configYaml, ...flags] = reveal<string[]>(proxy.inputs.command);
            expect(flags).toEqual(["--port", "4000", "--config", "/tmp/litellm/config.yaml"]);
            expect(isSecretValue(proxy.inputs.command)).toBe(false);
            const config = parse(configYaml);
            expect(config.model_list.map((m: { model_name: string }) => m.model_name)).toEqual(["default", "openai"]);
        });

        it("sets every environment variable config.yaml references", () => {
            const proxy = proxyOf(mocked);
            const config = parse(configYamlOf(proxy));
            const env = envOf(proxy);
            const referenced = referencedEnvironment(config);
            expect(referenced).toEqual(["DATABASE_URL", "HF_TOKEN", "LITELLM_MASTER_KEY", "OPENAI_API_KEY"]);
            for (const name of referenced) {
                expect(env[name], name).toBeTruthy();
            }
            expect(env.HF_TOKEN).toBe(HF_TOKEN);
            expect(env.OPENAI_API_KEY).toBe(OPENAI_KEY);
        });

        it("uses an sk- master key with at least 32 random characters, a salt key and dashboard credentials", () => {
            const env = envOf(proxyOf(mocked));
            expect(env.LITELLM_MASTER_KEY).toMatch(/^sk-[A-Za-z0-9]{32,}$/);
            expect(env.LITELLM_SALT_KEY.length).toBeGreaterThanOrEqual(32);
            expect(env.UI_USERNAME).toBe("admin");
            expect(env.UI_PASSWORD.length).toBeGreaterThanOrEqual(16);
            expect(env.LITELLM_LOG).toBe("INFO");
        });

        it("reaches the database by its alias with a URL-encoded password", () => {
            const proxyEnv = envOf(proxyOf(mocked));
            const password = envOf(databaseOf(mocked)).POSTGRES_PASSWORD;
            expect(password).toMatch(/[@:/?#%]/);
            expect(proxyEnv.DATABASE_URL).toBe(`postgresql://litellm:${encodeURIComponent(password)}@litellm-db:5432/litellm`);
            const url = new URL(proxyEnv.DATABASE_URL);
            expect(decodeURIComponent(url.password)).toBe(password);
            expect(url.hostname).toBe("litellm-db");
        });

        it("joins the database's internal network and a network with a route out", () => {
            const proxy = proxyOf(mocked);
            const names = reveal<{ name: string }[]>(proxy.inputs.networksAdvanced).map((n) => n.name);
            const networks = mocked.byType("docker:index/network:Network");
            expect(names.sort()).toEqual(networks.map((n) => String(n.inputs.name)).sort());
        });

        it("has a healthcheck that works in the real image: python3 against /health/liveliness", () => {
            const proxy = proxyOf(mocked);
            const tests = reveal<{ tests: string[] }>(proxy.inputs.healthcheck).tests;
            expect(tests[0]).toBe("CMD");
            expect(tests[1]).toBe("python3");
            expect(tests.join(" ")).toContain("/health/liveliness");
            expect(tests.join(" ")).not.toMatch(/curl|wget|\/health['"]/);
        });

        it("waits for health, restarts on failure at most 5 times, and starts after the database", () => {
            const proxy = proxyOf(mocked);
            expect(proxy.inputs.wait).toBe(true);
            expect([proxy.inputs.restart, proxy.inputs.maxRetryCount]).toEqual(["on-failure", 5]);
            expect(mocked.optionsOf(proxy).deleteBeforeReplace).toBe(true);
            // The proxy container itself waits for the database container (which waits until healthy).
            const database = databaseOf(mocked);
            expect(mocked.optionsOf(proxy).dependencies).toContainEqual(expect.stringMatching(new RegExp(`docker:index/container:Container::${database.name}$`)));
        });
    });

    describe("least privilege", () => {
        it("runs the proxy as the Space's UID 1000 with the shared non-root paths, no capability, no new privileges", () => {
            const proxy = proxyOf(mocked);
            expect(proxy.inputs.user).toBe("1000:1000");
            expect(reveal(proxy.inputs.capabilities)).toEqual({ drops: ["ALL"] });
            expect(reveal(proxy.inputs.securityOpts)).toEqual(["no-new-privileges:true"]);
            expect(proxy.inputs.privileged).toBe(false);
            expect(envOf(proxy)).toMatchObject({ LITELLM_MIGRATION_DIR: "/tmp/litellm/migrations", LITELLM_UI_PATH: "/tmp/litellm/ui", HOME: "/tmp" });
        });

        it("gives the database only the four capabilities its entrypoint needs to step down, and no new privileges", () => {
            const database = databaseOf(mocked);
            expect(reveal(database.inputs.capabilities)).toEqual({ drops: ["ALL"], adds: ["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"] });
            expect(reveal(database.inputs.securityOpts)).toEqual(["no-new-privileges:true"]);
            expect(database.inputs.privileged).toBe(false);
        });

        it("mounts both root file systems read-only, with tmpfs only where each writes", () => {
            expect(proxyOf(mocked).inputs.readOnly).toBe(true);
            expect(Object.keys(reveal<Record<string, string>>(proxyOf(mocked).inputs.tmpfs))).toEqual(["/tmp"]);
            expect(databaseOf(mocked).inputs.readOnly).toBe(true);
            expect(Object.keys(reveal<Record<string, string>>(databaseOf(mocked).inputs.tmpfs)).sort()).toEqual(["/tmp", "/var/run/postgresql"]);
            expect(databaseOf(mocked).inputs.uploads).toBeUndefined();
        });

        it("limits memory (no swap) and CPU weight by default: 2048 MiB for the proxy, 512 MiB with 128 MiB of shared memory for the database", () => {
            const proxy = proxyOf(mocked).inputs;
            const database = databaseOf(mocked).inputs;
            expect([proxy.memory, proxy.memorySwap, proxy.cpuShares]).toEqual([2048, 2048, 512]);
            expect([database.memory, database.memorySwap, database.shmSize, database.cpuShares]).toEqual([512, 512, 128, 512]);
        });

        it("takes the limits and the restart policy from the stack's settings", async () => {
            const set = (
                await runProgram({
                    proxyMemoryMb: "3072",
                    proxyCpuShares: "1024",
                    databaseMemoryMb: "1024",
                    databaseSharedMemoryMb: "256",
                    databaseCpuShares: "256",
                    restartPolicy: "unless-stopped",
                })
            ).mocked;
            const proxy = proxyOf(set).inputs;
            const database = databaseOf(set).inputs;
            expect([proxy.memory, proxy.memorySwap, proxy.cpuShares, proxy.restart, proxy.maxRetryCount]).toEqual([3072, 3072, 1024, "unless-stopped", undefined]);
            expect([database.memory, database.shmSize, database.cpuShares, database.restart, database.maxRetryCount]).toEqual([1024, 256, 256, "unless-stopped", undefined]);
        });
    });

    describe("secrets", () => {
        it("exports the master key and dashboard password as secrets", () => {
            expect(pulumi.isSecret(program.masterKey)).toBeTruthy();
            expect(pulumi.isSecret(program.dashboardPassword)).toBeTruthy();
            expect(pulumi.isSecret(program.aitermSetup)).toBeTruthy();
        });

        it("marks every environment as secret", () => {
            for (const container of mocked.byType(CONTAINER)) {
                expect(isSecretValue(container.inputs.envs), container.name).toBe(true);
            }
        });

        it("never shows a generated or provided secret in plain text in any resource input", () => {
            const secrets = [...mocked.generatedSecrets(), HF_TOKEN, OPENAI_KEY];
            expect(secrets.length).toBeGreaterThanOrEqual(6);
            const visible = mocked.resources.flatMap((r) => [r.name, ...plainStrings(r.inputs)]);
            for (const secret of secrets) {
                for (const text of visible) {
                    expect(text.includes(secret), `a secret appears in plain text: ${text.slice(0, 40)}...`).toBe(false);
                }
            }
        });

        it("never shows a secret in a plain output or in config.yaml", async () => {
            const secrets = [...mocked.generatedSecrets(), HF_TOKEN, OPENAI_KEY];
            const plainOutputs = [
                await valueOf(program.url),
                await valueOf(program.chatCompletionsEndpoint),
                await valueOf(program.dashboard),
                program.dashboardUsername,
                configYamlOf(proxyOf(mocked)),
            ];
            for (const secret of secrets) {
                for (const text of plainOutputs) {
                    expect(text).not.toContain(secret);
                }
            }
        });
    });

    it("exports the endpoint, the dashboard and the aiterm commands with the aiterm key", async () => {
        expect(await valueOf(program.chatCompletionsEndpoint)).toBe("http://127.0.0.1:4000/v1/chat/completions");
        expect(await valueOf(program.dashboard)).toBe("http://127.0.0.1:4000/ui");
        expect(await valueOf(program.aitermSetup)).toBe(
            [
                "aiterm config set api_endpoint http://127.0.0.1:4000/v1/chat/completions",
                `aiterm config set api_token ${mockVirtualKey("keys-aiterm")}`,
                "aiterm config set model default",
            ].join("\n"),
        );
        expect(pulumi.isSecret(program.virtualKeys)).toBeTruthy();
        expect(await valueOf(program.virtualKeys)).toEqual({ aiterm: mockVirtualKey("keys-aiterm") });
    });

    it("declares the seed's aiterm key on the running proxy: default model, 5 USD per 30 days", () => {
        const key = mocked.one("pulumi-nodejs:dynamic:Resource", "keys-aiterm");
        const inputs = reveal<Record<string, unknown>>(key.inputs);
        expect(inputs).toMatchObject({
            resourceKind: "LiteLLMVirtualKey",
            proxyUrl: "http://127.0.0.1:4000",
            alias: "aiterm",
            models: ["default"],
            maxBudget: 5,
            budgetDuration: "30d",
        });
        expect(isSecretValue(key.inputs.masterKey)).toBe(true);
        expect(mocked.optionsOf(key).additionalSecretOutputs).toContain("key");
        const proxy = proxyOf(mocked);
        expect(mocked.optionsOf(key).dependencies).toContainEqual(expect.stringMatching(new RegExp(`::${proxy.name}$`)));
    });
});

describe("changing the model list", () => {
    it("changes the proxy container's inputs only: the database container and its volume stay identical", async () => {
        const before = (await runProgram()).mocked;
        const after = (
            await runProgram({
                models: JSON.stringify([{ name: "default", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" }]),
            })
        ).mocked;
        expect(reveal(databaseOf(after).inputs)).toEqual(reveal(databaseOf(before).inputs));
        expect(reveal(after.one("docker:index/volume:Volume").inputs)).toEqual(reveal(before.one("docker:index/volume:Volume").inputs));
        // command is a replace-on-change input of docker.Container: the proxy container is replaced.
        expect(configYamlOf(proxyOf(after))).not.toEqual(configYamlOf(proxyOf(before)));
    });
});

describe("bad configuration", () => {
    it("fails before declaring any resource, naming the key and the fix", async () => {
        vi.resetModules();
        const mocked = installMocks({ stack: "dev", config: { port: "99999" } });
        await expect(import("../index")).rejects.toThrow(/aiterm-litellm:port: "99999" is not a whole number[\s\S]*pulumi config set port 4000/);
        expect(mocked.resources.filter((r) => r.custom)).toEqual([]);
    });
});

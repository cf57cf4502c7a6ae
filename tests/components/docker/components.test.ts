/**
 * The Docker components on their own, under Pulumi's mocks: the choices their args control.
 */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { LiteLLMProxy } from "../../../components/docker/litellmProxy";
import { PostgresDatabase } from "../../../components/docker/postgresDatabase";
import { ProxySecrets } from "../../../components/proxySecrets";
import { installMocks, MockedProgram, reveal, valueOf } from "../../support/pulumiMocks";

const PG = `postgres:16-alpine@sha256:${"1".repeat(64)}`;
const LITELLM = `ghcr.io/berriai/litellm-database:v1.104.0@sha256:${"2".repeat(64)}`;

// One mock monitor for the file: components register their outputs after a test's assertions.
// Each test names its component uniquely and looks up only its own children.
const mocked: MockedProgram = installMocks();

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe("PostgresDatabase", () => {
    it("lets the volume go with the stack when keepDataOnDestroy is false", async () => {
        const database = new PostgresDatabase("db1", { image: PG, networkName: "net", namePrefix: "t", keepDataOnDestroy: false });
        await valueOf(database.connectionUrl);
        await settle();
        expect(mocked.optionsOf(mocked.one("docker:index/volume:Volume", "db1")).retainOnDelete).toBe(false);
    });

    it("returns its connection URL as a secret", async () => {
        const database = new PostgresDatabase("db2", { image: PG, networkName: "net", namePrefix: "t", networkAlias: "pg" });
        expect(await valueOf(database.connectionUrl)).toMatch(/^postgresql:\/\/litellm:[^@/]+@pg:5432\/litellm$/);
        expect(pulumi.isSecret(database.connectionUrl)).toBeTruthy();
    });

    it("aligns the role's password on every start, so a kept volume works with a new stack", async () => {
        const database = new PostgresDatabase("db3", { image: PG, networkName: "net", namePrefix: "t" });
        await valueOf(database.connectionUrl);
        await settle();
        const container = mocked.one("docker:index/container:Container", "db3");
        const uploads = reveal<{ file: string; content: string; executable: boolean }[]>(container.inputs.uploads);
        expect(reveal<string[]>(container.inputs.entrypoints)).toEqual([uploads[0].file]);
        expect(uploads[0].executable).toBe(true);
        expect(uploads[0].content).toContain("ALTER ROLE");
        expect(uploads[0].content).toContain('docker-entrypoint.sh "$@"');
        // The healthcheck only passes once the password is aligned.
        expect(reveal<{ tests: string[] }>(container.inputs.healthcheck).tests.join(" ")).toContain("litellm-password-aligned");
    });

    it("refuses an unpinned image before creating anything", () => {
        expect(() => new PostgresDatabase("db4", { image: "postgres:16", networkName: "net", namePrefix: "t" })).toThrow(
            /postgresImage: "postgres:16" has no digest/,
        );
    });
});

describe("LiteLLMProxy", () => {
    const args = { image: LITELLM, configYaml: "model_list: []\n", environment: pulumi.secret(["A=b"]), networkNames: ["n1"], namePrefix: "t" };

    it("publishes on loopback without the policy label by default", async () => {
        const proxy = new LiteLLMProxy("proxy5", args);
        expect(await valueOf(proxy.url)).toBe("http://127.0.0.1:4000");
        await settle();
        const labels = reveal<{ label: string }[]>(mocked.one("docker:index/container:Container", "proxy5").inputs.labels).map((l) => l.label);
        expect(labels).not.toContain("aiterm-litellm.bind-address-allowed");
    });

    it("marks an explicitly configured non-loopback address for the policy pack", async () => {
        const proxy = new LiteLLMProxy("proxy6", { ...args, bindAddress: "0.0.0.0", hostPort: 4100 });
        expect(await valueOf(proxy.url)).toBe("http://127.0.0.1:4100");
        await settle();
        const container = mocked.one("docker:index/container:Container", "proxy6");
        expect(reveal(container.inputs.ports)).toEqual([{ internal: 4000, external: 4100, ip: "0.0.0.0", protocol: "tcp" }]);
        expect(reveal(container.inputs.labels)).toContainEqual({ label: "aiterm-litellm.bind-address-allowed", value: "true" });
    });

    it("refuses a rolling tag before creating anything", () => {
        expect(() => new LiteLLMProxy("proxy7", { ...args, image: `ghcr.io/berriai/litellm:main-stable@sha256:${"3".repeat(64)}` })).toThrow(/rolling tag/);
    });
});

describe("ProxySecrets", () => {
    it("generates an sk- master key of at least 32 random characters, all secrets", async () => {
        const secrets = new ProxySecrets("s8");
        expect(await valueOf(secrets.masterKey)).toMatch(/^sk-[A-Za-z0-9]{48}$/);
        for (const output of [secrets.masterKey, secrets.saltKey, secrets.dashboardPassword]) {
            expect(pulumi.isSecret(output)).toBeTruthy();
        }
    });

    it("gives its random passwords no keepers, so nothing regenerates them on a later up", async () => {
        const secrets = new ProxySecrets("s9");
        await valueOf(secrets.saltKey);
        await settle();
        const passwords = mocked.byType("random:index/randomPassword:RandomPassword").filter((p) => p.name.startsWith("s9-"));
        expect(passwords).toHaveLength(3);
        for (const password of passwords) {
            expect(password.inputs.keepers, password.name).toBeUndefined();
        }
    });

    it("refuses a master key shorter than 32 characters", () => {
        expect(() => new ProxySecrets("s10", { masterKeyLength: 16 })).toThrow(/at least 32/);
    });
});

/**
 * The Docker components on their own, under Pulumi's mocks: the choices their args control.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { LiteLLMProxy } from "../../../components/docker/litellmProxy";
import { PostgresDatabase } from "../../../components/docker/postgresDatabase";
import { ProxySecrets } from "../../../components/proxySecrets";
import { installMocks, isSecretValue, MockedProgram, reveal, valueOf } from "../../support/pulumiMocks";

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
        // Run by /bin/sh, not uploaded: Docker refuses uploads into a read-only root.
        const [shell, flag, script, name, ...rest] = reveal<string[]>(container.inputs.entrypoints);
        expect([shell, flag, name, rest]).toEqual(["/bin/sh", "-c", "litellm-db-start", []]);
        expect(container.inputs.uploads).toBeUndefined();
        expect(script).toContain("ALTER ROLE");
        // The image's entrypoint replaces the wrapper (PID 1 gets the stop signal); the alignment runs beside it.
        expect(script.trim().split("\n").at(-1)).toBe('exec docker-entrypoint.sh "$@"');
        expect(script).toMatch(/\( until align; do sleep 0\.2; done; touch \/tmp\/litellm-password-aligned; exit 0 \) &/);
        expect(script).not.toMatch(/\bkill\b|\btrap\b/);
        expect(reveal<string[]>(container.inputs.command)).toEqual(["postgres"]);
        // The healthcheck only passes once the password is aligned.
        expect(reveal<{ tests: string[] }>(container.inputs.healthcheck).tests.join(" ")).toContain("litellm-password-aligned");
    });

    it("keeps only the capabilities the image's entrypoint needs to step down to postgres, and no new privileges", async () => {
        const database = new PostgresDatabase("db11", { image: PG, networkName: "net", namePrefix: "t" });
        await valueOf(database.connectionUrl);
        await settle();
        const inputs = mocked.one("docker:index/container:Container", "db11").inputs;
        expect(reveal(inputs.capabilities)).toEqual({ drops: ["ALL"], adds: ["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"] });
        expect(reveal(inputs.securityOpts)).toEqual(["no-new-privileges:true"]);
        expect(inputs.privileged).toBe(false);
        // The entrypoint starts as root and steps down itself: no user here.
        expect(inputs.user).toBeUndefined();
    });

    it("runs on a read-only root with tmpfs only for the socket directory and /tmp, and shared memory for Postgres", async () => {
        const database = new PostgresDatabase("db12", { image: PG, networkName: "net", namePrefix: "t" });
        await valueOf(database.connectionUrl);
        await settle();
        const container = mocked.one("docker:index/container:Container", "db12");
        expect(container.inputs.readOnly).toBe(true);
        expect(reveal(container.inputs.tmpfs)).toEqual({
            "/var/run/postgresql": "rw,noexec,nosuid,nodev,size=1m,mode=3775",
            "/tmp": "rw,noexec,nosuid,nodev,size=16m,mode=1777",
        });
        expect(container.inputs.shmSize).toBe(128);
        expect(mocked.optionsOf(container).deleteBeforeReplace).toBe(true);
    });

    it("limits memory without swap and CPU weight, and restarts a crash at most 5 times by default", async () => {
        const database = new PostgresDatabase("db13", { image: PG, networkName: "net", namePrefix: "t" });
        await valueOf(database.connectionUrl);
        await settle();
        const inputs = mocked.one("docker:index/container:Container", "db13").inputs;
        expect([inputs.memory, inputs.memorySwap, inputs.cpuShares]).toEqual([512, 512, 512]);
        expect([inputs.restart, inputs.maxRetryCount]).toEqual(["on-failure", 5]);
    });

    it("takes its limits and restart policy from its args", async () => {
        const database = new PostgresDatabase("db14", {
            image: PG,
            networkName: "net",
            namePrefix: "t",
            memoryMb: 1024,
            sharedMemoryMb: 256,
            cpuShares: 2048,
            restartPolicy: { name: "unless-stopped" },
        });
        await valueOf(database.connectionUrl);
        await settle();
        const inputs = mocked.one("docker:index/container:Container", "db14").inputs;
        expect([inputs.memory, inputs.memorySwap, inputs.shmSize, inputs.cpuShares]).toEqual([1024, 1024, 256, 2048]);
        // Docker refuses a retry count with any policy but on-failure.
        expect([inputs.restart, inputs.maxRetryCount]).toEqual(["unless-stopped", undefined]);
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

    it("runs as the Space's non-root user, with every capability dropped and no new privileges", async () => {
        new LiteLLMProxy("proxy15", args);
        await settle();
        const inputs = mocked.one("docker:index/container:Container", "proxy15").inputs;
        expect(inputs.user).toBe("1000:1000");
        expect(reveal(inputs.capabilities)).toEqual({ drops: ["ALL"] });
        expect(reveal(inputs.securityOpts)).toEqual(["no-new-privileges:true"]);
        expect(inputs.privileged).toBe(false);
    });

    it("writes only to a tmpfs on /tmp, where the shared non-root paths point; the rest of its file system is read-only", async () => {
        new LiteLLMProxy("proxy16", args);
        await settle();
        const container = mocked.one("docker:index/container:Container", "proxy16");
        expect(container.inputs.readOnly).toBe(true);
        expect(reveal(container.inputs.tmpfs)).toEqual({ "/tmp": "rw,exec,nosuid,nodev,size=512m,mode=1777" });
        const env = reveal<string[]>(container.inputs.envs);
        expect(env).toEqual(["A=b", "LITELLM_MIGRATION_DIR=/tmp/litellm/migrations", "LITELLM_UI_PATH=/tmp/litellm/ui", "HOME=/tmp"]);
        expect(isSecretValue(container.inputs.envs)).toBe(true);
    });

    it("gets config.yaml as the first argument of its start script, which writes it into the tmpfs and runs the image's entrypoint", async () => {
        new LiteLLMProxy("proxy17", args);
        await settle();
        const container = mocked.one("docker:index/container:Container", "proxy17");
        const [shell, flag, script, name] = reveal<string[]>(container.inputs.entrypoints);
        expect([shell, flag, name]).toEqual(["/bin/sh", "-c", "litellm-start"]);
        expect(reveal(container.inputs.command)).toEqual(["model_list: []\n", "--port", "4000", "--config", "/tmp/litellm/config.yaml"]);
        expect(container.inputs.uploads).toBeUndefined();
        expect(script.split("\n")).toEqual([
            'config="$1"',
            "shift",
            `(umask 077 && mkdir -p /tmp/litellm && printf '%s' "$config" > /tmp/litellm/config.yaml) || exit 1`,
            'exec docker/prod_entrypoint.sh "$@"',
        ]);
    });

    it("limits memory without swap and CPU weight, and restarts a crash at most 5 times, unless told otherwise", async () => {
        new LiteLLMProxy("proxy18", args);
        new LiteLLMProxy("proxy19", { ...args, memoryMb: 4096, cpuShares: 1024, restartPolicy: { name: "on-failure", maxRetries: 3 } });
        await settle();
        const defaults = mocked.one("docker:index/container:Container", "proxy18").inputs;
        expect([defaults.memory, defaults.memorySwap, defaults.cpuShares, defaults.restart, defaults.maxRetryCount]).toEqual([2048, 2048, 512, "on-failure", 5]);
        const set = mocked.one("docker:index/container:Container", "proxy19").inputs;
        expect([set.memory, set.memorySwap, set.cpuShares, set.restart, set.maxRetryCount]).toEqual([4096, 4096, 1024, "on-failure", 3]);
    });

    it("replaces the container when its tmpfs changes, which the provider's update would not apply", async () => {
        new LiteLLMProxy("proxy20", args);
        await settle();
        // The mocks do not record replaceOnChanges: read it from the component's own declaration.
        const source = readFileSync(join(__dirname, "../../../components/docker/litellmProxy.ts"), "utf8");
        expect(source).toMatch(/replaceOnChanges: \["tmpfs"\]/);
    });

    it("refuses a config.yaml too long to be one argument, before creating anything", () => {
        expect(() => new LiteLLMProxy("proxy21", { ...args, configYaml: "x".repeat(131072) })).toThrow(/config.yaml is 131072 bytes[\s\S]*caps at 131071/);
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

/**
 * The Space's container on a real Docker engine, run the way a Hugging Face Space runs it: the
 * Dockerfile the stack renders, built FROM the LiteLLM test double (tests/images/, which writes where
 * LiteLLM writes at start-up), started as UID 1000 with the Space's secrets and variables as its
 * environment, its port 7860 published on 127.0.0.1 only, and a Postgres stand-in reached through
 * the stack's databaseUrl. It must become healthy, issue the aiterm key through the stack's own
 * VirtualKey provider and serve a chat completion with it; the Dockerfile the stack rendered before
 * must fail the way the real image fails for UID 1000.
 *
 * Needs a Docker engine and the test images (`bash tests/images/build.sh`); `.ci/run` provides
 * both. Outside CI, without them, the suite says so and is skipped; in CI their absence fails it.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDockerfile, SPACE_APP_PORT } from "../../components/hfspaces/spaceFiles";
import { virtualKeyProvider, type VirtualKeyInputs, type VirtualKeyOutputs } from "../../components/keys/virtualKeyProvider";
import { formatDatabaseUrl } from "../../config/databaseUrl";
import { renderProxyConfig } from "../../config/proxyConfig";
import { proxyEnvironment, toEnvList } from "../../config/proxyEnvironment";
import { HF_TOKEN_ENV, parseSettings, type ParsedSettings } from "../../config/settings";
import { until } from "../support/polling";
import { buildImage, containerLogs, dockerCall, execInContainer, inspectContainer } from "./dockerApi";

const REFS = join(__dirname, "..", "images", ".refs.json");
const inCI = process.env.CI === "true";
/** Unique per run: nothing here can collide with a stack or another test's objects. */
const P = `aiterm-test-space-${randomBytes(4).toString("hex")}`;
const HOST_PORT = 17860;
const BASE = `http://127.0.0.1:${HOST_PORT}`;
const HF_TOKEN = "hf_realdockerspacetesttoken00000000";

/**
 * The Dockerfile as `renderDockerfile` rendered it before the Space's non-root needs were handled
 * (commit b118e95): the fixture the failure below is shown with.
 */
function previousDockerfile(litellmImage: string): string {
    return [
        "# Managed by Pulumi (aiterm-litellm, stack hfspaces): edits made on the Hub are overwritten.",
        `FROM ${litellmImage}`,
        "COPY --chown=1000:1000 config.yaml /app/config.yaml",
        "EXPOSE 7860",
        'CMD ["--port", "7860", "--config", "/app/config.yaml"]',
        "",
    ].join("\n");
}

/** Asked synchronously, so that the suite can be declared (or skipped) before it runs. */
function dockerAnswers(): boolean {
    const probe = `require("http").get({ socketPath: "/var/run/docker.sock", path: "/_ping" }, (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`;
    return spawnSync(process.execPath, ["-e", probe], { timeout: 5000 }).status === 0;
}

const dockerUp = dockerAnswers();
const imagesBuilt = existsSync(REFS);
const ready = dockerUp && imagesBuilt;
if (!ready) {
    const why = !dockerUp ? "no Docker engine answers on /var/run/docker.sock" : "the test images are not built (bash tests/images/build.sh)";
    if (inCI) {
        throw new Error(`The real-Docker tests must run in CI, but ${why}. .ci/run installs and starts both.`);
    }
    console.warn(`\n[real-Docker tests SKIPPED] ${why}. Run \`bash .ci/run\`, or start dockerd and build the images, to run them.\n`);
}


async function removeContainer(name: string): Promise<void> {
    await dockerCall("DELETE", `/containers/${name}?force=true&v=true`).catch(() => undefined);
}

/** Listening TCP sockets on the host for a port: addresses as /proc/net/tcp{,6} show them. */
function hostListeners(port: number): string[] {
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((file) =>
        readFileSync(file, "utf8")
            .split("\n")
            .slice(1)
            .map((line) => line.trim().split(/\s+/))
            .filter((cols) => cols.length > 3 && cols[1].endsWith(`:${hexPort}`) && cols[3] === "0A")
            .map((cols) => cols[1]),
    );
}

interface SpaceRun {
    name: string;
    /** Set once the container stopped by itself. */
    exitCode?: number;
    logs: string;
}

describe.runIf(ready)("the Space's image on a real Docker engine, as the Space runs it (UID 1000)", { timeout: 180_000 }, () => {
    const refs = ready ? (JSON.parse(readFileSync(REFS, "utf8")) as { litellmImage: string; postgresImage: string }) : { litellmImage: "", postgresImage: "" };
    const network = `${P}-net`;
    const database = `${P}-db`;
    const dbUser = "litellm";
    // every character that breaks a URL, so the stack's encoding is exercised too
    const dbPassword = `p@ss:w/rd?#%&${randomBytes(6).toString("hex")}`;
    const masterKey = `sk-${randomBytes(24).toString("hex")}`;
    const newImage = `${P}-image:rendered`;
    const oldImage = `${P}-image:previous`;
    const created: string[] = [];
    let parsed: ParsedSettings;
    /** The environment a Space gets: its secrets and its variables, exactly as the stack computes them. */
    let spaceEnvironment: (databaseName: string) => string[];

    function settingsFor(databaseUrl: string): ParsedSettings {
        const config: Record<string, string> = { hfToken: HF_TOKEN, databaseUrl, litellmImage: refs.litellmImage };
        return parseSettings((key) => config[key], "hfspaces");
    }

    async function startSpace(name: string, image: string, databaseName: string, publish: boolean): Promise<void> {
        created.push(name);
        await dockerCall("POST", `/containers/create?name=${encodeURIComponent(name)}`, {
            body: {
                Image: image,
                // What a Space does: the image's own USER is ignored, the container runs as UID 1000.
                User: "1000",
                Env: spaceEnvironment(databaseName),
                ExposedPorts: { [`${SPACE_APP_PORT}/tcp`]: {} },
                HostConfig: {
                    NetworkMode: network,
                    PortBindings: publish ? { [`${SPACE_APP_PORT}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: String(HOST_PORT) }] } : {},
                },
            },
        });
        await dockerCall("POST", `/containers/${name}/start`);
    }

    /** Until the proxy answers its liveness probe, or the container stops; bounded. */
    async function settle(name: string, timeoutMs = 60_000): Promise<SpaceRun> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const state = (await inspectContainer(name)).State;
            if (!state.Running) {
                const exited = await dockerCall<{ State: { ExitCode: number } }>("GET", `/containers/${name}/json`);
                return { name, exitCode: exited.State.ExitCode, logs: await containerLogs(name) };
            }
            const alive = await execInContainer(name, ["python3", "-c", `import urllib.request; urllib.request.urlopen('http://127.0.0.1:${SPACE_APP_PORT}/health/liveliness', timeout=2)`])
                .then((result) => result.exitCode === 0)
                .catch(() => false);
            if (alive) {
                return { name, logs: await containerLogs(name) };
            }
            if (Date.now() > deadline) {
                throw new Error(`${name} neither became alive nor exited within ${timeoutMs} ms:\n${await containerLogs(name)}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
    }

    async function psql(databaseName: string, sql: string): Promise<string> {
        const result = await execInContainer(database, ["psql", "-U", dbUser, "-d", databaseName, "-tAc", sql]);
        if (result.exitCode !== 0) {
            throw new Error(`psql failed: ${result.output}`);
        }
        return result.output.trim();
    }

    beforeAll(async () => {
        await dockerCall("POST", "/networks/create", { body: { Name: network, CheckDuplicate: true } });
        created.push(database);
        await dockerCall("POST", `/containers/create?name=${database}`, {
            body: {
                Image: refs.postgresImage,
                Env: [`POSTGRES_USER=${dbUser}`, `POSTGRES_PASSWORD=${dbPassword}`, "POSTGRES_DB=litellm"],
                HostConfig: { NetworkMode: network },
            },
        });
        await dockerCall("POST", `/containers/${database}/start`);
        // pg_isready can answer from the socket-only server of the first initialisation: wait for the real one (PID 1)
        await until("the Postgres stand-in running as PID 1 and accepting connections", async () => {
            const comm = await execInContainer(database, ["cat", "/proc/1/comm"]);
            const ready = await execInContainer(database, ["pg_isready", "-U", dbUser, "-d", "litellm"]);
            return comm.output.trim() === "postgres" && ready.exitCode === 0 ? true : undefined;
        });
        await psql("litellm", "CREATE DATABASE pushed");

        const databaseUrl = (name: string) => formatDatabaseUrl({ user: dbUser, password: dbPassword, host: database, port: 5432, database: name });
        parsed = settingsFor(databaseUrl("litellm"));
        spaceEnvironment = (databaseName) => {
            const { settings, secrets } = settingsFor(databaseUrl(databaseName));
            // as config/stackConfig.ts readStackSettings: the Hugging Face token is the models' HF_TOKEN
            const providerKeys = { ...secrets.providerKeys, ...(secrets.hfToken ? { [HF_TOKEN_ENV]: secrets.hfToken } : {}) };
            const environment = proxyEnvironment(settings.proxy, {
                masterKey,
                saltKey: randomBytes(32).toString("hex"),
                dashboardPassword: randomBytes(12).toString("hex"),
                databaseUrl: secrets.databaseUrl ?? "",
                providerKeys,
            });
            return toEnvList(environment);
        };

        const configYaml = renderProxyConfig(parsed.settings.proxy);
        await buildImage(newImage, { Dockerfile: renderDockerfile(parsed.settings.proxy.litellmImage), "config.yaml": configYaml });
        await buildImage(oldImage, { Dockerfile: previousDockerfile(parsed.settings.proxy.litellmImage), "config.yaml": configYaml });
    }, 240_000);

    afterAll(async () => {
        for (const name of created.reverse()) {
            await removeContainer(name);
        }
        await dockerCall("DELETE", `/networks/${network}`).catch(() => undefined);
        for (const image of [newImage, oldImage]) {
            await dockerCall("DELETE", `/images/${encodeURIComponent(image)}?force=true`).catch(() => undefined);
        }
    }, 120_000);

    it("becomes healthy as UID 1000 with the Space's environment, issues the aiterm key through the VirtualKey provider, and serves a chat completion with it", async () => {
        const name = `${P}-rendered`;
        try {
            await startSpace(name, newImage, "litellm", true);
            const run = await settle(name);
            expect(run.exitCode, run.logs).toBeUndefined();
            expect((await inspectContainer(name)).Config.Env).toEqual(expect.arrayContaining([`LITELLM_MASTER_KEY=${masterKey}`, "LITELLM_MODE=PRODUCTION"]));
            expect(run.logs).not.toMatch(/Permission denied|PermissionError/);
            expect(run.logs).not.toContain(masterKey);

            // published on 127.0.0.1 only (0100007F in /proc/net/tcp), nowhere else
            expect(hostListeners(HOST_PORT).length).toBeGreaterThan(0);
            expect(hostListeners(HOST_PORT).every((address) => address.startsWith("0100007F:"))).toBe(true);

            const aitermKey = parsed.settings.proxy.virtualKeys.find((k) => k.alias === "aiterm");
            expect(aitermKey).toBeDefined();
            const inputs: VirtualKeyInputs = {
                resourceKind: "LiteLLMVirtualKey",
                proxyUrl: BASE,
                masterKey,
                alias: aitermKey!.alias,
                models: aitermKey!.models,
                maxBudget: aitermKey!.maxBudget,
                budgetDuration: aitermKey!.budgetDuration,
                readyTimeoutSeconds: 60,
                requestTimeoutSeconds: 10,
            };
            const provider = virtualKeyProvider as Required<pulumi.dynamic.ResourceProvider<VirtualKeyInputs, VirtualKeyOutputs>>;
            const issued = await provider.create(inputs);
            const key = issued.outs!.key;
            expect(key).toMatch(/^sk-/);
            expect(issued.id).not.toContain(key);

            const reply = await fetch(`${BASE}/v1/chat/completions`, {
                method: "POST",
                headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
                body: JSON.stringify({ model: aitermKey!.models[0], messages: [{ role: "user", content: "explain ls -la" }] }),
                signal: AbortSignal.timeout(10_000),
            });
            expect(reply.status).toBe(200);
            expect(JSON.stringify(await reply.json())).toContain("explain ls -la");

            // the dashboard's routes work too: LITELLM_UI_PATH gave LiteLLM somewhere to rearrange them
            expect((await fetch(`${BASE}/ui/login`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
            await provider.delete(issued.id, issued.outs!);
        } finally {
            await removeContainer(name);
        }
    });

    it("the previous Dockerfile, as UID 1000, exits with Permission denied on a database without migration history; the rendered one baselines it", async () => {
        // A database an older LiteLLM made with `prisma db push` (tables, no _prisma_migrations), as the
        // guide's compose deployment leaves one behind: seeded by the image itself, as root.
        const seeder = `${P}-seed`;
        created.push(seeder);
        await dockerCall("POST", `/containers/create?name=${seeder}`, {
            body: { Image: refs.litellmImage, Cmd: ["--use_prisma_db_push", "--port", "4000"], Env: spaceEnvironment("pushed"), HostConfig: { NetworkMode: network } },
        });
        await dockerCall("POST", `/containers/${seeder}/start`);
        await until("the db-push tables", async () => ((await psql("pushed", `SELECT count(*) FROM information_schema.tables WHERE table_name = 'LiteLLM_VerificationToken'`)) === "1" ? true : undefined));
        await removeContainer(seeder);
        expect(await psql("pushed", `SELECT count(*) FROM information_schema.tables WHERE table_name = '_prisma_migrations'`)).toBe("0");

        const previous = `${P}-previous`;
        try {
            await startSpace(previous, oldImage, "pushed", false);
            const run = await settle(previous);
            expect(run.exitCode, run.logs).toBeDefined();
            expect(run.exitCode).not.toBe(0);
            expect(run.logs).toMatch(/PermissionError: \[Errno 13\] Permission denied: '[^']*litellm_proxy_extras\/migrations\/0_init'/);
            expect(run.logs).not.toContain(masterKey);
        } finally {
            await removeContainer(previous);
        }

        const rendered = `${P}-rendered-pushed`;
        try {
            await startSpace(rendered, newImage, "pushed", false);
            const run = await settle(rendered);
            expect(run.exitCode, run.logs).toBeUndefined();
            expect(run.logs).not.toMatch(/Permission denied|PermissionError/);
            expect(await psql("pushed", `SELECT count(*) FROM "_prisma_migrations" WHERE migration_name = '0_init'`)).toBe("1");
        } finally {
            await removeContainer(rendered);
        }
    });

    it("the previous Dockerfile on a migrated database starts, but with LiteLLM's Permission denied warning and a dashboard it could not rearrange", async () => {
        const previous = `${P}-previous-migrated`;
        try {
            await startSpace(previous, oldImage, "litellm", true);
            const run = await settle(previous);
            expect(run.exitCode, run.logs).toBeUndefined();
            expect(run.logs).toMatch(/Permission denied - \[Errno 13\] Permission denied: '[^']*_baseline_diff'\nunable to baseline db/);
            expect(run.logs).toContain("Cannot restructure UI");
            expect((await fetch(`${BASE}/ui/login`, { signal: AbortSignal.timeout(5000) })).status).toBe(404);
        } finally {
            await removeContainer(previous);
        }
    });
});

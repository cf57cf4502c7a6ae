/**
 * The start-up script, run for real with /bin/sh against temporary paths: secrets become
 * environment variables, a stop drains the instance (with the token) before LiteLLM gets SIGTERM,
 * and LiteLLM's own exit status is the container's. Needs python3, as the LiteLLM image has.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ENTRYPOINT_SCRIPT, entrypointCommand, renderEntrypointScript } from "../../components/swarm/entrypoint";
import { FRONT_DOOR_NOTICE_SECONDS } from "../../components/swarm/frontDoorConfig";
import { POSTGRES_STARTUP_SCRIPT, redisAuthConfig, redisHealthcheck } from "../../components/swarm/dataServiceScripts";

const python = spawnSync("python3", ["--version"]).status === 0;

let directory: string | undefined;
let server: Server | undefined;
afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
    if (directory) {
        rmSync(directory, { recursive: true, force: true });
    }
    directory = undefined;
});

/** A stand-in for the image's entrypoint: records its arguments and environment, then sleeps until TERM. */
function fakeImageEntrypoint(dir: string): string {
    const path = join(dir, "prod_entrypoint.sh");
    writeFileSync(
        path,
        [
            "#!/bin/sh",
            `echo "$@" > ${dir}/args`,
            `env > ${dir}/env`,
            `trap 'echo "term at $(date +%s%N)" >> ${dir}/events; exit 7' TERM`,
            "while :; do sleep 0.05; done",
        ].join("\n"),
    );
    chmodSync(path, 0o755);
    return path;
}

function setUp(secrets: Record<string, string>) {
    directory = mkdtempSync(join(tmpdir(), "entrypoint-"));
    const secretsDirectory = join(directory, "secrets");
    mkdirSync(secretsDirectory);
    for (const [name, value] of Object.entries(secrets)) {
        writeFileSync(join(secretsDirectory, name), value);
    }
    return { dir: directory, secretsDirectory, imageEntrypoint: fakeImageEntrypoint(directory) };
}

async function drainServer(events: string, delayMs: number): Promise<{ port: number; tokens: string[] }> {
    const tokens: string[] = [];
    server = createServer((request, response) => {
        tokens.push(String(request.headers["x-drain-token"]));
        writeFileSync(events, `drain start ${request.url}\n`, { flag: "a" });
        setTimeout(() => {
            writeFileSync(events, "drain end\n", { flag: "a" });
            response.writeHead(200, { "Content-Type": "application/json" });
            response.end('{"status":"drained","drained_requests":1}');
        }, delayMs);
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", () => resolve()));
    return { port: (server.address() as AddressInfo).port, tokens };
}

function waitFor(path: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
        const poll = () => {
            try {
                readFileSync(path);
                resolve();
            } catch {
                if (Date.now() > deadline) {
                    reject(new Error(`${path} never appeared`));
                } else {
                    setTimeout(poll, 20);
                }
            }
        };
        poll();
    });
}

describe("the start-up script", () => {
    it("is valid POSIX shell, and so is the bundled Postgres' one", () => {
        for (const script of [ENTRYPOINT_SCRIPT, POSTGRES_STARTUP_SCRIPT]) {
            expect(spawnSync("/bin/sh", ["-n"], { input: script }).status).toBe(0);
        }
    });

    it("is the same text whatever the stack's settings (only what is mounted varies)", () => {
        expect(ENTRYPOINT_SCRIPT).toBe(renderEntrypointScript());
        expect(ENTRYPOINT_SCRIPT).not.toMatch(/HF_TOKEN|OPENAI|model/);
        expect(entrypointCommand("migrate")).toEqual({ command: ["/bin/sh", "/usr/local/bin/aiterm-litellm-start"], args: ["migrate"] });
    });

    it.skipIf(!python)("exports each secret file as a variable, skips names that are not variable names, and passes the arguments on", async () => {
        const { dir, secretsDirectory, imageEntrypoint } = setUp({
            LITELLM_MASTER_KEY: "sk-master-value",
            DATABASE_URL: "postgresql://litellm:p%40ss@db:5432/litellm\n",
            "redis-auth.conf": "requirepass x\n",
            "1BAD": "x",
        });
        const script = renderEntrypointScript({ secretsDirectory, imageEntrypoint, proxyPort: 1 });
        const child = spawn("/bin/sh", ["-c", script, "aiterm-litellm-start", "proxy", "--port", "4000"], { stdio: "ignore" });
        await waitFor(join(dir, "env"));
        await new Promise((resolve) => setTimeout(resolve, 100));
        child.kill("SIGKILL");
        const env = readFileSync(join(dir, "env"), "utf8");
        expect(env).toContain("LITELLM_MASTER_KEY=sk-master-value\n");
        // Command substitution drops the file's trailing newline.
        expect(env).toContain("DATABASE_URL=postgresql://litellm:p%40ss@db:5432/litellm\n");
        expect(env).not.toMatch(/requirepass|^1BAD=/m);
        expect(readFileSync(join(dir, "args"), "utf8").trim()).toBe("--port 4000");
    });

    it.skipIf(!python)("drains through /health/drain with the token, waits for the front doors to notice, then SIGTERM, and exits with LiteLLM's status", async () => {
        const { dir, secretsDirectory, imageEntrypoint } = setUp({ DRAIN_ENDPOINT_TOKEN: "drain-token-value" });
        const events = join(dir, "events");
        const drain = await drainServer(events, 300);
        const script = renderEntrypointScript({ secretsDirectory, imageEntrypoint, proxyPort: drain.port });
        const child = spawn("/bin/sh", ["-c", script, "aiterm-litellm-start", "proxy"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, GRACEFUL_SHUTDOWN_TIMEOUT: "5" } });
        let output = "";
        child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        await waitFor(join(dir, "env"));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        const signalledAt = performance.now();
        child.kill("SIGTERM");
        expect(await exited).toBe(7);
        const stoppedAfterMs = performance.now() - signalledAt;
        const lines = readFileSync(events, "utf8").trim().split("\n");
        expect(lines[0]).toBe("drain start /health/drain");
        expect(lines[1]).toBe("drain end");
        expect(lines[2]).toMatch(/^term at \d+$/);
        // LiteLLM gets SIGTERM only once the front doors have seen the 503 (counted from the drain's start),
        // though the drain answered after 300 ms: until then they still send requests, on kept-alive connections too.
        expect(drain.tokens).toEqual(["drain-token-value"]);
        expect(output).toMatch(new RegExp(`drained; \\d\\.\\d s more for the front doors to stop sending requests`));
        expect(stoppedAfterMs).toBeGreaterThanOrEqual(FRONT_DOOR_NOTICE_SECONDS * 1000 - 100);
        expect(output).toContain("drained, stopping");
        expect(output).not.toContain("drain-token-value");
    });

    it.skipIf(!python)("still stops when the drain endpoint is missing (an image without it), without showing the token", async () => {
        const { dir, secretsDirectory, imageEntrypoint } = setUp({ DRAIN_ENDPOINT_TOKEN: "drain-token-value" });
        // Port 1: nothing listens there.
        const script = renderEntrypointScript({ secretsDirectory, imageEntrypoint, proxyPort: 1 });
        const child = spawn("/bin/sh", ["-c", script, "aiterm-litellm-start", "proxy"], { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        await waitFor(join(dir, "env"));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        const signalledAt = performance.now();
        child.kill("SIGTERM");
        expect(await exited).toBe(7);
        // nothing told the front doors: no reason to wait for them
        expect(performance.now() - signalledAt).toBeLessThan(FRONT_DOOR_NOTICE_SECONDS * 1000);
        expect(output).toMatch(/drain failed \(URLError\), stopping anyway/);
        expect(output).not.toContain("drain-token-value");
    });

    it("refuses an unknown mode", () => {
        const { secretsDirectory, imageEntrypoint } = setUp({});
        const result = spawnSync("/bin/sh", ["-c", renderEntrypointScript({ secretsDirectory, imageEntrypoint, proxyPort: 1 }), "aiterm-litellm-start", "serve"], { encoding: "utf8" });
        expect(result.status).toBe(64);
        expect(result.stderr).toContain("proxy or migrate");
    });

    it("migrates with the chart's command and exits with its status", () => {
        const { dir, secretsDirectory } = setUp({ DATABASE_URL: "postgresql://u:p@h/d" });
        const imageEntrypoint = join(dir, "migrating.sh");
        writeFileSync(imageEntrypoint, `#!/bin/sh\necho "$@" > ${dir}/args\nexit 3\n`);
        chmodSync(imageEntrypoint, 0o755);
        const result = spawnSync("/bin/sh", ["-c", renderEntrypointScript({ secretsDirectory, imageEntrypoint, proxyPort: 1 }), "aiterm-litellm-start", "migrate"]);
        expect(result.status).toBe(3);
        expect(readFileSync(join(dir, "args"), "utf8").trim()).toBe("--skip_server_startup --enforce_prisma_migration_check");
    });
});

describe("the bundled Redis' secret", () => {
    it("is a one-line redis.conf the healthcheck reads the password back from", () => {
        expect(redisAuthConfig("abc123XYZ")).toBe("requirepass abc123XYZ\n");
        expect(() => redisAuthConfig("with space")).toThrow(RangeError);
        const { dir } = setUp({});
        const conf = join(dir, "redis-auth.conf");
        writeFileSync(conf, redisAuthConfig("abc123XYZ"));
        const command = redisHealthcheck()[1].replace("/run/secrets/redis-auth.conf", conf).replace(/redis-cli ping \| grep -q PONG$/, `sh -c 'printf %s "$REDISCLI_AUTH"'`);
        expect(spawnSync("/bin/sh", ["-c", command], { encoding: "utf8" }).stdout).toBe("abc123XYZ");
    });
});

/**
 * (b) The guide's Docker Compose deployment as published (bench/seed/, only the images
 * substituted: see bench/seed/ORIGIN.md), with Debian's docker-compose 1.29, driven the way the
 * guide tells its users to: `docker compose up -d`, then a virtual key from /key/generate; after
 * editing config.yaml, `docker compose restart litellm`.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { dockerCall } from "../tests/docker/dockerApi";
import { withCleanup } from "./cleanup";
import { builtImageId, GUIDE_BUILT_IMAGE, removeGuideProject, runCompose } from "./compose";
import { requireGuideNamesFree } from "./engineChecks";
import { withModel, writeGuideFolder } from "./guideFiles";
import { durationMs } from "./durations";
import { modelIds, untilGuideKeyIssued, untilServing } from "./proxyProbe";
import { ADDED_MODEL, FAKE_HF_TOKEN, GUIDE_PORT, LOOP, MASTER_KEY, TestImages } from "./settings";
import { ChangeResult, downtimeDuring } from "./steadyRequests";

export interface GuideFigures {
    /** From `docker-compose up -d` (which builds the proxy's image first) until it serves a chat completion with a key it issued. */
    readyMs: number;
    /** From `up -d` until: the proxy's image was built, the database's container started, its first passing healthcheck, the proxy's container started. */
    imageBuiltMs: number;
    databaseStartedMs: number;
    databaseHealthyMs: number;
    proxyStartedMs: number;
    /** A second `docker-compose up -d` with nothing changed. */
    redeployMs: number;
    /** After config.yaml gained a model: `docker-compose restart litellm`, as the guide says. */
    restart: ChangeResult & { applied: boolean };
    /** Whether a plain `docker-compose up -d` after the restart served the added model. */
    plainUpApplied: boolean;
    /** Then `docker-compose up -d --build`, which rebuilds the image that carries config.yaml. */
    rebuild: ChangeResult & { applied: boolean };
}

interface Inspected {
    State: { StartedAt: string; Health?: { Status: string; Log?: { Start: string; End: string; ExitCode: number }[] } };
    Config: { Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } };
}

const inspect = (name: string) => dockerCall<Inspected>("GET", `/containers/${name}/json`);

interface ComposeHealthcheck {
    test: string[];
    interval?: string;
    timeout?: string;
    start_period?: string;
    retries?: number;
}

/** The engine must run each service's healthcheck exactly as the guide's compose file sets it. */
function checkHealthcheck(service: string, container: Inspected, declared: ComposeHealthcheck): void {
    const running = container.Config.Healthcheck;
    const wanted = {
        Test: declared.test,
        Interval: durationMs(declared.interval) * 1e6,
        Timeout: durationMs(declared.timeout) * 1e6,
        StartPeriod: durationMs(declared.start_period) * 1e6,
        Retries: declared.retries ?? 0,
    };
    const actual = {
        Test: running?.Test,
        Interval: running?.Interval ?? 0,
        Timeout: running?.Timeout ?? 0,
        StartPeriod: running?.StartPeriod ?? 0,
        Retries: running?.Retries ?? 0,
    };
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
        throw new Error(`the ${service} container's healthcheck is ${JSON.stringify(actual)}, not the guide's ${JSON.stringify(wanted)}`);
    }
}

export async function measureGuide(images: TestImages): Promise<GuideFigures> {
    await requireGuideNamesFree();
    const folder = writeGuideFolder({
        litellmImage: images.litellmImage,
        postgresImage: images.postgresImage,
        masterKey: MASTER_KEY,
        hfToken: FAKE_HF_TOKEN,
        hostPort: process.env.BENCH_GUIDE_PORT ? GUIDE_PORT : undefined,
    });
    const built = new Set<string>();
    const teardown = async () => {
        await removeGuideProject(folder.directory, built);
        rmSync(folder.directory, { recursive: true, force: true });
    };
    return withCleanup(teardown, async () => {
        await removeGuideProject(folder.directory, []);
        const compose = (...args: string[]) => runCompose(folder.directory, args);
        const recordBuild = async () => {
            const id = await builtImageId();
            if (id) {
                built.add(id);
            }
        };

        const wallStart = Date.now();
        const start = performance.now();
        try {
            await compose("up", "-d");
        } finally {
            await recordBuild();
        }
        const key = await untilGuideKeyIssued(GUIDE_PORT, MASTER_KEY);
        await untilServing(GUIDE_PORT, key);
        const readyMs = performance.now() - start;

        // What the file says is what runs: healthchecks as declared, and the proxy started only
        // once the database had passed one (depends_on: condition: service_healthy).
        const declared = parse(folder.files["docker-compose.yml"]) as { services: Record<string, { healthcheck: ComposeHealthcheck }> };
        const [database, proxy] = [await inspect("litellm-db"), await inspect("litellm-proxy")];
        checkHealthcheck("db", database, declared.services.db.healthcheck);
        checkHealthcheck("litellm", proxy, declared.services.litellm.healthcheck);
        const firstPass = database.State.Health?.Log?.find((entry) => entry.ExitCode === 0);
        if (!firstPass) {
            throw new Error("the database serves but its healthcheck log shows no passing check");
        }
        const image = await dockerCall<{ Created: string }>("GET", `/images/${encodeURIComponent(GUIDE_BUILT_IMAGE)}/json`);
        const imageBuiltMs = Date.parse(image.Created) - wallStart;
        const databaseStartedMs = Date.parse(database.State.StartedAt) - wallStart;
        const databaseHealthyMs = Date.parse(firstPass.End) - wallStart;
        const proxyStartedMs = Date.parse(proxy.State.StartedAt) - wallStart;
        if (proxyStartedMs < databaseHealthyMs) {
            throw new Error(`the proxy started ${databaseHealthyMs - proxyStartedMs} ms before the database was healthy: depends_on condition: service_healthy was not honoured`);
        }

        const again = performance.now();
        await compose("up", "-d");
        const redeployMs = performance.now() - again;

        // "Customizing Models": edit config.yaml, then the guide's step.
        writeFileSync(join(folder.directory, "config.yaml"), withModel(folder.files["config.yaml"], ADDED_MODEL));
        const loop = { ...LOOP, url: `http://127.0.0.1:${GUIDE_PORT}/v1/chat/completions`, key, model: "default" };
        const restart = await downtimeDuring(loop, async () => {
            await compose("restart", "litellm");
        });
        const restartApplied = (await modelIds(GUIDE_PORT, MASTER_KEY)).includes(ADDED_MODEL.name);
        // The guide's "start" command finds the image there and the service unchanged: a no-op.
        await compose("up", "-d");
        const plainUpApplied = (await modelIds(GUIDE_PORT, MASTER_KEY)).includes(ADDED_MODEL.name);
        // The Dockerfile COPYs config.yaml into the image, so only a rebuild carries the edit.
        const rebuild = await downtimeDuring(loop, async () => {
            try {
                await compose("up", "-d", "--build");
            } finally {
                await recordBuild();
            }
        });
        const rebuildApplied = (await modelIds(GUIDE_PORT, MASTER_KEY)).includes(ADDED_MODEL.name);
        return {
            readyMs,
            imageBuiltMs,
            databaseStartedMs,
            databaseHealthyMs,
            proxyStartedMs,
            redeployMs,
            restart: { ...restart, applied: restartApplied },
            plainUpApplied,
            rebuild: { ...rebuild, applied: rebuildApplied },
        };
    });
}

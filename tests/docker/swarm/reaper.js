// The reaper of a Swarm test engine: a detached process started with the engine, which watches the
// test process that owns it. When the owner stops the engine, the plan file goes away and the reaper
// exits; when the owner dies first (a killed test worker, an interrupted run), the reaper runs the
// engine's teardown (tests/docker/swarm/teardown.ts) from the plan and exits.
//
//   node tests/docker/swarm/reaper.js <plan.json>
// Loaded through the ts-node that @pulumi/pulumi vendors, as bench/run.js does.
const path = require("node:path");
const fs = require("node:fs");
const planFile = process.argv[2];
const pulumiDirectory = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
require(path.join(pulumiDirectory, "vendor", "ts-node@7.0.1")).register({
    compiler: require.resolve("typescript"),
    project: path.join(__dirname, "..", "..", "..", "tsconfig.json"),
    transpileOnly: true,
    compilerOptions: {},
});
const teardown = require("./teardown.ts");

function readPlan() {
    try {
        return JSON.parse(fs.readFileSync(planFile, "utf8"));
    } catch {
        return undefined;
    }
}

async function main() {
    for (;;) {
        const plan = readPlan();
        if (!plan) {
            return;
        }
        if (!teardown.alive(plan.ownerPid)) {
            if (plan.kind === "nodes") {
                await teardown.teardownNodes(plan);
            } else if (plan.kind === "local-swarm") {
                await teardown.releaseLocalSwarm(plan.holder);
            }
            fs.rmSync(planFile, { force: true });
            return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
    }
}

main().then(
    () => process.exit(0),
    (error) => {
        process.stderr.write(`reaper: ${error && error.stack ? error.stack : error}\n`);
        process.exit(1);
    },
);

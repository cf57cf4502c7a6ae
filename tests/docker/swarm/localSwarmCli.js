// `node tests/docker/swarm/localSwarmCli.js acquire-release`: takes the one-node swarm lease on the
// engine at DOCKER_SOCKET (default /var/run/docker.sock), gives it back, and prints what happened as
// JSON ({"ok": true, "initMs": ...} or {"ok": false, "error": "..."}). For tests that need the lease
// on another engine than their own process's.
const path = require("node:path");
const pulumiDirectory = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
require(path.join(pulumiDirectory, "vendor", "ts-node@7.0.1")).register({
    compiler: require.resolve("typescript"),
    project: path.join(__dirname, "..", "..", "..", "tsconfig.json"),
    transpileOnly: true,
    compilerOptions: {},
});
const { LocalSwarm } = require("./localSwarm.ts");

LocalSwarm.acquire()
    .then(async (swarm) => {
        await swarm.release();
        console.log(JSON.stringify({ ok: true, initMs: swarm.initMs }));
    })
    .catch((error) => console.log(JSON.stringify({ ok: false, error: String(error && error.message ? error.message : error) })));

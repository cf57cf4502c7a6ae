// `npm run bench`: runs bench/bench.ts through the ts-node that @pulumi/pulumi vendors, the same
// way `pulumi up` loads the program, so the stack's graph is measured as it really runs. With
// BENCH_ROLE=stack it is one run of the stack in a fresh process (bench/stackProcess.ts).
const path = require("node:path");
const pulumiDirectory = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
require(path.join(pulumiDirectory, "vendor", "ts-node@7.0.1")).register({
    compiler: require.resolve("typescript"),
    project: path.join(__dirname, "..", "tsconfig.json"),
    transpileOnly: true,
    compilerOptions: {},
});
if (process.env.BENCH_ROLE === "stack") {
    require("./stackProcess.ts").runStackChild();
} else {
    require("./bench.ts");
}

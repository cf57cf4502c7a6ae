// `npm run bench`: runs bench/bench.ts through the ts-node that @pulumi/pulumi vendors, the same
// way `pulumi up` loads the program, so the stack's graph is measured as it really runs.
const path = require("node:path");
const pulumiDirectory = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
require(path.join(pulumiDirectory, "vendor", "ts-node@7.0.1")).register({
    compiler: require.resolve("typescript"),
    project: path.join(__dirname, "..", "tsconfig.json"),
    transpileOnly: true,
    compilerOptions: {},
});
require("./bench.ts");

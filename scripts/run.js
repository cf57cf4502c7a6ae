// Runs a TypeScript script of this project (`node scripts/run.js scripts/x.ts args...`) through the
// ts-node that @pulumi/pulumi vendors: the way `pulumi up` loads the program, no extra dependency.
const path = require("node:path");
const pulumiDirectory = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
require(path.join(pulumiDirectory, "vendor", "ts-node@7.0.1")).register({
    compiler: require.resolve("typescript"),
    project: path.join(__dirname, "..", "tsconfig.json"),
    transpileOnly: true,
    compilerOptions: {},
});
const script = process.argv[2];
if (!script) {
    console.error("usage: node scripts/run.js <script.ts> [arguments]");
    process.exit(2);
}
process.argv.splice(1, 2, path.resolve(script));
require(path.resolve(script));

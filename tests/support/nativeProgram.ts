/**
 * Loads the program the way `pulumi up` does, not the way vitest does: through the ts-node that
 * @pulumi/pulumi vendors, as plain CommonJS. That matters for dynamic providers: Pulumi serializes
 * their closures, and code rewritten by vitest's module runner captures module objects that the
 * serializer cannot handle, while the same code compiled by ts-node serializes as in production.
 */
import { dirname, join } from "node:path";

const root = join(__dirname, "..", "..");
let registered = false;

function registerTsNodeLikePulumi(): void {
    if (registered) {
        return;
    }
    const pulumiDirectory = dirname(require.resolve("@pulumi/pulumi/package.json"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsNode = require(join(pulumiDirectory, "vendor", "ts-node@7.0.1")) as { register(options: object): void };
    // As cmd/run does: the project's typescript and tsconfig.json. Type checking is `npm run typecheck`'s job.
    tsNode.register({ compiler: require.resolve("typescript"), project: join(root, "tsconfig.json"), transpileOnly: true, compilerOptions: {} });
    registered = true;
}

/** Forgets the project's own modules (not node_modules), so the next load runs the program again. */
function forgetProjectModules(): void {
    for (const path of Object.keys(require.cache)) {
        if (path.startsWith(root) && !path.includes("node_modules")) {
            delete require.cache[path];
        }
    }
}

/** Runs `index.ts` once, natively; call after installing the mocks. */
export function loadProgramNatively<T>(): T {
    registerTsNodeLikePulumi();
    forgetProjectModules();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(root, "index.ts")) as T;
}

/** Loads one project module natively (for provider serialization tests). */
export function loadModuleNatively<T>(relativePath: string): T {
    registerTsNodeLikePulumi();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(join(root, relativePath)) as T;
}

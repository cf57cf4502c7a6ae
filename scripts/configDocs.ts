/**
 * `npm run config:docs`: writes Pulumi.yaml's `config:` block and the README's configuration
 * reference from the key declarations in config/settings/. `--check` only reports whether they
 * are up to date (exit 1 if not).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_KEYS } from "../config/settings";
import { withGeneratedConfig, withGeneratedReference } from "../config/settings/reference";

const root = join(__dirname, "..");
const check = process.argv.includes("--check");
let stale = false;
for (const [file, generate] of [
    ["Pulumi.yaml", (text: string) => withGeneratedConfig(text, CONFIG_KEYS)],
    ["README.md", (text: string) => withGeneratedReference(text, CONFIG_KEYS)],
] as const) {
    const path = join(root, file);
    const current = readFileSync(path, "utf8");
    const generated = generate(current);
    if (generated === current) {
        console.log(`${file}: up to date`);
    } else if (check) {
        console.log(`${file}: out of date (run npm run config:docs)`);
        stale = true;
    } else {
        writeFileSync(path, generated);
        console.log(`${file}: written`);
    }
}
process.exit(stale ? 1 : 0);

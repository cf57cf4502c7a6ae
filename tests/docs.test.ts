/**
 * The README, Pulumi.yaml and the program describe the same configuration: both documents are
 * generated from the key declarations in config/settings/ (`npm run config:docs`), and this fails
 * when either is edited by hand or not regenerated after a declaration changed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_KEYS, parseSettings } from "../config/settings";
import { withGeneratedConfig, withGeneratedReference } from "../config/settings/reference";
import { rawConfig, stackFileConfig } from "./support/stackFile";

const root = join(__dirname, "..");
const pulumiYaml = readFileSync(join(root, "Pulumi.yaml"), "utf8");
const readme = readFileSync(join(root, "README.md"), "utf8");
const project = parse(pulumiYaml) as { name: string; config: Record<string, { type?: string; default?: unknown; secret?: boolean; description?: string }> };

describe("Pulumi.yaml", () => {
    it("is the aiterm-litellm project on the nodejs runtime with TypeScript", () => {
        expect(project.name).toBe("aiterm-litellm");
        expect(pulumiYaml).toMatch(/runtime:\n\s+name: nodejs\n\s+options:\n\s+typescript: true/);
    });

    it("has the config block generated from the declarations (run `npm run config:docs` after changing one)", () => {
        expect(pulumiYaml).toBe(withGeneratedConfig(pulumiYaml, CONFIG_KEYS));
    });

    it("declares every key once, secrets untyped and marked secret", () => {
        expect(Object.keys(project.config)).toEqual(CONFIG_KEYS.map((k) => k.key));
        for (const key of CONFIG_KEYS) {
            const declaration = project.config[key.key];
            expect(declaration.default, key.key).toEqual(key.default);
            expect(declaration.secret === true, key.key).toBe(key.type === "secret");
            // Typed secrets with defaults are rejected by the CLI when unset; lists and maps have no schema type.
            expect(declaration.type, key.key).toBe(["string", "integer", "boolean"].includes(key.type) ? key.type : undefined);
            expect(key.description.length, key.key).toBeGreaterThan(20);
            expect(key.accepts.length, key.key).toBeGreaterThan(5);
        }
    });

    it("has defaults the program accepts", () => {
        expect(() => parseSettings(rawConfig({ hfToken: "hf_abcdefghijklmnopqrstuvwxyz012345" }), "dev")).not.toThrow();
    });

    it("has stack files that set only declared keys", () => {
        const stackFiles = readdirSync(root).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
        expect(stackFiles.sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.hfspaces.yaml", "Pulumi.swarm.yaml"]);
        for (const fileName of stackFiles) {
            const file = parse(readFileSync(join(root, fileName), "utf8")) as { config: Record<string, unknown> };
            for (const key of Object.keys(file.config)) {
                expect(key.startsWith(`${project.name}:`), key).toBe(true);
                expect(Object.keys(project.config), key).toContain(key.slice(project.name.length + 1));
            }
        }
    });
});

describe("README configuration reference", () => {
    it("is the table generated from the declarations", () => {
        expect(readme).toBe(withGeneratedReference(readme, CONFIG_KEYS));
    });

    it("lists every key once, with what it accepts", () => {
        const section = readme.split("## Configuration reference")[1]?.split("\n## ")[0] ?? "";
        const rows = section.split("\n").filter((line) => /^\| `[A-Za-z]+` \|/.test(line));
        expect(rows.map((row) => row.split("|")[1].trim().replace(/`/g, ""))).toEqual(CONFIG_KEYS.map((k) => k.key));
    });

    it("shows the test command", () => {
        expect(readme).toContain("npm test");
    });
});

describe("README stack-file examples", () => {
    // Every ```yaml block that sets this project's keys, as a user pastes it into Pulumi.dev.yaml.
    const examples = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((text) => text.includes(`${project.name}:`));
    const secrets = { hfToken: "hf_abcdefghijklmnop", providerKeys: JSON.stringify({ OPENAI_API_KEY: "sk-example-openai-key-0123" }) };

    it("are accepted as written, with the provider keys they name (a key example over the models example)", () => {
        expect(examples.length).toBeGreaterThanOrEqual(3);
        const modelsExample = examples.map(stackFileConfig).find((config) => config.models?.includes('"openai"'));
        expect(modelsExample).toBeDefined();
        for (const text of examples) {
            const config = stackFileConfig(text);
            const values = { ...secrets, ...(config.models ? {} : { models: modelsExample?.models }), ...config };
            expect(() => parseSettings(rawConfig(values), "dev"), text.slice(0, 80)).not.toThrow();
        }
    });
});

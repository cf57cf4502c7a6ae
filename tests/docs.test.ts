/**
 * The README, Pulumi.yaml and the program's defaults describe the same configuration.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONFIG_DEFAULTS, SECRET_KEYS } from "../config/settings";

const root = join(__dirname, "..");
const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    config: Record<string, { type?: string; default?: unknown; secret?: boolean; description?: string }>;
};
const readme = readFileSync(join(root, "README.md"), "utf8");

interface ReadmeRow {
    key: string;
    type: string;
    default: string;
}

function configReferenceRows(): ReadmeRow[] {
    const section = readme.split("## Configuration reference")[1]?.split("\n## ")[0] ?? "";
    return section
        .split("\n")
        .filter((line) => /^\| `[A-Za-z]+` \|/.test(line))
        .map((line) => {
            const cells = line.split("|").map((c) => c.trim());
            return { key: cells[1].replace(/`/g, ""), type: cells[2], default: cells[3] };
        });
}

describe("Pulumi.yaml", () => {
    it("is the aiterm-litellm project on the nodejs runtime with TypeScript", () => {
        expect(project.name).toBe("aiterm-litellm");
        expect(readFileSync(join(root, "Pulumi.yaml"), "utf8")).toMatch(/runtime:\n\s+name: nodejs\n\s+options:\n\s+typescript: true/);
    });

    it("declares exactly the program's keys, with the program's defaults", () => {
        const declared = Object.keys(project.config).sort();
        expect(declared).toEqual([...Object.keys(CONFIG_DEFAULTS), ...SECRET_KEYS].sort());
        for (const [key, value] of Object.entries(CONFIG_DEFAULTS)) {
            expect(project.config[key].default, key).toEqual(value);
        }
    });

    it("marks every secret key as secret, and gives every key a description", () => {
        for (const key of SECRET_KEYS) {
            expect(project.config[key].secret, key).toBe(true);
            // Typed secrets with defaults are rejected by the CLI when unset (see Pulumi.yaml).
            expect(project.config[key].type, key).toBeUndefined();
        }
        for (const [key, declaration] of Object.entries(project.config)) {
            expect(declaration.description?.length ?? 0, key).toBeGreaterThan(20);
            expect(declaration.default, key).toBeDefined();
        }
    });

    it("has stack files that set only declared keys", () => {
        for (const stack of ["dev", "hfspaces"]) {
            const file = parse(readFileSync(join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
            for (const key of Object.keys(file.config)) {
                expect(key.startsWith(`${project.name}:`), key).toBe(true);
                expect(Object.keys(project.config), key).toContain(key.slice(project.name.length + 1));
            }
        }
    });
});

describe("README configuration reference", () => {
    const rows = configReferenceRows();

    it("lists every key of Pulumi.yaml once, and nothing else", () => {
        expect(rows.map((r) => r.key).sort()).toEqual(Object.keys(project.config).sort());
    });

    it("states each key's type and default as Pulumi.yaml declares them", () => {
        for (const row of rows) {
            const declaration = project.config[row.key];
            const expectedType = declaration.type ?? (declaration.secret ? "secret" : "list");
            expect(row.type, row.key).toBe(expectedType);
            const value = declaration.default;
            if (value === "") {
                expect(row.default, row.key).toBe("(empty)");
            } else if (typeof value === "object") {
                expect(row.default, row.key).toMatch(Array.isArray(value) ? /seed model|aiterm key/ : /^`\{\}`$/);
            } else {
                expect(row.default, row.key).toBe(`\`${String(value)}\``);
            }
        }
    });

    it("shows the test command", () => {
        expect(readme).toContain("npm test");
    });
});

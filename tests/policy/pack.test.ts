/**
 * The policy pack as the Pulumi CLI loads it: policy/index.ts, its package.json, lockfile and
 * PulumiPolicy.yaml. The PolicyPack constructor (which would start the policy server) is replaced
 * by a recorder.
 */
import { readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import type { PolicyPackArgs } from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";
import { parse } from "yaml";

const { constructed, packPolicyModule } = vi.hoisted(() => {
    // index.ts imports @pulumi/policy from policy/node_modules once `npm ci --prefix policy` ran,
    // else from the project's: replace the constructor in whichever copy that is.
    const fromPack = require("node:module").createRequire(require("node:path").join(__dirname, "../../policy/index.ts"));
    return { constructed: [] as { name: string; args: PolicyPackArgs }[], packPolicyModule: fromPack.resolve("@pulumi/policy") as string };
});
vi.mock(packPolicyModule, async (importOriginal) => ({
    ...(await importOriginal<typeof import("@pulumi/policy")>()),
    PolicyPack: class {
        constructor(name: string, args: PolicyPackArgs) {
            constructed.push({ name, args });
        }
    },
}));

const root = path.join(__dirname, "../..");
const policyDir = path.join(root, "policy");
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("the policy pack", () => {
    it("registers the guardrails under its name, with their enforcement levels", async () => {
        await import("../../policy/index");
        expect(constructed).toHaveLength(1);
        expect(constructed[0].name).toBe("aiterm-litellm-guardrails");
        const levels = Object.fromEntries(constructed[0].args.policies.map((p) => [p.name, p.enforcementLevel]));
        expect(levels).toEqual({
            "database-publishes-no-port": "mandatory",
            "proxy-bound-to-loopback": "mandatory",
            "images-pinned-by-digest": "mandatory",
            "environments-are-secret": "remediate",
            "master-key-has-sk-prefix": "mandatory",
            "space-not-private": "advisory",
            "containers-not-privileged": "mandatory",
            "containers-drop-all-capabilities": "mandatory",
            "containers-have-memory-limit": "mandatory",
            "swarm-replicas-share-redis": "mandatory",
            "swarm-proxy-start-first": "mandatory",
            "swarm-images-pinned": "mandatory",
        });
        for (const policy of constructed[0].args.policies) {
            expect(policy.description, policy.name).toBeTruthy();
            expect(policy.remediationSteps, policy.name).toBeTruthy();
        }
    });

    it("is a Node.js pack with a version (PolicyPack refuses to start without one)", () => {
        expect(parse(readFileSync(path.join(policyDir, "PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
        expect(readJson(path.join(policyDir, "package.json")).version).toMatch(/^\d+\.\d+\.\d+$/);
    });

    it("pins its dependencies exactly, on the program's Pulumi SDK, with a lockfile for npm ci", () => {
        const pack = readJson(path.join(policyDir, "package.json"));
        const program = readJson(path.join(root, "package.json"));
        const all: Record<string, string> = { ...pack.dependencies, ...pack.devDependencies };
        for (const [name, version] of Object.entries(all)) {
            expect(version, name).toMatch(/^\d+\.\d+\.\d+$/);
        }
        expect(pack.dependencies["@pulumi/policy"]).toBe("1.21.0");
        expect(pack.dependencies["@pulumi/pulumi"]).toBe(program.dependencies["@pulumi/pulumi"]);
        // The tests run the policies with the program's copy of @pulumi/policy: the same version.
        expect(program.devDependencies["@pulumi/policy"]).toBe(pack.dependencies["@pulumi/policy"]);
        // Without typescript in the pack, the CLI compiles it with a vendored TypeScript 3.8.
        expect(pack.devDependencies.typescript).toBe(program.devDependencies.typescript);

        const lock = readJson(path.join(policyDir, "package-lock.json"));
        expect(lock.packages[""].dependencies).toEqual(pack.dependencies);
        expect(lock.packages[""].devDependencies).toEqual(pack.devDependencies);
        for (const name of Object.keys(all)) {
            expect(lock.packages[`node_modules/${name}`].version, name).toBe(all[name]);
        }
    });

    it("documents every policy with its level in policy/README.md", async () => {
        const { guardrails } = await import("../../policy/policies");
        const readme = readFileSync(path.join(policyDir, "README.md"), "utf8");
        const rows = readme
            .split("\n")
            .filter((line) => /^\| `[a-z-]+` \|/.test(line))
            .map((line) => line.split("|").map((cell) => cell.trim().replace(/`/g, "")))
            .map((cells) => [cells[1], cells[2]]);
        expect(rows).toEqual(guardrails.map((policy) => [policy.name, policy.enforcementLevel]));
    });

    it("has its own tsconfig, used when the CLI compiles it", () => {
        expect(existsSync(path.join(policyDir, "tsconfig.json"))).toBe(true);
        expect(readJson(path.join(policyDir, "tsconfig.json")).compilerOptions.strict).toBe(true);
    });
});

/**
 * The GitHub Actions workflows in .github/workflows: pinned actions, least privilege, no secrets
 * in the files, and every stack, npm script and path they name actually exists here.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseDocument } from "yaml";
import { PROJECT_NAME } from "../../config/messages";
import { CONFIG_KEYS, parseSettings } from "../../config/settings";
import { rawConfig, readStackFile } from "../support/stackFile";

const root = path.join(__dirname, "../..");
const workflowDir = path.join(root, ".github/workflows");

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}
interface Job {
    name?: string;
    "runs-on"?: string;
    permissions?: Record<string, string> | string;
    environment?: string;
    needs?: string | string[];
    env?: Record<string, unknown>;
    steps?: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string> | string;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    jobs: Record<string, Job>;
}
interface Loaded {
    file: string;
    text: string;
    workflow: Workflow;
}

const files = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const workflows: Loaded[] = files.map((file) => {
    const text = readFileSync(path.join(workflowDir, file), "utf8");
    return { file, text, workflow: parse(text) as Workflow };
});
const byFile = (file: string): Workflow => {
    const found = workflows.find((w) => w.file === file);
    if (!found) {
        throw new Error(`${file} is missing`);
    }
    return found.workflow;
};

const PULUMI_ACTION = "pulumi/actions";
const isPulumiStep = (step: Step) => step.uses?.startsWith(`${PULUMI_ACTION}@`) ?? false;
const jobsOf = (w: Workflow) => Object.entries(w.jobs);
const allJobs = workflows.flatMap(({ file, workflow }) => jobsOf(workflow).map(([id, job]) => ({ file, workflow, id, job })));
const pulumiSteps = allJobs.flatMap((j) => (j.job.steps ?? []).filter(isPulumiStep).map((step) => ({ ...j, step, with: step.with ?? {} })));

const packageJson = (dir: string) => JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8"));
const projectFile = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } };
const declaredSecrets = new Set(CONFIG_KEYS.filter((k) => k.type === "secret").map((k) => k.key));

/** The values a `${{ inputs.<name> }}` can take: a choice input's options. */
function resolveInput(workflow: Workflow, value: string): string[] {
    const match = /^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$/.exec(value);
    if (!match) {
        return [value];
    }
    const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { type?: string; options?: string[] }> };
    const input = dispatch.inputs[match[1]];
    expect(input?.type, `${value} must be a choice input`).toBe("choice");
    return input.options ?? [];
}

function strings(value: unknown): string[] {
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(strings);
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)]);
    }
    return [];
}

/** Every `key: value` under an `env:` or `with:` block, wherever it is. */
function settings(workflow: Workflow): [string, unknown][] {
    const blocks = [
        ...jobsOf(workflow).map(([, job]) => job.env),
        ...jobsOf(workflow).flatMap(([, job]) => (job.steps ?? []).flatMap((step) => [step.env, step.with])),
    ];
    return blocks.flatMap((block) => Object.entries(block ?? {}));
}

describe("the workflows", () => {
    it("are preview, deploy and destroy, and every file parses", () => {
        expect(files.sort()).toEqual(expect.arrayContaining(["deploy.yml", "destroy.yml", "preview.yml"]));
        for (const { file, text } of workflows) {
            expect(parseDocument(text).errors, file).toEqual([]);
            expect(Object.keys(parse(text).jobs ?? {}).length, file).toBeGreaterThan(0);
        }
    });

    it("pin every action to a full commit SHA, with its release in a comment", () => {
        const releases = new Map<string, string>();
        for (const { file, text, workflow } of workflows) {
            const lines = text.split("\n").filter((line) => /^\s*(-\s+)?uses:/.test(line));
            const parsed = jobsOf(workflow).flatMap(([, job]) => (job.steps ?? []).map((s) => s.uses).filter(Boolean));
            expect(lines.length, `${file}: every uses: is on its own line`).toBe(parsed.length);
            for (const line of lines) {
                const match = /uses:\s*([\w.-]+\/[\w.-]+(?:\/[\w./-]+)?)@([0-9a-f]{40})\s+#\s*(v\d+\.\d+\.\d+)\s*$/.exec(line);
                expect(match, `${file}: ${line.trim()}`).not.toBeNull();
                const [, action, sha, release] = match!;
                const key = `${action}@${sha}`;
                expect(releases.get(key) ?? release, `${key} is labelled with two releases`).toBe(release);
                releases.set(key, release);
            }
        }
        const actions = [...releases.keys()].map((key) => key.split("@")[0]);
        expect(new Set(actions).size, "each action is pinned to one commit everywhere").toBe(actions.length);
    });

    it("give every job its own least-privilege permissions: read the code, write PR comments only where they post one", () => {
        for (const { file, workflow } of workflows) {
            expect(workflow.permissions, `${file}: top-level permissions`).toEqual({});
        }
        for (const { file, id, job } of allJobs) {
            const where = `${file} job ${id}`;
            expect(typeof job.permissions, `${where} declares permissions`).toBe("object");
            const permissions = job.permissions as Record<string, string>;
            expect(permissions.contents, where).toBe("read");
            const postsComment = (job.steps ?? []).some((s) => isPulumiStep(s) && s.with?.["comment-on-pr"] === true);
            const expected: Record<string, string> = postsComment ? { contents: "read", "pull-requests": "write" } : { contents: "read" };
            expect(permissions, where).toEqual(expected);
        }
    });

    it("contain no secret: credentials come from ${{ secrets.* }} only", () => {
        const secretLooking = [/hf_[A-Za-z0-9]{20,}/, /sk-[A-Za-z0-9]{16,}/, /gh[pousr]_[A-Za-z0-9]{20,}/, /pul-[0-9a-f]{40}/, /AKIA[0-9A-Z]{16}/, /-----BEGIN/];
        const secretName = /TOKEN|PASSWORD|PASSPHRASE|SECRET|CREDENTIALS|_KEY/i;
        for (const { file, workflow } of workflows) {
            for (const text of strings(workflow)) {
                for (const pattern of secretLooking) {
                    expect(pattern.test(text), `${file}: "${text.slice(0, 40)}" looks like a credential`).toBe(false);
                }
            }
            for (const [key, value] of settings(workflow)) {
                // A switch such as `persist-credentials: false` carries no credential.
                if (secretName.test(key) && typeof value !== "boolean") {
                    expect(String(value), `${file}: ${key}`).toMatch(/^\$\{\{\s*secrets\.[A-Z_]+\s*\}\}$/);
                }
            }
        }
    });

    it("use only stacks this project has a Pulumi.<stack>.yaml for", () => {
        expect(pulumiSteps.length).toBeGreaterThan(0);
        for (const { file, workflow, step } of pulumiSteps) {
            for (const stack of resolveInput(workflow, String(step.with?.["stack-name"]))) {
                expect(existsSync(path.join(root, `Pulumi.${stack}.yaml`)), `${file}: stack ${stack}`).toBe(true);
            }
        }
    });

    it("call only npm scripts, lockfiles and packages that exist", () => {
        let commands = 0;
        for (const { file, job, id } of allJobs) {
            for (const step of job.steps ?? []) {
                for (const match of (step.run ?? "").matchAll(/\bnpm\s+(ci|test|run\s+([\w:.-]+))((?:\s+--[\w-]+(?:\s+(?!--)[^\s;&|]+)?)*)/g)) {
                    commands += 1;
                    const prefix = /--prefix\s+(\S+)/.exec(match[3] ?? "")?.[1] ?? ".";
                    const where = `${file} job ${id}: ${match[0]}`;
                    expect(existsSync(path.join(root, prefix, "package.json")), where).toBe(true);
                    if (match[1] === "ci") {
                        expect(existsSync(path.join(root, prefix, "package-lock.json")), `${where} needs a lockfile`).toBe(true);
                    } else {
                        const script = match[1] === "test" ? "test" : match[2];
                        expect(packageJson(prefix).scripts?.[script], `${where}: script ${script}`).toBeDefined();
                    }
                }
            }
        }
        expect(commands).toBeGreaterThan(0);
    });

    it("point policyPacks and work-dir at folders of this repository, with the pack installed first", () => {
        for (const { file, id, job, step } of pulumiSteps) {
            const workDir = String(step.with?.["work-dir"] ?? ".");
            expect(existsSync(path.join(root, workDir, "Pulumi.yaml")), `${file} job ${id}: work-dir ${workDir}`).toBe(true);
            const runsBefore = (job.steps ?? []).slice(0, (job.steps ?? []).indexOf(step)).map((s) => s.run ?? "");
            expect(runsBefore, `${file} job ${id} installs the program first`).toContain("npm ci");
            const packs = step.with?.policyPacks;
            if (packs !== undefined) {
                for (const pack of String(packs).split(/[\s,]+/).filter(Boolean)) {
                    expect(existsSync(path.join(root, workDir, pack, "PulumiPolicy.yaml")), `${file} job ${id}: policy pack ${pack}`).toBe(true);
                    expect(runsBefore, `${file} job ${id} installs the pack ${pack} first`).toContain(`npm ci --prefix ${pack}`);
                }
            }
        }
    });

    it("set up Node 20, check out without keeping the token, and run the Pulumi CLI of the SDK in package.json", () => {
        const sdk = packageJson(".").dependencies["@pulumi/pulumi"];
        for (const { file, id, job } of allJobs) {
            for (const step of job.steps ?? []) {
                if (step.uses?.startsWith("actions/setup-node@")) {
                    expect(String(step.with?.["node-version"]), `${file} job ${id}`).toBe("20");
                }
                if (step.uses?.startsWith("actions/checkout@")) {
                    expect(step.with?.["persist-credentials"], `${file} job ${id}`).toBe(false);
                }
            }
        }
        for (const { file, id, step } of pulumiSteps) {
            expect(String(step.with?.["pulumi-version"]), `${file} job ${id}`).toBe(sdk);
        }
    });

    it("target the configured backend: PULUMI_BACKEND_URL overrides Pulumi.yaml's, and only a throwaway preview stays on the runner", () => {
        const backendExpression = "${{ vars.PULUMI_BACKEND_URL || 'https://api.pulumi.com' }}";
        for (const { file, id, job, step } of pulumiSteps) {
            const where = `${file} job ${id}`;
            const backend = job.env?.PULUMI_BACKEND_URL ?? step.env?.PULUMI_BACKEND_URL;
            if (backend !== undefined) {
                expect(backend, where).toBe(backendExpression);
                expect(step.with?.["cloud-url"], `${where}: logs into the same backend`).toBe("${{ env.PULUMI_BACKEND_URL }}");
            } else {
                // Without the variable, Pulumi.yaml's backend applies: state on this runner, lost after the job.
                expect(step.with?.["cloud-url"], where).toBe(projectFile.backend?.url);
                expect(step.with?.command, `${where}: only a preview may use a throwaway backend`).toBe("preview");
                expect(["dev", "swarm"], where).toContain(step.with?.["stack-name"]);
            }
        }
        for (const stack of ["hfspaces"]) {
            const steps = pulumiSteps.filter((s) => s.with["stack-name"] === stack || resolveInput(s.workflow, String(s.with["stack-name"])).includes(stack));
            expect(steps.length).toBeGreaterThan(0);
            for (const { file, id, job } of steps) {
                expect(job.env?.PULUMI_BACKEND_URL, `${file} job ${id}`).toBe(backendExpression);
            }
        }
    });

    it("never expand user-controlled values inside a shell script", () => {
        for (const { file, id, job } of allJobs) {
            for (const step of job.steps ?? []) {
                expect(step.run ?? "", `${file} job ${id}`).not.toMatch(/\$\{\{\s*(inputs\.|github\.event\.|github\.head_ref)/);
            }
        }
    });
});

describe("preview.yml", () => {
    const workflow = () => byFile("preview.yml");

    it("runs on pull requests: hfspaces commented on the PR, fresh dev and swarm stacks previewed too, all under the policy pack", () => {
        expect(Object.keys(workflow().on)).toEqual(["pull_request"]);
        const steps = pulumiSteps.filter((s) => s.file === "preview.yml");
        expect(steps.map((s) => [s.with["stack-name"], s.with.command, s.with.policyPacks])).toEqual([
            ["hfspaces", "preview", "policy"],
            ["dev", "preview", "policy"],
            ["swarm", "preview", "policy"],
        ]);
        expect(steps[0].with["comment-on-pr"]).toBe(true);
        expect(steps[1].job["runs-on"]).toMatch(/^ubuntu-/);
    });

    it("hands the program only config it accepts: each preview's config-map over its stack file passes the settings' validation", () => {
        const steps = pulumiSteps.filter((s) => s.with["config-map"] !== undefined);
        expect(steps.length).toBeGreaterThan(0);
        for (const { file, id, with: inputs } of steps) {
            const stack = String(inputs["stack-name"]);
            const where = `${file} job ${id}, stack ${stack}`;
            const values = readStackFile(path.join(root, `Pulumi.${stack}.yaml`));
            const map = JSON.parse(String(inputs["config-map"])) as Record<string, { value: string; secret?: boolean }>;
            for (const [key, entry] of Object.entries(map)) {
                expect(key.startsWith(`${PROJECT_NAME}:`), where).toBe(true);
                values[key.slice(PROJECT_NAME.length + 1)] = entry.value;
                if (declaredSecrets.has(key.slice(PROJECT_NAME.length + 1))) {
                    expect(entry.secret, `${where}: ${key} is a secret`).toBe(true);
                }
            }
            expect(() => parseSettings(rawConfig(values), stack), where).not.toThrow();
        }
    });
});

describe("deploy.yml", () => {
    const workflow = () => byFile("deploy.yml");

    it("runs pulumi up for hfspaces on pushes to main, in the hfspaces environment, under the policy pack", () => {
        expect(workflow().on).toEqual({ push: { branches: ["main"] } });
        const [deploy, ...more] = pulumiSteps.filter((s) => s.file === "deploy.yml");
        expect(more).toEqual([]);
        expect(deploy.with).toMatchObject({ command: "up", "stack-name": "hfspaces", policyPacks: "policy" });
        expect(deploy.job.environment).toBe("hfspaces");
    });

    it("never runs two deploys of the stack at once, nor cancels one halfway", () => {
        expect(workflow().concurrency).toEqual({ group: "pulumi-hfspaces", "cancel-in-progress": false });
    });
});

describe("destroy.yml", () => {
    const workflow = () => byFile("destroy.yml");

    it("is started by hand, with a required stack choice and a required typed confirmation", () => {
        const dispatch = workflow().on.workflow_dispatch as { inputs: Record<string, { required?: boolean; type?: string }> };
        expect(Object.keys(workflow().on)).toEqual(["workflow_dispatch"]);
        expect(dispatch.inputs.stack).toMatchObject({ required: true, type: "choice" });
        expect(dispatch.inputs.confirm).toMatchObject({ required: true, type: "string" });
    });

    it("destroys only after the confirmation matched, behind the stack's environment, keeping the stack for audit", () => {
        const [destroy, ...more] = pulumiSteps.filter((s) => s.file === "destroy.yml");
        expect(more).toEqual([]);
        expect(destroy.with).toMatchObject({ command: "destroy", "stack-name": "${{ inputs.stack }}", remove: false });
        expect(destroy.job.environment).toBe("${{ inputs.stack }}");
        expect(destroy.job.needs).toBe("confirm");
        const check = workflow().jobs.confirm.steps?.[0];
        expect(check?.env).toEqual({ STACK: "${{ inputs.stack }}", CONFIRMATION: "${{ inputs.confirm }}" });
        expect(check?.run).toContain('[ "$CONFIRMATION" != "$STACK" ]');
        expect(check?.run).toContain("exit 1");
    });

    it("shares deploy.yml's concurrency group for the same stack", () => {
        const group = workflow().concurrency?.group ?? "";
        expect(workflow().concurrency?.["cancel-in-progress"]).toBe(false);
        for (const stack of resolveInput(workflow(), "${{ inputs.stack }}")) {
            expect(group.replace("${{ inputs.stack }}", stack)).toBe(byFile("deploy.yml").concurrency?.group.replace("hfspaces", stack));
        }
    });
});

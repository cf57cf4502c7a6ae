/**
 * `npm run import-guide -- --config <config.yaml> [--env <.env>] [--stack dev|hfspaces]
 *  [--uncomment-models] [--write] [--set-secrets]`
 *
 * Turns the guide's config.yaml and .env into this stack's configuration: prints the
 * Pulumi.<stack>.yaml entries (or merges them into that file with --write), the
 * `pulumi config set --secret` commands for the secrets, and every setting it could not carry over
 * and why. Secret values are never printed; --set-secrets runs those commands with each value from
 * .env given to `pulumi config set` on its standard input, never on its command line.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument, stringify } from "yaml";
import { importGuide, parseEnvFile, SecretToSet } from "../config/guideImport";
import { PROJECT_NAME } from "../config/messages";

interface Arguments {
    config: string;
    env?: string;
    stack: string;
    uncommentModels: boolean;
    write: boolean;
    setSecrets: boolean;
}

function usage(message: string): never {
    console.error(`${message}\n\nusage: npm run import-guide -- --config <config.yaml> [--env <.env>] [--stack dev|hfspaces] [--uncomment-models] [--write] [--set-secrets]`);
    process.exit(2);
}

function parseArguments(argv: string[]): Arguments {
    const args: Arguments = { config: "", stack: "dev", uncommentModels: false, write: false, setSecrets: false };
    for (let index = 0; index < argv.length; index++) {
        const flag = argv[index];
        const value = () => argv[++index] ?? usage(`${flag} needs a value`);
        if (flag === "--config") args.config = value();
        else if (flag === "--env") args.env = value();
        else if (flag === "--stack") args.stack = value();
        else if (flag === "--uncomment-models") args.uncommentModels = true;
        else if (flag === "--write") args.write = true;
        else if (flag === "--set-secrets") args.setSecrets = true;
        else usage(`unknown argument ${flag}`);
    }
    if (!args.config) {
        usage("--config is required (the guide's config.yaml)");
    }
    if (!/^[A-Za-z0-9_.-]+$/.test(args.stack)) {
        usage(`--stack ${args.stack} is not a stack name`);
    }
    return args;
}

function secretCommand(stack: string, secret: SecretToSet): string[] {
    const path = secret.key.includes(".");
    return ["config", "set", "--stack", stack, "--secret", ...(path ? ["--path"] : []), secret.key];
}

function shellQuote(word: string): string {
    return /^[A-Za-z0-9_./:=-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function main(): void {
    const args = parseArguments(process.argv.slice(2));
    const configYaml = readFileSync(args.config, "utf8");
    const envText = args.env ? readFileSync(args.env, "utf8") : undefined;
    const target = args.stack === "hfspaces" || args.stack.startsWith("hfspaces-") ? "hfspaces" : "docker";
    const result = importGuide({ configYaml, env: envText }, { target, uncommentModels: args.uncommentModels });

    const entries = Object.fromEntries(Object.entries(result.config).map(([key, value]) => [`${PROJECT_NAME}:${key}`, value]));
    const stackFile = join(process.cwd(), `Pulumi.${args.stack}.yaml`);
    if (args.write) {
        const document = parseDocument(existsSync(stackFile) ? readFileSync(stackFile, "utf8") : "config: {}\n");
        for (const [key, value] of Object.entries(entries)) {
            document.setIn(["config", key], document.createNode(value));
        }
        writeFileSync(stackFile, document.toString({ lineWidth: 0 }));
        console.log(`Wrote ${Object.keys(entries).length} settings into ${stackFile}.`);
    } else {
        console.log(`Stack configuration for Pulumi.${args.stack}.yaml (--write merges it into that file):\n`);
        console.log(stringify({ config: entries }, { lineWidth: 0 }));
    }

    if (result.secrets.length > 0) {
        console.log("Secrets to set (their values are never printed):");
        for (const secret of result.secrets) {
            const source = secret.fromEnv ? `${secret.fromEnv} from .env` : "paste it when asked";
            console.log(`  pulumi ${secretCommand(args.stack, secret).map(shellQuote).join(" ")}    # ${secret.reason}; ${source}`);
        }
        if (!args.setSecrets && result.secrets.some((s) => s.fromEnv)) {
            console.log("  (--set-secrets runs the commands whose value is in .env, passing each value on standard input.)");
        }
        console.log("");
    }
    if (result.moved.length > 0) {
        console.log("Carried over to where LiteLLM reads it:");
        result.moved.forEach((m) => console.log(`  - ${m.setting}: ${m.reason}`));
        console.log("");
    }
    if (result.notCarried.length > 0) {
        console.log("Not carried over:");
        result.notCarried.forEach((m) => console.log(`  - ${m.setting}: ${m.reason}`));
        console.log("");
    }

    if (args.setSecrets) {
        const env = envText ? parseEnvFile(envText) : {};
        for (const secret of result.secrets.filter((s) => s.fromEnv)) {
            const value = env[secret.fromEnv as string];
            const run = spawnSync("pulumi", secretCommand(args.stack, secret), { input: value, stdio: ["pipe", "inherit", "inherit"] });
            if (run.error) {
                console.error(`Could not run the Pulumi CLI (${run.error.message}); set the secrets with the commands above.`);
                process.exit(1);
            }
            if (run.status !== 0) {
                console.error(`pulumi config set ${secret.key} failed (exit ${run.status}); see its message above.`);
                process.exit(1);
            }
            console.log(`Set ${secret.key} from ${secret.fromEnv}.`);
        }
    }
}

main();

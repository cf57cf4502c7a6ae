/**
 * Every user-facing message about configuration is built here, so that they all name the
 * config key, say what is wrong, and say how to fix it in the same words.
 */

/** The Pulumi project name: the namespace of every config key (`aiterm-litellm:port`). */
export const PROJECT_NAME = "aiterm-litellm";

/** One thing wrong with the stack's configuration. */
export interface ConfigProblem {
    /** The config key at fault, as the user types it (`port`, `models[1].apiKeyEnv`). */
    key: string;
    /** What is wrong, in a sentence. Never contains a secret value. */
    problem: string;
    /** What to do about it, usually a `pulumi config set ...` command. */
    fix: string;
}

/** Thrown before any resource is declared when the stack's configuration is invalid. */
export class ConfigError extends Error {
    readonly problems: readonly ConfigProblem[];

    constructor(problems: readonly ConfigProblem[]) {
        super(formatProblems(problems));
        this.name = "ConfigError";
        this.problems = problems;
    }
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
    const header =
        problems.length === 1
            ? "The stack configuration has a problem; nothing was changed."
            : `The stack configuration has ${problems.length} problems; nothing was changed.`;
    const lines = problems.map((p) => `  - ${PROJECT_NAME}:${p.key}: ${p.problem}\n    Fix: ${p.fix}`);
    return [header, ...lines].join("\n");
}

export interface SetCommandOptions {
    /** Store the value encrypted (`--secret`). */
    secret?: boolean;
    /** The key addresses a field inside an object or list (`--path`). */
    path?: boolean;
}

/** The exact `pulumi config set` command a user runs to set a key. */
export function setCommand(key: string, value: string, options: SetCommandOptions = {}): string {
    const flags = [options.secret ? "--secret" : "", options.path ? "--path" : ""].filter(Boolean);
    const quotedKey = options.path ? `'${key}'` : key;
    return ["pulumi config set", ...flags, quotedKey, value].join(" ");
}

/** The command that removes a key so that its default applies again. */
export function removeCommand(key: string): string {
    return `pulumi config rm ${key}`;
}

/** A warning that does not stop the deployment (shown by `pulumi preview` and `pulumi up`). */
export function configWarning(key: string, message: string): string {
    return `${PROJECT_NAME}:${key}: ${message}`;
}

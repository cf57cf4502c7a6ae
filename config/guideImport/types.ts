/** What the importer takes, what it returns, and the draft its steps fill in. */
import { ENV_REFERENCE_PREFIX } from "../settings/untrusted";
import type { DeploymentTarget } from "../settings/types";

export interface GuideFiles {
    /** The guide's config.yaml, as the user has it. */
    configYaml: string;
    /** Their .env (or .env.example); optional. */
    env?: string;
}

export interface ImportOptions {
    target: DeploymentTarget;
    /** Import model entries that are commented out in config.yaml (the guide's optional OpenAI fallback). */
    uncommentModels?: boolean;
}

/** A secret the user sets with `pulumi config set --secret`: where its value comes from, never the value. */
export interface SecretToSet {
    /** The stack key (`hfToken`, `providerKeys.OPENAI_API_KEY`, `databaseUrl`). */
    key: string;
    /** The .env variable holding it, if the .env has a usable value. */
    fromEnv?: string;
    /** Why it is needed. */
    reason: string;
}

export interface NotCarried {
    /** Where the setting was (`general_settings.enable_user_auth`, `.env LITELLM_MASTER_KEY`). */
    setting: string;
    reason: string;
}

export interface GuideImport {
    /** Stack config entries without the project namespace; values as a stack file holds them. */
    config: Record<string, unknown>;
    secrets: SecretToSet[];
    notCarried: NotCarried[];
    /** Settings carried over to another place than the guide put them, and why. */
    moved: NotCarried[];
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}


/** The stack configuration being written, and the report beside it. */
export class Draft {
    readonly config: Json = {};
    readonly secrets: SecretToSet[] = [];
    readonly notCarried: NotCarried[] = [];
    readonly moved: NotCarried[] = [];
    /** A key variable of config.yaml -> the provider key name it becomes in the stack. */
    readonly keyNames = new Map<string, string>();
    /** The models as they are carried over. */
    readonly models: Json[] = [];
    /** Commented-out models labelled as fallbacks, carried over with --uncomment-models. */
    readonly fallbackModels: string[] = [];

    constructor(
        readonly options: ImportOptions,
        /** The .env values: read to decide, never copied into the report. */
        readonly env: Readonly<Record<string, string>>,
    ) {}

    drop(setting: string, reason: string): void {
        this.notCarried.push({ setting, reason });
    }

    move(setting: string, reason: string): void {
        this.moved.push({ setting, reason });
    }

    result(): GuideImport {
        return { config: this.config, secrets: this.secrets, notCarried: this.notCarried, moved: this.moved };
    }
}

/** The name of an `os.environ/NAME` reference, or undefined. */
export function referenceName(value: unknown): string | undefined {
    return typeof value === "string" && value.startsWith(ENV_REFERENCE_PREFIX) ? value.slice(ENV_REFERENCE_PREFIX.length) : undefined;
}


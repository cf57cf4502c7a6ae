/**
 * A way in for users of the guide: their customized config.yaml and .env turned into this stack's
 * configuration. Pure: text in, stack config plus a report out. Every setting is either carried
 * over (to the key LiteLLM really reads it through) or reported with the reason it is not; the
 * result is then validated like any stack file, and whatever the stack refuses is dropped with
 * the stack's own message. Secret values are never part of the report.
 *
 * One module per part of the guide's files: models.ts (model_list, rate_limits), sections.ts
 * (general, router and litellm settings), dotEnv.ts (.env), commentedModels.ts, envFile.ts.
 */
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../messages";
import { parseSettings } from "../settings";
import { translateEnv } from "./dotEnv";
import { parseEnvFile } from "./envFile";
import { translateFallbackModels, translateModels } from "./models";
import { translateSections } from "./sections";
import { Draft, GuideFiles, GuideImport, ImportOptions, isObject, Json, SecretToSet } from "./types";

export { commentedModels } from "./commentedModels";
export { parseEnvFile } from "./envFile";
export type { GuideFiles, GuideImport, ImportOptions, NotCarried, SecretToSet } from "./types";

function translate(files: GuideFiles, options: ImportOptions): GuideImport {
    let document: unknown;
    try {
        document = parseYaml(files.configYaml, { version: "1.1" });
    } catch (error) {
        throw new Error(`config.yaml is not valid YAML (${(error as Error).message.split("\n")[0]}); nothing was imported.`);
    }
    if (!isObject(document)) {
        throw new Error("config.yaml has no settings (its top level must be a mapping); nothing was imported.");
    }
    const draft = new Draft(options, files.env === undefined ? {} : parseEnvFile(files.env));
    translateModels(draft, document, files.configYaml);
    translateSections(draft, document);
    translateFallbackModels(draft);
    translateEnv(draft);
    return draft.result();
}

/** Placeholder values of the right shape, to validate the imported config before the user sets their secrets. */
function validationSecrets(secrets: readonly SecretToSet[]): Record<string, string> {
    const providerKeys: Record<string, string> = {};
    const values: Record<string, string> = {};
    for (const secret of secrets) {
        if (secret.key === "hfToken") {
            values.hfToken = "hf_validationplaceholder0000";
        } else if (secret.key === "databaseUrl") {
            values.databaseUrl = "postgresql://user:password@db.example.com:5432/postgres";
        } else if (secret.key.startsWith("providerKeys.")) {
            providerKeys[secret.key.slice("providerKeys.".length)] = "validation-placeholder-key";
        }
    }
    return { ...values, ...(Object.keys(providerKeys).length > 0 ? { providerKeys: JSON.stringify(providerKeys) } : {}) };
}

/** Removes the part of `config` a problem key points at (`models[1].name` drops models[1]); false if nothing could be. */
function removeOffending(config: Json, problemKey: string): string | undefined {
    const [top, index] = /^([A-Za-z]+)(?:\[(\d+)\])?/.exec(problemKey)?.slice(1) ?? [];
    if (!top || config[top] === undefined) {
        return undefined;
    }
    if (index !== undefined && Array.isArray(config[top])) {
        const list = config[top] as unknown[];
        const [removed] = list.splice(Number(index), 1);
        if (list.length === 0) {
            delete config[top];
        }
        return `${top}[${index}]${isObject(removed) && typeof removed.name === "string" ? ` (${removed.name})` : ""}`;
    }
    delete config[top];
    return top;
}

/**
 * The guide's files as this stack's configuration. Whatever the stack refuses (a model name
 * LiteLLM would resolve as an environment reference, a budget of 1e309, ...) is dropped with the
 * stack's own message, so the result always passes `pulumi preview`'s validation.
 */
export function importGuide(files: GuideFiles, options: ImportOptions): GuideImport {
    const result = translate(files, options);
    const stack = options.target === "hfspaces" ? "hfspaces" : "dev";
    for (let round = 0; round < 50; round++) {
        const raw: Record<string, unknown> = { ...result.config, target: options.target, ...validationSecrets(result.secrets) };
        try {
            parseSettings((key) => (raw[key] === undefined ? undefined : typeof raw[key] === "string" ? (raw[key] as string) : JSON.stringify(raw[key])), stack);
            break;
        } catch (error) {
            if (!(error instanceof ConfigError)) {
                throw error;
            }
            const fixable = error.problems.find((p) => result.config[p.key.split(/[.[]/)[0]] !== undefined);
            if (!fixable) {
                break; // about secrets only: the user sets them
            }
            const removed = removeOffending(result.config, fixable.key);
            // A dropped model can take fallbacks naming it along: those are reported on the next round.
            result.notCarried.push({ setting: `imported ${removed ?? fixable.key}`, reason: `the stack refuses it: ${fixable.key} ${fixable.problem}` });
        }
    }
    return result;
}

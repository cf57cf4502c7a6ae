/**
 * The stack's settings: every config key, declared once beside its validation (one module per
 * concern), and parseSettings, which reads them all before any resource is declared. Pure: it
 * takes the raw config values (strings, as Pulumi stores them) and returns typed settings, or
 * throws a ConfigError naming every bad key with its fix.
 */
import { ConfigError, removeCommand, setCommand } from "../messages";
import { CACHE_KEYS, parseCacheSettings } from "./cache";
import { ConfigKey, configKey } from "./declaration";
import { DOCKER_KEYS, parseDockerSettings } from "./docker";
import { ConfigInput } from "./input";
import { checkModelKeys, HF_TOKEN_ENV, modelsKey, parseModels } from "./models";
import { parseProxyBasics, PROXY_KEYS } from "./proxy";
import { parseRouterSettings, ROUTER_KEYS } from "./router";
import { checkSpaceSecrets, databaseUrlKey, hfTokenKey, parseProvidedSecrets, providerKeysKey } from "./secrets";
import { DEFAULT_HF_ENDPOINT, parseSpaceSettings, SPACE_KEYS } from "./space";
import { parseSwarmSettings, SWARM_KEYS } from "./swarm";
import { DEPLOYMENT_TARGETS, DeploymentTarget, ParsedSettings, RawConfig } from "./types";
import { shown } from "./untrusted";
import { parseVirtualKeys, virtualKeysKey } from "./virtualKeys";

export * from "./types";
export type { ConfigKey, ConfigKeyType } from "./declaration";
export { DEFAULT_MODELS, HF_TOKEN_ENV } from "./models";
export { DEFAULT_VIRTUAL_KEYS } from "./virtualKeys";
export { DEFAULT_LITELLM_IMAGE } from "./proxy";
export { DEFAULT_POSTGRES_IMAGE } from "./docker";
export { DEFAULT_HF_ENDPOINT } from "./space";
export { DEFAULT_FRONT_DOOR_IMAGE, DEFAULT_REDIS_IMAGE } from "./swarm";

export const targetKey = configKey({
    key: "target",
    type: "string",
    default: "",
    description: "Where the proxy runs: docker, hfspaces or swarm. Empty picks it from the stack name (hfspaces for stack hfspaces, swarm for stack swarm, docker otherwise).",
    accepts: "Empty, `docker`, `hfspaces` or `swarm`.",
});

/** Every config key, in the order the README and Pulumi.yaml list them. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
    targetKey,
    modelsKey,
    virtualKeysKey,
    hfTokenKey,
    providerKeysKey,
    ...PROXY_KEYS,
    ...ROUTER_KEYS,
    ...CACHE_KEYS,
    ...DOCKER_KEYS,
    ...SPACE_KEYS,
    databaseUrlKey,
    ...SWARM_KEYS,
];

/** `hfspaces` or `swarm` for stacks named after them (`swarm`, `swarm-prod`), `docker` otherwise; the `target` key overrides. */
export function defaultTarget(stack: string): DeploymentTarget {
    const named = (target: DeploymentTarget) => stack === target || stack.startsWith(`${target}-`);
    return named("hfspaces") ? "hfspaces" : named("swarm") ? "swarm" : "docker";
}

/** Validates the whole configuration at once, so a user fixes every problem in one round. */
export function parseSettings(raw: RawConfig, stack: string, environment: Readonly<Record<string, string | undefined>> = {}): ParsedSettings {
    const input = new ConfigInput(raw, stack, environment);
    const target = parseTarget(input);
    const secrets = parseProvidedSecrets(input, raw);
    const { models, names: modelNames } = parseModels(input);
    const basics = parseProxyBasics(input);
    const router = parseRouterSettings(input, modelNames);
    const cache = parseCacheSettings(input, target);
    const docker = parseDockerSettings(input, target);
    const space = parseSpaceSettings(input);
    const { settings: swarm, redisPassword } = parseSwarmSettings(input, { target, cache, secrets, raw });

    if (target === "hfspaces") {
        checkSpaceSecrets(input, secrets);
        if (space.visibility === "private") {
            input.warn(
                "spaceVisibility",
                `a private Space's app URL answers only requests carrying a Hugging Face token, so aiterm (which sends only its LiteLLM key) cannot use it. Use public, or protected (PRO: files private, app public): ${setCommand("spaceVisibility", "protected")}`,
            );
        }
    }

    let virtualKeys = parseVirtualKeys(input, modelNames);
    if (target === "hfspaces" && space.hfEndpoint !== DEFAULT_HF_ENDPOINT && virtualKeys.length > 0) {
        input.warn(
            "virtualKeys",
            `keys are managed on Spaces of ${DEFAULT_HF_ENDPOINT} only: a Space on ${space.hfEndpoint} serves its app at an address this stack cannot derive. No key is created; create them on the proxy's /key/generate.`,
        );
        virtualKeys = [];
    }

    const providerKeyNames = [...(secrets.hfToken ? [HF_TOKEN_ENV] : []), ...Object.keys(secrets.providerKeys)].sort();
    checkModelKeys(input, models, providerKeyNames);
    const used = new Set(models.map((m) => m.apiKeyEnv));
    for (const name of Object.keys(secrets.providerKeys)) {
        if (!used.has(name)) {
            input.warn(`providerKeys.${name}`, "no model reads this key; it is still passed to the proxy.");
        }
    }

    if (input.problems.length > 0) {
        throw new ConfigError(input.problems);
    }
    return {
        settings: {
            target,
            proxy: { models, ...basics, router, cache, providerKeyNames, virtualKeys },
            docker,
            space,
            swarm,
        },
        secrets: { ...secrets, ...(redisPassword === undefined ? {} : { redisPassword }) },
        warnings: input.warnings,
    };
}

function parseTarget(input: ConfigInput): DeploymentTarget {
    const value = input.text(targetKey);
    if (value === "") {
        return defaultTarget(input.stack);
    }
    if ((DEPLOYMENT_TARGETS as readonly string[]).includes(value)) {
        return value as DeploymentTarget;
    }
    input.problem(
        "target",
        `${shown(value)} is not a deployment target (${DEPLOYMENT_TARGETS.join(" or ")}).`,
        `${setCommand("target", "docker")}, or ${removeCommand("target")} to pick it from the stack name`,
    );
    return defaultTarget(input.stack);
}

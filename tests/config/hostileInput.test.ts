/**
 * Hostile and careless configuration, by class: what a stack file copied from a blog post, edited
 * in a pull request or pasted in a hurry can hold. Each class has hand-picked members and members
 * drawn by a small seeded generator; every member goes through parseSettings, and:
 *
 * - when it is accepted: no secret appears in the settings, config.yaml, the proxy's plain
 *   variables or the warnings; config.yaml reads back the same under PyYAML (LiteLLM's YAML 1.1
 *   reader); LiteLLM would resolve no `os.environ/` reference but the ones the stack writes; the
 *   proxy's environment holds only the stack's own variables and provider keys;
 * - when it is refused: no message repeats a secret, every message names a key the stack has, and
 *   no fix proposes a value that the same key then refuses.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ConfigError, ConfigProblem } from "../../config/messages";
import { environmentReferences, proxyConfigDocument, renderProxyConfig } from "../../config/proxyConfig";
import { PROXY_ENV, proxyEnvironment } from "../../config/proxyEnvironment";
import { CONFIG_KEYS, ParsedSettings, parseSettings } from "../../config/settings";
import { checkProviderKeyName } from "../../config/settings/untrusted";
import { loadWithPyYAML, pyyamlAvailable } from "../support/pyyaml";

const HF = "hf_abcdefghijklmnopqrstuvwxyz012345";
const OPENAI = "sk-openai-live-0123456789abcdef";
const DB_PASSWORD = "Db-Pa55word-xyz42";
const DATABASE_URL = `postgresql://postgres.abcdefgh:${DB_PASSWORD}@aws-0-eu-west-1.pooler.supabase.com:5432/postgres`;

const DEFAULT_MODEL = { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" };
const OPENAI_MODEL = { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" };

type ConfigValues = Record<string, unknown>;

interface Member {
    title: string;
    config: ConfigValues;
    stack?: string;
    /** Secret values this member carries beyond the base ones. */
    secrets?: string[];
    /** The program's environment (HF_ENDPOINT). */
    environment?: Record<string, string>;
    /** `refused`: the class makes it unsafe, it must not be accepted. `either`: the invariants decide. */
    expect: "refused" | "accepted" | "either";
}

function baseConfig(): ConfigValues {
    return {
        hfToken: HF,
        providerKeys: { OPENAI_API_KEY: OPENAI },
        models: [DEFAULT_MODEL, OPENAI_MODEL],
        databaseUrl: DATABASE_URL,
    };
}

function withBase(overrides: ConfigValues): ConfigValues {
    return { ...baseConfig(), ...overrides };
}

/** The swarm stack needs the Redis cache; the base's databaseUrl makes it an external database. */
function withSwarm(overrides: ConfigValues): ConfigValues {
    return withBase({ cacheType: "redis", ...overrides });
}

const REDIS_PASSWORD = "Redis-Pa55word-0123";

function reader(config: ConfigValues): (key: string) => string | undefined {
    return (key) => {
        const value = config[key];
        if (value === undefined) {
            return undefined;
        }
        return typeof value === "string" ? value : JSON.stringify(value);
    };
}

// ------------------------------------------------------------------------------------------------
// A small seeded generator: the same members on every run.
// ------------------------------------------------------------------------------------------------

function generator(seed: number) {
    let state = seed >>> 0;
    const next = () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const word = (length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") =>
        Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
    const insertAt = (text: string, piece: string) => {
        const at = 1 + Math.floor(next() * (text.length - 1));
        return `${text.slice(0, at)}${piece}${text.slice(at)}`;
    };
    return { next, pick, word, insertAt };
}

const CONTROL_CHARACTERS = ["\n", "\r", "\u0000", " ", "\t", "\u001b", "\u007f", "\u0085", "\u2028", "\ufeff"];

// ------------------------------------------------------------------------------------------------
// The classes
// ------------------------------------------------------------------------------------------------

/** 1. Environment references where none is meant. */
function environmentReferenceMembers(): Member[] {
    const handPicked: Member[] = [
        { title: "a model named after the master key", config: withBase({ models: [{ ...DEFAULT_MODEL, name: "os.environ/LITELLM_MASTER_KEY" }] }), expect: "refused" },
        { title: "a model named after the database URL", config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, name: "os.environ/DATABASE_URL" }] }), expect: "refused" },
        { title: "a model id that is a reference", config: withBase({ models: [{ ...DEFAULT_MODEL, model: "os.environ/HF_TOKEN" }] }), expect: "refused" },
        { title: "an apiBase that is a reference", config: withBase({ models: [{ name: "local", model: "ollama/llama3", apiBase: "os.environ/OPENAI_API_KEY" }] }), expect: "refused" },
        { title: "a fallback to a reference", config: withBase({ fallbacks: { default: ["os.environ/LITELLM_SALT_KEY"] } }), expect: "refused" },
        { title: "a fallback from a reference", config: withBase({ fallbacks: { "os.environ/UI_PASSWORD": ["openai"] } }), expect: "refused" },
        { title: "a key limited to a reference", config: withBase({ virtualKeys: [{ alias: "aiterm", models: ["os.environ/LITELLM_MASTER_KEY"] }] }), expect: "refused" },
    ];
    const g = generator(1);
    const generated: Member[] = Array.from({ length: 30 }, (_, index) => {
        const reference = `os.environ/${g.pick(["LITELLM_MASTER_KEY", "DATABASE_URL", "LITELLM_SALT_KEY", "UI_PASSWORD", "HF_TOKEN", "OPENAI_API_KEY", g.word(8)])}`;
        const where = g.pick(["name", "model", "apiBase", "fallbackTarget", "fallbackSource", "keyModel", "contextFallback"] as const);
        const models = [DEFAULT_MODEL, { ...OPENAI_MODEL }] as Record<string, unknown>[];
        const config = withBase({});
        switch (where) {
            case "name":
            case "model":
            case "apiBase":
                models[1] = { ...OPENAI_MODEL, [where]: reference };
                config.models = models;
                break;
            case "fallbackTarget":
                config.fallbacks = { default: [reference] };
                break;
            case "fallbackSource":
                config.fallbacks = { [reference]: ["default"] };
                break;
            case "contextFallback":
                config.contextWindowFallbacks = { default: ["openai", reference] };
                break;
            case "keyModel":
                config.virtualKeys = [{ alias: "aiterm", models: [reference] }];
                break;
        }
        return { title: `generated ${index}: ${reference} as ${where}`, config, expect: "refused" as const };
    });
    return [...handPicked, ...generated];
}

/** 2. Control characters and malformed secrets. */
function controlCharacterMembers(): Member[] {
    const handPicked: Member[] = [
        { title: "a token with a newline inside", config: withBase({ hfToken: "hf_abcdefgh\nijklmnopqrstuvwxyz" }), secrets: ["hf_abcdefgh\nijklmnopqrstuvwxyz"], expect: "refused" },
        { title: "a token with a carriage return inside", config: withBase({ hfToken: "hf_abcdefgh\rijklmnop" }), secrets: ["hf_abcdefgh\rijklmnop"], expect: "refused" },
        { title: "a token with a NUL inside", config: withBase({ hfToken: "hf_abcdefgh\u0000ijklmnop" }), secrets: ["hf_abcdefgh\u0000ijklmnop"], expect: "refused" },
        { title: "a token with a space inside", config: withBase({ hfToken: "hf_abcdefgh ijklmnop" }), secrets: ["hf_abcdefgh ijklmnop"], expect: "refused" },
        {
            title: "a provider key with a header injection",
            config: withBase({ providerKeys: { OPENAI_API_KEY: "sk-live-0123\r\nX-Evil: 1" } }),
            secrets: ["sk-live-0123\r\nX-Evil: 1"],
            expect: "refused",
        },
        { title: "a database URL with a newline", config: withBase({ databaseUrl: `${DATABASE_URL}\nsslmode=disable` }), stack: "hfspaces", secrets: [`${DATABASE_URL}\nsslmode=disable`], expect: "refused" },
        { title: "an apiBase with a newline (URL() would drop it)", config: withBase({ models: [{ name: "local", model: "ollama/llama3", apiBase: "http://host.docker.\ninternal:11434" }] }), expect: "refused" },
        { title: "a key metadata value with an escape sequence", config: withBase({ virtualKeys: [{ alias: "aiterm", metadata: { owner: "me\u001b[2J" } }] }), expect: "refused" },
        { title: "a token with a trailing newline (trimmed, accepted)", config: withBase({ hfToken: `${HF}\n` }), expect: "accepted" },
        { title: "a Redis host with a newline", config: withSwarm({ redisHost: "redis.example\nINJECT", redisPassword: REDIS_PASSWORD }), stack: "swarm", secrets: [REDIS_PASSWORD], expect: "refused" },
        { title: "a Redis password with a newline inside", config: withSwarm({ redisHost: "redis.example", redisPassword: "Redis-Pa55\nword-0123" }), stack: "swarm", secrets: ["Redis-Pa55\nword-0123"], expect: "refused" },
        { title: "a public host with a line separator", config: withSwarm({ swarmPublicHost: "node1\u2028x" }), stack: "swarm", expect: "refused" },
        { title: "a data node label with an escape sequence", config: withSwarm({ swarmDataNodeLabel: "data\u001b[2J" }), stack: "swarm", expect: "refused" },
        { title: "an external Redis on swarm (accepted)", config: withSwarm({ redisHost: "redis.internal.example", redisPassword: REDIS_PASSWORD }), stack: "swarm", secrets: [REDIS_PASSWORD], expect: "accepted" },
    ];
    const g = generator(2);
    const generated: Member[] = Array.from({ length: 30 }, (_, index) => {
        const character = g.pick(CONTROL_CHARACTERS);
        const where = g.pick(["hfToken", "providerKey", "databaseUrl", "modelName", "modelId", "alias", "dashboardUsername", "spaceName"] as const);
        const config = withBase({});
        let secrets: string[] = [];
        let stack = "dev";
        switch (where) {
            case "hfToken":
                config.hfToken = g.insertAt(HF, character);
                secrets = [config.hfToken as string];
                break;
            case "providerKey":
                config.providerKeys = { OPENAI_API_KEY: g.insertAt(OPENAI, character) };
                secrets = [(config.providerKeys as Record<string, string>).OPENAI_API_KEY];
                break;
            case "databaseUrl":
                config.databaseUrl = g.insertAt(DATABASE_URL, character);
                secrets = [config.databaseUrl as string];
                stack = "hfspaces";
                break;
            case "modelName":
                config.models = [DEFAULT_MODEL, { ...OPENAI_MODEL, name: g.insertAt("openai", character) }];
                break;
            case "modelId":
                config.models = [DEFAULT_MODEL, { ...OPENAI_MODEL, model: g.insertAt("openai/gpt-4o-mini", character) }];
                break;
            case "alias":
                config.virtualKeys = [{ alias: g.insertAt("aiterm", character) }];
                break;
            case "dashboardUsername":
                config.dashboardUsername = g.insertAt("admin", character);
                break;
            case "spaceName":
                config.spaceName = g.insertAt("aiterm-litellm", character);
                stack = "hfspaces";
                break;
        }
        return { title: `generated ${index}: ${JSON.stringify(character)} in ${where}`, config, secrets, stack, expect: "refused" as const };
    });
    return [...handPicked, ...generated];
}

/** 3. Credentials and cleartext in URLs. */
function urlMembers(): Member[] {
    const handPicked: Member[] = [
        { title: "a Hub endpoint over plain http", config: withBase({ hfEndpoint: "http://huggingface.co" }), stack: "hfspaces", expect: "refused" },
        { title: "a Hub endpoint with a password", config: withBase({ hfEndpoint: "https://me:Hub-Pa55@hub.example.com" }), stack: "hfspaces", secrets: ["Hub-Pa55"], expect: "refused" },
        {
            title: "a Hub endpoint from HF_ENDPOINT with a password",
            config: withBase({}),
            environment: { HF_ENDPOINT: "https://me:Env-Pa55@hub.example.com" },
            stack: "hfspaces",
            secrets: ["Env-Pa55"],
            expect: "refused",
        },
        { title: "an apiBase with a password", config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiBase: "https://u:Api-Pa55@api.example.com/v1" }] }), secrets: ["Api-Pa55"], expect: "refused" },
        { title: "an apiBase with a key, over plain http to a public host", config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiBase: "http://api.openai.com/v1" }] }), expect: "refused" },
        { title: "an apiBase with a user only", config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiBase: "https://token@api.example.com" }] }), expect: "refused" },
        { title: "a keyless Ollama over http on the host", config: withBase({ models: [DEFAULT_MODEL, { name: "local", model: "ollama/llama3", apiBase: "http://host.docker.internal:11434" }] }), expect: "accepted" },
        { title: "a keyed vLLM over http on a private address", config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiBase: "http://192.168.1.20:8000/v1" }] }), expect: "accepted" },
        { title: "a Hub mirror on this machine over http", config: withBase({ hfEndpoint: "http://127.0.0.1:8080" }), stack: "hfspaces", expect: "accepted" },
        { title: "a Redis URL with its password as redisHost", config: withSwarm({ redisHost: "redis://:Redis-Url-Pa55@redis.example:6379", redisPassword: REDIS_PASSWORD }), stack: "swarm", secrets: ["Redis-Url-Pa55", REDIS_PASSWORD], expect: "refused" },
        { title: "a public host with credentials", config: withSwarm({ swarmPublicHost: "me:Host-Pa55@node1.example" }), stack: "swarm", secrets: ["Host-Pa55"], expect: "refused" },
        { title: "a public host as a URL", config: withSwarm({ swarmPublicHost: "http://node1.example:4000" }), stack: "swarm", expect: "refused" },
    ];
    const g = generator(3);
    const generated: Member[] = Array.from({ length: 25 }, (_, index) => {
        const password = `Gen-${g.word(10)}`;
        const host = g.pick(["api.example.com", "llm.corp.example", "8.8.8.8", "models.example.org"]);
        const kind = g.pick(["hubCredentials", "hubCleartext", "apiBaseCredentials", "apiBaseCleartextWithKey"] as const);
        switch (kind) {
            case "hubCredentials":
                return { title: `generated ${index}: Hub endpoint with credentials`, config: withBase({ hfEndpoint: `https://user:${password}@${host}` }), stack: "hfspaces", secrets: [password], expect: "refused" as const };
            case "hubCleartext":
                return { title: `generated ${index}: Hub endpoint over http to ${host}`, config: withBase({ hfEndpoint: `http://${host}` }), stack: "hfspaces", expect: "refused" as const };
            case "apiBaseCredentials":
                return {
                    title: `generated ${index}: apiBase with credentials`,
                    config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiBase: `https://key:${password}@${host}/v1` }] }),
                    secrets: [password],
                    expect: "refused" as const,
                };
            case "apiBaseCleartextWithKey":
                return { title: `generated ${index}: keyed apiBase over http to ${host}`, config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiBase: `http://${host}/v1` }] }), expect: "refused" as const };
        }
    });
    return [...handPicked, ...generated];
}

/** 4. Environment names that control the process or the proxy, not a provider. */
const DANGEROUS_NAMES = [
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "PATH",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "HOME",
    "SSL_VERIFY",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "HTTPS_PROXY",
    "NO_PROXY",
    "LITELLM_CONFIG_BUCKET_NAME",
    "LITELLM_CONFIG_BUCKET_TYPE",
    "LITELLM_MASTER_KEY",
    "LITELLM_SALT_KEY",
    "DATABASE_URL",
    "REDIS_HOST",
    "UI_PASSWORD",
    "STORE_MODEL_IN_DB",
    "DISABLE_SCHEMA_UPDATE",
    "CONFIG_FILE_PATH",
    "PORT",
    "LITELLM_LICENSE",
    "DEFAULT_COOLDOWN_TIME_SECONDS",
    "PROXY_BASE_URL",
    "AWS_ACCESS_KEY_ID",
    "LITELLM_API_KEY",
];

function environmentNameMembers(): Member[] {
    const handPicked: Member[] = [
        { title: "LD_PRELOAD as a provider key", config: withBase({ providerKeys: { LD_PRELOAD: "/tmp/evil.so-000" } }), expect: "refused" },
        { title: "PYTHONPATH as a provider key", config: withBase({ providerKeys: { PYTHONPATH: "/tmp/evil-000" } }), expect: "refused" },
        { title: "the config bucket as a provider key", config: withBase({ providerKeys: { LITELLM_CONFIG_BUCKET_NAME: "attacker-bucket" } }), expect: "refused" },
        { title: "SSL_VERIFY as a provider key", config: withBase({ providerKeys: { SSL_VERIFY: "False-000" } }), expect: "refused" },
        { title: "HOME as a model's key variable", config: withBase({ models: [{ ...DEFAULT_MODEL, apiKeyEnv: "HOME" }] }), expect: "refused" },
        { title: "the master key as a model's key variable", config: withBase({ models: [{ ...DEFAULT_MODEL, apiKeyEnv: "LITELLM_MASTER_KEY" }] }), expect: "refused" },
        { title: "a lower-case name", config: withBase({ providerKeys: { openai_api_key: OPENAI } }), expect: "refused" },
        { title: "an ordinary provider key", config: withBase({ providerKeys: { OPENAI_API_KEY: OPENAI, ANTHROPIC_API_KEY: "sk-ant-0123456789" } }), secrets: ["sk-ant-0123456789"], expect: "accepted" },
    ];
    const g = generator(4);
    const generated: Member[] = Array.from({ length: 30 }, (_, index) => {
        const name = g.next() < 0.7 ? g.pick(DANGEROUS_NAMES) : `${g.pick(["LITELLM_", "PROXY_", "REDIS_", "UI_", "DATABASE_"])}${g.word(5, "ABCDEFGHIJ")}_API_KEY`;
        const where = g.pick(["providerKeys", "apiKeyEnv"] as const);
        const config =
            where === "providerKeys"
                ? withBase({ providerKeys: { OPENAI_API_KEY: OPENAI, [name]: "value-0123456789" } })
                : withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, apiKeyEnv: name }], providerKeys: { OPENAI_API_KEY: OPENAI } });
        return { title: `generated ${index}: ${name} in ${where}`, config, secrets: ["value-0123456789"], expect: "refused" as const };
    });
    return [...handPicked, ...generated];
}

/** 5. YAML 1.1 on the reading side: strings PyYAML would read as something else. */
const YAML_11_TRAPS = [
    "on", "off", "yes", "no", "On", "OFF", "Yes", "NO", "true", "False", "y", "n",
    "1:30", "12:30:45", "2024-08-06", "2024-08-06t12:00:00", "1_000", "0x1F", "0o17", "0b101", "012", "1e3", "1.5", "+12", "-1",
    ".inf", ".NaN", "~", "null", "Null", "1.0", "0", "1_0.5", "190:20:30", "6.8523015e+5",
];

function yamlMembers(): Member[] {
    const members: Member[] = YAML_11_TRAPS.slice(0, 8).map((name) => ({
        title: `a model named ${JSON.stringify(name)}`,
        config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, name }], fallbacks: { default: [name] }, virtualKeys: [{ alias: "aiterm", models: [name] }] }),
        expect: "either" as const,
    }));
    members.push(
        { title: "the smallest budget", config: withBase({ maxBudget: "0.000001", virtualKeys: [{ alias: "aiterm", maxBudget: 0.000001 }] }), expect: "accepted" },
        { title: "the largest budget", config: withBase({ maxBudget: "1000000" }), expect: "accepted" },
        { title: "the largest rate limits", config: withBase({ models: [{ ...DEFAULT_MODEL, rpm: 1_000_000_000, tpm: "1000000000" }] }), expect: "accepted" },
        { title: "a model id with a colon and a date", config: withBase({ models: [DEFAULT_MODEL, { ...OPENAI_MODEL, model: "openai/gpt-4o-2024-08-06" }, { name: "llama", model: "ollama/llama3:8b" }] }), expect: "accepted" },
    );
    const g = generator(5);
    for (let index = 0; index < 30; index++) {
        const name = g.pick(YAML_11_TRAPS);
        const models = [DEFAULT_MODEL, { ...OPENAI_MODEL, name, rpm: Math.ceil(g.next() * 1000) }];
        members.push({
            title: `generated ${index}: model ${JSON.stringify(name)}`,
            config: withBase({ models, contextWindowFallbacks: { [name]: ["default"] }, maxBudget: `${Math.floor(g.next() * 100)}.${Math.floor(g.next() * 1_000_000)}` }),
            expect: "either",
        });
    }
    return members;
}

/** 6. Numbers that are not numbers. */
function numberMembers(): Member[] {
    const handPicked: Member[] = [
        { title: "a key budget of 1e309 (Infinity once parsed)", config: { ...baseConfig(), virtualKeys: '[{"alias":"aiterm","maxBudget":1e309}]' }, expect: "refused" },
        { title: "a key budget of NaN", config: withBase({ virtualKeys: [{ alias: "aiterm", maxBudget: "NaN" }] }), expect: "refused" },
        { title: "a fractional rpm limit", config: withBase({ virtualKeys: [{ alias: "aiterm", rpmLimit: 1.5 }] }), expect: "refused" },
        { title: "a budget in exponent form", config: withBase({ maxBudget: "1e-7" }), expect: "refused" },
        { title: "a model rpm of 1e309", config: { ...baseConfig(), models: '[{"name":"default","model":"huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct","apiKeyEnv":"HF_TOKEN","rpm":1e309}]' }, expect: "refused" },
        { title: "retries in exponent form", config: withBase({ numRetries: "1e1" }), expect: "refused" },
        { title: "a port in hex", config: withBase({ port: "0x1F90" }), expect: "refused" },
        { title: "a TTL with a separator", config: withBase({ cacheTtlSeconds: "1_000" }), expect: "refused" },
        { title: "a budget of Infinity", config: withBase({ maxBudget: "Infinity" }), expect: "refused" },
        { title: "a negative tpm", config: withBase({ models: [{ ...DEFAULT_MODEL, tpm: -5 }] }), expect: "refused" },
        { title: "replicas in exponent form", config: withSwarm({ swarmReplicas: "1e1" }), stack: "swarm", expect: "refused" },
        { title: "a front door port in hex", config: withSwarm({ swarmPort: "0x1F90" }), stack: "swarm", expect: "refused" },
        { title: "a connection budget with a separator", config: withSwarm({ swarmDatabaseConnectionBudget: "1_000" }), stack: "swarm", expect: "refused" },
        { title: "a connection budget too small for a rolling update", config: withSwarm({ swarmReplicas: "4", swarmDatabaseConnectionBudget: "4" }), stack: "swarm", expect: "refused" },
    ];
    const g = generator(6);
    const bad: unknown[] = ["1e309", "-1", "0", "1.5", "1e-7", "0x10", "1_000", "NaN", "Infinity", "-0", "1e3", " 5 5", "五", 1.5, -3, 0, 1e21, 1e-7];
    const generated: Member[] = Array.from({ length: 30 }, (_, index) => {
        const value = g.pick(bad);
        const where = g.pick(["keyBudget", "keyRpm", "keyTpm", "modelRpm", "modelTpm", "maxBudget", "numRetries", "cacheTtlSeconds", "port"] as const);
        const config = withBase({});
        switch (where) {
            case "keyBudget":
                config.virtualKeys = [{ alias: "aiterm", maxBudget: value }];
                break;
            case "keyRpm":
                config.virtualKeys = [{ alias: "aiterm", rpmLimit: value }];
                break;
            case "keyTpm":
                config.virtualKeys = [{ alias: "aiterm", tpmLimit: value }];
                break;
            case "modelRpm":
                config.models = [{ ...DEFAULT_MODEL, rpm: value }];
                break;
            case "modelTpm":
                config.models = [{ ...DEFAULT_MODEL, tpm: value }];
                break;
            default:
                config[where] = String(value);
        }
        // 1e3 and 1e21 are whole numbers once JSON has parsed them; as a top-level key or a keyed
        // amount they must still be refused unless they fit the field.
        const acceptable = (where === "keyRpm" || where === "keyTpm" || where === "modelRpm" || where === "modelTpm") && value === 1e21 ? false : undefined;
        return { title: `generated ${index}: ${JSON.stringify(value)} as ${where}`, config, expect: acceptable === false ? "refused" : "either" };
    });
    return [...handPicked, ...generated];
}

// ------------------------------------------------------------------------------------------------
// The invariants
// ------------------------------------------------------------------------------------------------

const STACK_REFERENCES = [/^model_list\[\d+\]\.litellm_params\.api_key$/, /^general_settings\.(master_key|database_url)$/];
const OWN_VARIABLES = new Set<string>([...Object.values(PROXY_ENV), "HF_TOKEN"]);
const KNOWN_KEYS = CONFIG_KEYS.map((k) => k.key);

function secretsOf(member: Member): string[] {
    const config = member.config;
    const values = [HF, OPENAI, DATABASE_URL, DB_PASSWORD, ...(member.secrets ?? [])];
    if (typeof config.providerKeys === "object" && config.providerKeys) {
        values.push(...Object.values(config.providerKeys as Record<string, unknown>).filter((v): v is string => typeof v === "string"));
    }
    return values;
}

/** The secret, and its longer pieces (a message could quote a part of it). */
function tellTales(secret: string): string[] {
    const pieces = secret.split(/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]+/).filter((piece) => piece.length >= 8 && !/^(postgresql|https?):\/\//.test(piece));
    return [secret, ...pieces];
}

function assertNoSecret(texts: string[], member: Member, where: string): void {
    const haystack = texts.join("\n");
    for (const secret of secretsOf(member)) {
        for (const piece of tellTales(secret)) {
            if (piece.includes("pooler.supabase.com")) {
                continue; // the host is not secret; the password and the whole URL are checked
            }
            expect(haystack.includes(piece), `${member.title}: ${where} repeats ${JSON.stringify(piece)}`).toBe(false);
        }
    }
}

interface Accepted {
    member: Member;
    parsed: ParsedSettings;
    yaml: string;
    document: unknown;
}

function checkAccepted(member: Member, parsed: ParsedSettings): Accepted {
    const { proxy } = parsed.settings;
    const yaml = renderProxyConfig(proxy);
    const document = proxyConfigDocument(proxy);
    const environment = proxyEnvironment(proxy, {
        masterKey: "sk-generated-master",
        saltKey: "generated-salt",
        databaseUrl: parsed.secrets.databaseUrl ?? "postgresql://litellm:generated@litellm-db:5432/litellm",
        dashboardPassword: "generated-password",
        providerKeys: { ...parsed.secrets.providerKeys, ...(parsed.secrets.hfToken ? { HF_TOKEN: parsed.secrets.hfToken } : {}) },
    });

    assertNoSecret([JSON.stringify(parsed.settings), yaml, JSON.stringify(environment.variables), ...parsed.warnings], member, "an accepted configuration");

    for (const reference of environmentReferences(document)) {
        expect(STACK_REFERENCES.some((allowed) => allowed.test(reference.path)), `${member.title}: LiteLLM would resolve ${reference.value} at ${reference.path}`).toBe(true);
    }
    // The `yaml` package's own 1.1 reader agrees too (PyYAML is checked for all of them at once below).
    expect(parseYaml(yaml, { version: "1.1" }), member.title).toEqual(JSON.parse(JSON.stringify(document)));

    for (const name of [...Object.keys(environment.secrets), ...Object.keys(environment.variables)]) {
        expect(OWN_VARIABLES.has(name) || checkProviderKeyName(name) === "ok", `${member.title}: ${name} reaches the proxy's environment`).toBe(true);
    }
    return { member, parsed, yaml, document };
}

const SET_COMMAND = /pulumi config set((?: --secret| --path)*) ('[^']*'|[^\s,;()]+) ('[^']*'|[^\s,;()]+)/g;

/** Sets `path` (`models[1].name`, `providerKeys.X`, `fallbacks.default[0]`) in a copy of the config. */
function applyFix(config: ConfigValues, path: string, value: string): ConfigValues | undefined {
    const parts = path.match(/[^.[\]]+|\[\d+\]/g);
    if (!parts) {
        return undefined;
    }
    const next = structuredClone(config);
    const [top, ...rest] = parts;
    if (rest.length === 0) {
        next[top] = value;
        return next;
    }
    let root: unknown = typeof next[top] === "string" ? JSON.parse(next[top] as string) : next[top] ?? (rest[0].startsWith("[") ? [] : {});
    next[top] = root;
    for (const [index, part] of rest.entries()) {
        const key: string | number = part.startsWith("[") ? Number(part.slice(1, -1)) : part;
        const last = index === rest.length - 1;
        const container = root as Record<string | number, unknown>;
        if (last) {
            // --path stores numbers as numbers, like the CLI.
            container[key] = /^[0-9]+$/.test(value) ? Number(value) : value;
        } else {
            container[key] ??= rest[index + 1].startsWith("[") ? [] : {};
            root = container[key];
        }
    }
    return next;
}

/** What a user types for a placeholder of a fix, so that the fix can be tried as a whole. */
function filledIn(value: string): string | undefined {
    if (value === "<api key>") {
        return "sk-filled-in-api-key-0000";
    }
    if (value === "hf_...") {
        return HF;
    }
    return /\.\.\.|<|>|URL_ENCODED|REGION/.test(value) ? undefined : value;
}

function checkRefused(member: Member, problems: readonly ConfigProblem[]): void {
    assertNoSecret(problems.flatMap((p) => [p.key, p.problem, p.fix]), member, "a message");
    for (const problem of problems) {
        const top = problem.key.split(/[.[]/)[0];
        expect(KNOWN_KEYS, `${member.title}: ${problem.key}`).toContain(top);
        expect(problem.fix.length, `${member.title}: ${problem.key} has no fix`).toBeGreaterThan(5);
        // Every command of the fix, applied together, must leave the key without a problem.
        let fixed: ConfigValues | undefined = member.config;
        const keys: string[] = [];
        for (const [, , rawKey, rawValue] of problem.fix.matchAll(SET_COMMAND)) {
            const key = rawKey.replace(/^'|'$/g, "");
            const value = filledIn(rawValue.replace(/^'|'$/g, ""));
            if (value === undefined || /<|>/.test(key) || !fixed) {
                fixed = undefined;
                break;
            }
            keys.push(key);
            fixed = applyFix(fixed, key, value);
        }
        if (!fixed || keys.length === 0) {
            continue;
        }
        let after: readonly ConfigProblem[] = [];
        try {
            parseSettings(reader(fixed), member.stack ?? "dev", member.environment ?? {});
        } catch (error) {
            after = (error as ConfigError).problems ?? [];
        }
        const same = after.filter((p) => keys.includes(p.key) || p.key === problem.key);
        expect(same, `${member.title}: the fix "${problem.fix}" for ${problem.key} is refused in turn`).toEqual([]);
    }
}

function run(member: Member): Accepted | undefined {
    const environment = member.environment ?? {};
    let parsed: ParsedSettings;
    try {
        parsed = parseSettings(reader(member.config), member.stack ?? "dev", environment);
    } catch (error) {
        expect(error, member.title).toBeInstanceOf(ConfigError);
        expect(member.expect, `${member.title} was refused: ${JSON.stringify((error as ConfigError).problems)}`).not.toBe("accepted");
        checkRefused(member, (error as ConfigError).problems);
        return undefined;
    }
    expect(member.expect, `${member.title} was accepted`).not.toBe("refused");
    return checkAccepted(member, parsed);
}

const CLASSES: [string, () => Member[]][] = [
    ["1. environment references where none is meant", environmentReferenceMembers],
    ["2. control characters and malformed secrets", controlCharacterMembers],
    ["3. credentials and cleartext in URLs", urlMembers],
    ["4. environment names that control the process or the proxy", environmentNameMembers],
    ["5. YAML 1.1 on the reading side", yamlMembers],
    ["6. numbers that are not numbers", numberMembers],
];

const accepted: Accepted[] = [];

describe("hostile and careless configuration", () => {
    for (const [title, members] of CLASSES) {
        describe(title, () => {
            const list = members();

            it("has at least five hand-picked and twenty generated members", () => {
                expect(list.filter((m) => !m.title.startsWith("generated")).length).toBeGreaterThanOrEqual(5);
                expect(list.filter((m) => m.title.startsWith("generated")).length).toBeGreaterThanOrEqual(20);
            });

            it("keeps every invariant for every member", () => {
                for (const member of list) {
                    const result = run(member);
                    if (result) {
                        accepted.push(result);
                    }
                }
            });
        });
    }

    const inCI = process.env.CI === "true";
    const havePyYAML = pyyamlAvailable();
    if (!havePyYAML && inCI) {
        throw new Error("PyYAML (Debian's python3-yaml) is needed in CI to read config.yaml as LiteLLM does; .ci/run installs it.");
    }
    it.skipIf(!havePyYAML)("every accepted config.yaml reads back the same under PyYAML, LiteLLM's YAML 1.1 reader", () => {
        expect(accepted.length).toBeGreaterThan(40);
        const loaded = loadWithPyYAML(accepted.map((a) => a.yaml));
        loaded.forEach((result, index) => {
            const { member, document } = accepted[index];
            expect(result, `${member.title}: PyYAML read\n${accepted[index].yaml}`).toEqual({ ok: JSON.parse(JSON.stringify(document)) });
        });
    });
});

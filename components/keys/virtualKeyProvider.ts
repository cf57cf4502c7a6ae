/**
 * A Pulumi dynamic provider for one LiteLLM virtual key, managed through the proxy's key API
 * (`/key/generate`, `/key/info`, `/key/update`, `/key/delete`) with the master key as Bearer.
 *
 * Pulumi ships a dynamic provider to its engine as source text: it serializes
 * `virtualKeyProvider` and every function and value it reaches (`pulumi.runtime.serializeFunction`).
 * So the code below only uses globals at run time, functions of this module and of the admin
 * client (components/litellm/adminClient.ts, which follows the same rules and does every HTTP
 * request); `import type` leaves nothing behind in the compiled module. Exported constants are not
 * referenced from the provider's methods: under CommonJS they compile to `exports.NAME`, which
 * would capture the whole module object.
 *
 * Secrets: the master key arrives in plain form inside the provider (it is a secret input, kept
 * encrypted in the state); the raw key is an output that the resource lists in
 * `additionalSecretOutputs`. Neither, nor the Authorization header, ever appears in an error.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
    adminConnection,
    adminFailure,
    deleteKeys,
    generateKey,
    headerValueProblem,
    isDuplicateAlias,
    isKeyNotFound,
    isSuccess,
    issuedKeyHash,
    keyInfo,
    updateKey as updateKeyOnProxy,
    waitUntilReady,
    type AdminConnection,
} from "../litellm/adminClient";

/** The `resourceKind` input every VirtualKey carries: its engine type is the generic dynamic one. */
export const VIRTUAL_KEY_RESOURCE_KIND = "LiteLLMVirtualKey";

export interface VirtualKeyInputs {
    /** Marks the resource for policies and tests (`LiteLLMVirtualKey`). */
    resourceKind?: string;
    /** Base URL of the proxy, e.g. `http://127.0.0.1:4000`. */
    proxyUrl: string;
    /** The proxy's master key (LITELLM_MASTER_KEY; LiteLLM's convention is an `sk-` prefix). */
    masterKey: string;
    /** LiteLLM's `key_alias`: unique across the proxy. */
    alias: string;
    /** Model names the key may call; empty means every model. */
    models: string[];
    /** Spending limit in USD. */
    maxBudget?: number;
    /** Budget reset period (`30d`, `1h`, `1mo`). */
    budgetDuration?: string;
    rpmLimit?: number;
    tpmLimit?: number;
    metadata?: Record<string, string>;
    /** How long create, update and delete wait for a proxy that is not ready yet. */
    readyTimeoutSeconds: number;
    /** Timeout of each HTTP request. */
    requestTimeoutSeconds: number;
}

export interface VirtualKeyOutputs extends VirtualKeyInputs {
    /** The raw key (`sk-...`): a secret output. */
    key: string;
    /** LiteLLM's SHA-256 hash of the key (its `token_id`): the resource's id. */
    token: string;
    /** USD spent with the key, as of the last create, update or refresh. */
    spend: number;
    expires: string | null;
    createdAt: string | null;
}

// ---------------------------------------------------------------------------------------------
// check and diff: plain decisions, no network
// ---------------------------------------------------------------------------------------------

/** Everything wrong with a set of inputs; values Pulumi does not know yet (previews) are skipped. */
export function validateVirtualKeyInputs(inputs: Partial<Record<keyof VirtualKeyInputs, unknown>>): pulumi.dynamic.CheckFailure[] {
    // Pulumi's marker for a value only known after an update (rpc.unknownValue).
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason });
    const known = (value: unknown) => value !== unknown;
    const positive = (property: keyof VirtualKeyInputs, integer: boolean) => {
        const value = inputs[property];
        if (value === undefined || value === null || !known(value)) {
            return;
        }
        if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
            fail(property, `must be a positive ${integer ? "whole number" : "number"}, got ${JSON.stringify(value)}`);
        }
    };

    const { proxyUrl, masterKey, alias, models, budgetDuration, metadata } = inputs;
    if (known(proxyUrl)) {
        if (typeof proxyUrl !== "string" || !/^https?:\/\/[^\s/]+/.test(proxyUrl)) {
            fail("proxyUrl", `must be the proxy's base URL such as http://127.0.0.1:4000, got ${JSON.stringify(proxyUrl)}`);
        }
    }
    if (known(masterKey)) {
        // The value itself is a secret: never echo it.
        // No sk- check: LiteLLM's key API compares the master key before it looks at any prefix
        // (litellm/proxy/auth/user_api_key_auth.py), and the proxy starts with one that lacks it
        // (litellm/proxy/auth/master_key_boot_check.py). A blank key, or one that cannot travel in an
        // HTTP header, can never authenticate.
        if (typeof masterKey !== "string" || masterKey.trim().length === 0) {
            fail("masterKey", "is required: the proxy's master key (LITELLM_MASTER_KEY)");
        } else {
            const problem = headerValueProblem(masterKey);
            if (problem) {
                fail("masterKey", `${problem}, so it cannot be sent as a Bearer token; set the proxy's LITELLM_MASTER_KEY without it`);
            }
        }
    }
    if (known(alias)) {
        if (typeof alias !== "string" || alias.length === 0) {
            fail("alias", "is required: the key's name on the proxy (LiteLLM's key_alias)");
        } else if (!/^[A-Za-z0-9._-]+$/.test(alias)) {
            fail("alias", `may only contain letters, digits, '.', '_' and '-', got ${JSON.stringify(alias)}`);
        }
    }
    if (known(models) && models !== undefined) {
        if (!Array.isArray(models) || models.some((m) => known(m) && (typeof m !== "string" || m.length === 0))) {
            fail("models", "must be a list of model names (an empty list allows every model)");
        }
    }
    positive("maxBudget", false);
    positive("rpmLimit", true);
    positive("tpmLimit", true);
    positive("readyTimeoutSeconds", false);
    positive("requestTimeoutSeconds", false);
    if (budgetDuration !== undefined && budgetDuration !== null && known(budgetDuration)) {
        if (typeof budgetDuration !== "string" || !/^[1-9][0-9]*(s|m|h|d|mo)$/.test(budgetDuration)) {
            fail("budgetDuration", `must be a number and a unit (s, m, h, d or mo) such as "30d", got ${JSON.stringify(budgetDuration)}`);
        }
    }
    if (metadata !== undefined && metadata !== null && known(metadata)) {
        const entries = typeof metadata === "object" && !Array.isArray(metadata) ? Object.values(metadata) : undefined;
        if (!entries || entries.some((v) => known(v) && typeof v !== "string")) {
            fail("metadata", "must map names to strings");
        }
    }
    return failures;
}

/** The LiteLLM fields (snake_case) whose value differs between the state and the new inputs. */
export function changedKeyFields(olds: Partial<VirtualKeyInputs>, news: Partial<VirtualKeyInputs>): string[] {
    const sorted = (list: string[] | undefined) => JSON.stringify([...(list ?? [])].sort());
    const entries = (map: Record<string, string> | undefined) => JSON.stringify(Object.entries(map ?? {}).sort());
    const changed: string[] = [];
    if (olds.alias !== news.alias) changed.push("key_alias");
    if (sorted(olds.models) !== sorted(news.models)) changed.push("models");
    if (olds.maxBudget !== news.maxBudget) changed.push("max_budget");
    if (olds.budgetDuration !== news.budgetDuration) changed.push("budget_duration");
    if (olds.rpmLimit !== news.rpmLimit) changed.push("rpm_limit");
    if (olds.tpmLimit !== news.tpmLimit) changed.push("tpm_limit");
    if (entries(olds.metadata) !== entries(news.metadata)) changed.push("metadata");
    return changed;
}

/**
 * Replace only for another proxy. Limits, models, metadata and the alias update in place.
 *
 * The master key and the timeouts are not part of the key, but they are still reported as a
 * change (an update that makes no /key/update call): `read` and `delete` only receive the
 * state's outputs, and Pulumi keeps the old outputs when a diff reports no change. After a
 * master key rotation reported as "no change", `pulumi refresh` and `pulumi destroy` would keep
 * presenting the revoked master key.
 */
export function diffVirtualKey(olds: VirtualKeyOutputs, news: VirtualKeyInputs): pulumi.dynamic.DiffResult {
    const base = (url: string | undefined) => (url ?? "").replace(/\/+$/, "");
    const replaces = base(olds.proxyUrl) !== base(news.proxyUrl) ? ["proxyUrl"] : [];
    const keyChanges = changedKeyFields(olds, news);
    const settingChanges = (["masterKey", "readyTimeoutSeconds", "requestTimeoutSeconds", "resourceKind"] as const).filter(
        (name) => olds[name] !== news[name],
    );
    return {
        changes: replaces.length > 0 || keyChanges.length > 0 || settingChanges.length > 0,
        replaces,
        // The key and its hash survive an update; a replacement issues new ones.
        stables: replaces.length > 0 ? [] : ["token", "key"],
        deleteBeforeReplace: false,
    };
}

// ---------------------------------------------------------------------------------------------
// The key API, through the one admin client (components/litellm/adminClient.ts)
// ---------------------------------------------------------------------------------------------

function connectionOf(
    settings: Pick<VirtualKeyInputs, "proxyUrl" | "masterKey" | "readyTimeoutSeconds" | "requestTimeoutSeconds">,
    rawKey?: string,
): AdminConnection {
    return adminConnection({
        proxyUrl: settings.proxyUrl,
        masterKey: settings.masterKey,
        readyTimeoutSeconds: settings.readyTimeoutSeconds,
        requestTimeoutSeconds: settings.requestTimeoutSeconds,
        secrets: [rawKey],
    });
}

function keyGoneOnUpdate(conn: AdminConnection, alias: string): Error {
    return new Error(
        `The virtual key "${alias}" no longer exists on the proxy at ${conn.baseUrl}: it was deleted outside Pulumi ` +
            "(or the proxy's database was reset). Run `pulumi refresh` to drop it from the stack's state, then " +
            "`pulumi up` to create a new key; clients then need the new key (`pulumi stack output --show-secrets`).",
    );
}

// ---------------------------------------------------------------------------------------------
// Mapping between the provider's properties and LiteLLM's
// ---------------------------------------------------------------------------------------------

/** The inputs without the ones left out, since Pulumi's wire format has no `undefined`. */
function definedInputs(inputs: VirtualKeyInputs): VirtualKeyInputs {
    const out: Record<string, unknown> = {};
    const names: (keyof VirtualKeyInputs)[] = [
        "resourceKind",
        "proxyUrl",
        "masterKey",
        "alias",
        "models",
        "maxBudget",
        "budgetDuration",
        "rpmLimit",
        "tpmLimit",
        "metadata",
        "readyTimeoutSeconds",
        "requestTimeoutSeconds",
    ];
    for (const name of names) {
        if (inputs[name] !== undefined && inputs[name] !== null) {
            out[name] = inputs[name];
        }
    }
    out.models = inputs.models ?? [];
    return out as unknown as VirtualKeyInputs;
}

function outputsOf(
    inputs: VirtualKeyInputs,
    issued: { key: string; token: string; spend: number; expires: string | null; createdAt: string | null },
): VirtualKeyOutputs {
    return { ...definedInputs(inputs), ...issued };
}

/** The body of /key/generate (snake_case); null and left-out inputs are not sent. */
function generateBody(inputs: VirtualKeyInputs): Record<string, unknown> {
    const body: Record<string, unknown> = { key_alias: inputs.alias, models: inputs.models ?? [] };
    if (inputs.maxBudget !== undefined && inputs.maxBudget !== null) body.max_budget = inputs.maxBudget;
    if (inputs.budgetDuration !== undefined && inputs.budgetDuration !== null) body.budget_duration = inputs.budgetDuration;
    if (inputs.rpmLimit !== undefined && inputs.rpmLimit !== null) body.rpm_limit = inputs.rpmLimit;
    if (inputs.tpmLimit !== undefined && inputs.tpmLimit !== null) body.tpm_limit = inputs.tpmLimit;
    if (inputs.metadata !== undefined && inputs.metadata !== null) body.metadata = inputs.metadata;
    return body;
}

/**
 * The body of /key/update: only the changed fields. A limit that was removed is sent as null,
 * which LiteLLM stores (it applies every field that is present); removed metadata becomes {}.
 */
export function updateBody(token: string, olds: Partial<VirtualKeyInputs>, news: Partial<VirtualKeyInputs>): Record<string, unknown> {
    const body: Record<string, unknown> = { key: token };
    for (const field of changedKeyFields(olds, news)) {
        switch (field) {
            case "key_alias":
                body.key_alias = news.alias;
                break;
            case "models":
                body.models = news.models ?? [];
                break;
            case "metadata":
                body.metadata = news.metadata ?? {};
                break;
            case "max_budget":
                body.max_budget = news.maxBudget ?? null;
                break;
            case "budget_duration":
                body.budget_duration = news.budgetDuration ?? null;
                break;
            case "rpm_limit":
                body.rpm_limit = news.rpmLimit ?? null;
                break;
            case "tpm_limit":
                body.tpm_limit = news.tpmLimit ?? null;
                break;
        }
    }
    return body;
}

function stringOrNull(value: unknown): string | null {
    return typeof value === "string" && value.length > 0 ? value : null;
}

function numberOr(value: unknown, fallback: number): number {
    return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** The key's properties as LiteLLM reports them in /key/info's `info`, in the provider's names. */
function propertiesFromInfo(info: Record<string, unknown>, previous: VirtualKeyOutputs): VirtualKeyInputs {
    const optionalNumber = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : undefined);
    const metadata: Record<string, string> = {};
    if (info.metadata && typeof info.metadata === "object") {
        // LiteLLM keeps its own non-string entries there (model limits, guardrails); only the
        // string entries can come from this resource.
        for (const [name, value] of Object.entries(info.metadata as Record<string, unknown>)) {
            if (typeof value === "string") {
                metadata[name] = value;
            }
        }
    }
    const hadMetadata = previous.metadata !== undefined;
    return {
        ...previous,
        alias: typeof info.key_alias === "string" ? info.key_alias : previous.alias,
        models: Array.isArray(info.models) ? info.models.filter((m): m is string => typeof m === "string") : previous.models,
        maxBudget: optionalNumber(info.max_budget),
        budgetDuration: typeof info.budget_duration === "string" && info.budget_duration.length > 0 ? info.budget_duration : undefined,
        rpmLimit: optionalNumber(info.rpm_limit),
        tpmLimit: optionalNumber(info.tpm_limit),
        metadata: hadMetadata || Object.keys(metadata).length > 0 ? metadata : undefined,
    };
}

// ---------------------------------------------------------------------------------------------
// The provider's methods
// ---------------------------------------------------------------------------------------------

async function checkKey(_olds: VirtualKeyInputs, news: VirtualKeyInputs): Promise<pulumi.dynamic.CheckResult<VirtualKeyInputs>> {
    return { inputs: news, failures: validateVirtualKeyInputs(news) };
}

async function diffKey(_id: string, olds: VirtualKeyOutputs, news: VirtualKeyInputs): Promise<pulumi.dynamic.DiffResult> {
    return diffVirtualKey(olds, news);
}

async function createKey(inputs: VirtualKeyInputs): Promise<pulumi.dynamic.CreateResult<VirtualKeyOutputs>> {
    const conn = connectionOf(inputs);
    await waitUntilReady(conn);
    const body = generateBody(inputs);
    let answer = await generateKey(conn, body);
    if (isDuplicateAlias(answer)) {
        // A key with this alias exists already: most likely from a `pulumi up` interrupted after
        // LiteLLM issued the key but before the state recorded it (or a retried request whose
        // first attempt went through). Adopting it is not possible: LiteLLM stores only the hash,
        // so the raw key the outputs need cannot be recovered. The stale key is deleted by alias
        // and a new one issued. Aliases are unique per proxy, so a hand-made key with this alias
        // is deleted too: pick aliases that only this stack uses.
        const removed = await deleteKeys(conn, { key_aliases: [inputs.alias] });
        if (!isSuccess(removed) && !isKeyNotFound(removed)) {
            throw adminFailure(conn, `Deleting the stale key with alias "${inputs.alias}"`, removed);
        }
        answer = await generateKey(conn, body);
    }
    if (!isSuccess(answer)) {
        throw adminFailure(conn, `Creating the virtual key "${inputs.alias}"`, answer);
    }
    const generated = (answer.body ?? {}) as Record<string, unknown>;
    const rawKey = generated.key;
    if (typeof rawKey !== "string" || !rawKey.startsWith("sk-")) {
        throw new Error(
            `Creating the virtual key "${inputs.alias}" failed: the proxy at ${conn.baseUrl} answered /key/generate without a key. ` +
                "Run `pulumi up` again; the half-created key is replaced then.",
        );
    }
    const token = await issuedKeyHash(generated, rawKey);
    return {
        id: token,
        outs: outputsOf(inputs, {
            key: rawKey,
            token,
            spend: numberOr(generated.spend, 0),
            expires: stringOrNull(generated.expires),
            createdAt: stringOrNull(generated.created_at),
        }),
    };
}

/**
 * `pulumi refresh`. A key that no longer exists yields a result without id: the dynamic provider
 * host sends it as an empty id (`resp.setId(result.id)` in
 * @pulumi/pulumi/cmd/dynamic-provider/index.js), which the engine reads as "deleted" and drops
 * the resource from the state; the next `pulumi up` creates a new key.
 */
async function readKey(id: string, props?: VirtualKeyOutputs): Promise<pulumi.dynamic.ReadResult<VirtualKeyOutputs>> {
    if (!props || typeof props.proxyUrl !== "string" || typeof props.masterKey !== "string") {
        throw new Error(
            "A LiteLLM virtual key cannot be imported or read without its state (proxy URL, master key, raw key); " +
                "declare a VirtualKey and let `pulumi up` create it.",
        );
    }
    const conn = connectionOf(props, props.key);
    const answer = await keyInfo(conn, id);
    if (isKeyNotFound(answer)) {
        return {};
    }
    if (!isSuccess(answer)) {
        throw adminFailure(conn, `Reading the virtual key "${props.alias}"`, answer);
    }
    const info = (answer.body as { info?: unknown } | undefined)?.info;
    if (!info || typeof info !== "object") {
        return {};
    }
    const record = info as Record<string, unknown>;
    return {
        id,
        props: outputsOf(propertiesFromInfo(record, props), {
            key: props.key,
            token: id,
            spend: numberOr(record.spend, props.spend ?? 0),
            expires: stringOrNull(record.expires),
            createdAt: props.createdAt ?? stringOrNull(record.created_at),
        }),
    };
}

async function updateKey(id: string, olds: VirtualKeyOutputs, news: VirtualKeyInputs): Promise<pulumi.dynamic.UpdateResult<VirtualKeyOutputs>> {
    const conn = connectionOf(news, olds.key);
    await waitUntilReady(conn);
    let spend = olds.spend ?? 0;
    let expires = olds.expires ?? null;
    if (changedKeyFields(olds, news).length > 0) {
        const answer = await updateKeyOnProxy(conn, updateBody(id, olds, news));
        if (answer.status === 404) {
            throw keyGoneOnUpdate(conn, olds.alias);
        }
        if (!isSuccess(answer)) {
            throw adminFailure(conn, `Updating the virtual key "${olds.alias}"`, answer);
        }
    } else {
        // Only the master key or a timeout changed: nothing to change on the key, but the state's
        // outputs must carry the new master key. Reading the key proves the proxy accepts it.
        const answer = await keyInfo(conn, id);
        if (isKeyNotFound(answer)) {
            throw keyGoneOnUpdate(conn, olds.alias);
        }
        if (!isSuccess(answer)) {
            throw adminFailure(conn, `Reading the virtual key "${olds.alias}"`, answer);
        }
        const info = ((answer.body as { info?: Record<string, unknown> } | undefined)?.info ?? {}) as Record<string, unknown>;
        spend = numberOr(info.spend, spend);
        expires = stringOrNull(info.expires) ?? expires;
    }
    return { outs: outputsOf(news, { key: olds.key, token: id, spend, expires, createdAt: olds.createdAt ?? null }) };
}

async function deleteKey(id: string, props: VirtualKeyOutputs): Promise<void> {
    const conn = connectionOf(props, props.key);
    await waitUntilReady(conn);
    const answer = await deleteKeys(conn, { keys: [id] });
    if (isSuccess(answer) || isKeyNotFound(answer)) {
        return; // deleted now, or already gone
    }
    throw adminFailure(conn, `Deleting the virtual key "${props.alias}"`, answer);
}

/** The provider behind `VirtualKey`; exported so that tests can call its methods directly. */
export const virtualKeyProvider: pulumi.dynamic.ResourceProvider<VirtualKeyInputs, VirtualKeyOutputs> = {
    check: checkKey,
    diff: diffKey,
    create: createKey,
    read: readKey,
    update: updateKey,
    delete: deleteKey,
};

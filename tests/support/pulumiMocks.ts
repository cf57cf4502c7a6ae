/**
 * Pulumi's mock monitor, set up the way every program and component test needs it: realistic
 * states for the provider resources this project declares, and a record of every resource's
 * inputs (secrets still marked) so tests can assert on the declared graph.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

/** The marker Pulumi's RPC layer wraps secret values in (`{[SIG_KEY]: SECRET_SIG, value}`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    type: string;
    name: string;
    custom: boolean;
    /** Inputs as the engine received them; secret values are still wrapped. */
    inputs: Record<string, unknown>;
    id: string;
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The value with every secret wrapper removed. */
export function reveal<T = unknown>(value: unknown): T {
    if (isSecretValue(value)) {
        return reveal(value.value);
    }
    if (Array.isArray(value)) {
        return value.map((v) => reveal(v)) as T;
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)])) as T;
    }
    return value as T;
}

/** Every string reachable in `value` outside a secret wrapper: what a preview or state shows in plain text. */
export function plainStrings(value: unknown): string[] {
    if (isSecretValue(value)) {
        return [];
    }
    if (typeof value === "string") {
        return [value];
    }
    if (Array.isArray(value)) {
        return value.flatMap(plainStrings);
    }
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => [k, ...plainStrings(v)]);
    }
    return [];
}

/** A deterministic stand-in for random:RandomPassword's result, honouring length and character set. */
export function mockPassword(name: string, inputs: Record<string, unknown>): string {
    const length = Number(reveal(inputs.length) ?? 16);
    const special = reveal(inputs.special) !== false;
    const specials = String(reveal(inputs.overrideSpecial) ?? "!@#$%&*()-_=+[]{}<>:?");
    const alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789" + (special ? specials : "");
    let out = "";
    let block = createHash("sha256").update(name).digest();
    while (out.length < length) {
        for (const byte of block) {
            if (out.length < length) {
                out += alphabet[byte % alphabet.length];
            }
        }
        block = createHash("sha256").update(block).digest();
    }
    if (special && !/[^A-Za-z0-9]/.test(out)) {
        out = specials[0] + out.slice(1);
    }
    return out;
}

/** The resource options the engine receives for a resource (the mocks' newResource does not see them). */
export interface RecordedOptions {
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    protect: boolean;
    /** URNs of the resources this one explicitly depends on. */
    dependencies: string[];
    parent: string;
    additionalSecretOutputs: string[];
}

interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getProtect(): boolean;
    getDependenciesList(): string[];
    getParent(): string;
    getAdditionalsecretoutputsList(): string[];
}

let optionsSink: Map<string, RecordedOptions> | undefined;

const NO_OPTIONS: RecordedOptions = {
    retainOnDelete: false,
    deleteBeforeReplace: false,
    protect: false,
    dependencies: [],
    parent: "",
    additionalSecretOutputs: [],
};

/**
 * Taps the mock monitor's registerResource, which sees the request's options, so that tests can
 * assert retainOnDelete, deleteBeforeReplace and dependsOn.
 */
function recordOptionsInto(sink: Map<string, RecordedOptions>): void {
    optionsSink = sink;
    const prototype = MockMonitor.prototype as unknown as {
        registerResource(req: RegisterResourceRequest, callback: unknown): Promise<void>;
        __optionsTapped?: boolean;
    };
    if (prototype.__optionsTapped) {
        return;
    }
    const original = prototype.registerResource;
    prototype.registerResource = function (this: unknown, req: RegisterResourceRequest, callback: unknown) {
        optionsSink?.set(`${req.getType()}::${req.getName()}`, {
            retainOnDelete: req.getRetainondelete(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            protect: req.getProtect(),
            dependencies: req.getDependenciesList(),
            parent: req.getParent(),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        });
        return original.call(this, req, callback);
    };
    prototype.__optionsTapped = true;
}

export interface MockedProgram {
    resources: RecordedResource[];
    /** The options the engine received for a resource. */
    optionsOf(resource: RecordedResource): RecordedOptions;
    byType(type: string): RecordedResource[];
    one(type: string, namePart?: string): RecordedResource;
    /** Every random password the program generated: the secrets a test must never see in plain text. */
    generatedSecrets(): string[];
}

export interface MockOptions {
    stack?: string;
    /** Config values by short key (`port`), as Pulumi stores them: strings, objects as JSON. */
    config?: Record<string, string>;
    /** Short keys whose values are secrets. */
    secretKeys?: string[];
    preview?: boolean;
    /**
     * Creates resources for real instead of mocking them (see dynamicEngine.ts and
     * tests/docker/realDockerEngine.ts): return undefined to leave a resource to the mocks.
     */
    provision?: (
        args: pulumi.runtime.MockResourceArgs,
        options: RecordedOptions,
    ) => Promise<{ id: string; state: Record<string, unknown> }> | undefined;
}

export const PROJECT = "aiterm-litellm";

export function installMocks(options: MockOptions = {}): MockedProgram {
    const resources: RecordedResource[] = [];
    const options_ = new Map<string, RecordedOptions>();
    const config = Object.fromEntries(Object.entries(options.config ?? {}).map(([k, v]) => [`${PROJECT}:${k}`, v]));
    pulumi.runtime.setAllConfig(
        config,
        (options.secretKeys ?? []).map((k) => `${PROJECT}:${k}`),
    );
    pulumi.runtime.setMocks(
        {
            async newResource(args: pulumi.runtime.MockResourceArgs) {
                const provisioned = options.provision?.(args, options_.get(`${args.type}::${args.name}`) ?? NO_OPTIONS);
                if (provisioned) {
                    const result = await provisioned;
                    resources.push({ type: args.type, name: args.name, custom: true, inputs: args.inputs, id: result.id });
                    return result;
                }
                const id = `${args.name}-id`;
                resources.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs, id });
                return { id, state: mockState(args) };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                return args.inputs;
            },
        },
        PROJECT,
        options.stack ?? "dev",
        options.preview ?? false,
    );
    recordOptionsInto(options_);
    return {
        resources,
        optionsOf(resource) {
            const recorded = options_.get(`${resource.type}::${resource.name}`);
            if (!recorded) {
                throw new Error(`no options recorded for ${resource.type} ${resource.name}`);
            }
            return recorded;
        },
        byType: (type) => resources.filter((r) => r.type === type),
        one(type, namePart) {
            const matches = resources.filter((r) => r.type === type && (namePart === undefined || r.name.includes(namePart)));
            if (matches.length !== 1) {
                throw new Error(`expected one ${type}${namePart ? ` named *${namePart}*` : ""}, found ${matches.map((m) => m.name).join(", ") || "none"}`);
            }
            return matches[0];
        },
        generatedSecrets: () =>
            resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => mockPassword(r.name, r.inputs)),
    };
}

function mockState(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    switch (args.type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: mockPassword(args.name, inputs), bcryptHash: "$2a$10$mock" };
        case "docker:index/remoteImage:RemoteImage": {
            const name = String(reveal(inputs.name));
            const imageId = `sha256:${createHash("sha256").update(name).digest("hex")}`;
            return { ...inputs, imageId, repoDigest: name.includes("@") ? name : `${name}@${imageId}` };
        }
        case "pulumi-nodejs:dynamic:Resource":
            if (reveal(inputs.resourceKind) === "LiteLLMVirtualKey") {
                // What /key/generate answers: the raw key, and LiteLLM's hash of it as the id.
                const key = `sk-${createHash("sha256").update(args.name).digest("base64url").slice(0, 22)}`;
                return { ...inputs, key, token: createHash("sha256").update(key).digest("hex"), spend: 0 };
            }
            return inputs;
        default:
            return inputs;
    }
}

/** The raw key mockState gives a virtual key resource of that name. */
export function mockVirtualKey(name: string): string {
    return `sk-${createHash("sha256").update(name).digest("base64url").slice(0, 22)}`;
}

/** Resolves an Output in a test (`Output.promise()` is internal). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

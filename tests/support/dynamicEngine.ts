/**
 * A small stand-in for the Pulumi engine's handling of dynamic resources, for tests: it takes
 * each provider exactly as Pulumi ships it (the serialized `__provider` text, loaded the way
 * Pulumi's dynamic provider host loads it) and drives it through check, diff, create, update,
 * read and delete across several runs, keeping the state between them as the engine does.
 *
 * What it does not do: previews with unknown values, parallelism, or protect/retain options.
 */
import * as pulumi from "@pulumi/pulumi";
import { reveal } from "./pulumiMocks";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

interface StateEntry {
    name: string;
    id: string;
    inputs: Record<string, unknown>;
    outs: Record<string, unknown>;
    providerText: string;
}

export interface ProviderCall {
    resource: string;
    method: "check" | "diff" | "create" | "read" | "update" | "delete";
}

export class DynamicEngine {
    /** State by resource name, in creation order. */
    readonly state = new Map<string, StateEntry>();
    readonly calls: ProviderCall[] = [];
    private registeredThisRun = new Set<string>();
    private failure: Error | undefined;
    private failureListeners: ((error: Error) => void)[] = [];
    private readonly providers = new Map<string, pulumi.dynamic.ResourceProvider>();

    /**
     * Registers one dynamic resource for the current run (the mocks' `provision` hook). A provider failure is
     * reported through `settle`; the registration itself then never completes, as a failed
     * `pulumi up` stops there (rejecting would leave the SDK's own promises rejected unhandled).
     */
    readonly provision = (args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> }> | undefined =>
        args.type === "pulumi-nodejs:dynamic:Resource" ? this.register(args) : undefined;

    private readonly register = async (args: pulumi.runtime.MockResourceArgs): Promise<{ id: string; state: Record<string, unknown> }> => {
        try {
            return await this.registerResource(args.name, reveal<Record<string, unknown>>(args.inputs));
        } catch (error) {
            return this.fail(error);
        }
    };

    /** Reports a failed registration to `settle`; the registration never completes. */
    fail(error: unknown): Promise<never> {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.failure ??= failure;
        this.failureListeners.forEach((listener) => listener(failure));
        return new Promise<never>(() => undefined);
    }

    beginRun(): void {
        this.registeredThisRun = new Set();
        this.failure = undefined;
        this.failureListeners = [];
    }

    /** Resolves with the outputs, or rejects with the first provider failure of this run. */
    async settle<T>(outputs: pulumi.Output<T>[], timeoutMs = 30_000): Promise<T[]> {
        const values = Promise.all(outputs.map((output) => new Promise<T>((resolve) => output.apply(resolve))));
        const failed = new Promise<never>((_, reject) => {
            if (this.failure) {
                reject(this.failure);
            }
            this.failureListeners.push(reject);
        });
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`the program did not settle within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
            return await Promise.race([values, failed, timeout]);
        } finally {
            clearTimeout(timer);
        }
    }

    /** After a run: resources the program no longer declares are deleted, newest first. */
    async finishRun(): Promise<void> {
        // Let the SDK finish registering outputs before the next run replaces the mock monitor.
        await waitForRPCs();
        for (const entry of [...this.state.values()].reverse()) {
            if (!this.registeredThisRun.has(entry.name)) {
                await this.deleteEntry(entry);
            }
        }
    }

    /** `pulumi refresh`: read every resource; those that are gone leave the state. */
    async refresh(): Promise<void> {
        for (const entry of [...this.state.values()]) {
            const provider = this.providerFor(entry.providerText);
            if (!provider.read) {
                continue;
            }
            this.calls.push({ resource: entry.name, method: "read" });
            const result = await provider.read(entry.id, entry.outs);
            if (!result.id) {
                this.state.delete(entry.name);
            } else {
                entry.outs = (result.props as Record<string, unknown>) ?? entry.outs;
            }
        }
    }

    /** `pulumi destroy`: delete everything, newest first. */
    async destroy(): Promise<void> {
        for (const entry of [...this.state.values()].reverse()) {
            await this.deleteEntry(entry);
        }
    }

    callsTo(method: ProviderCall["method"], resourcePart?: string): ProviderCall[] {
        return this.calls.filter((c) => c.method === method && (resourcePart === undefined || c.resource.includes(resourcePart)));
    }

    private async registerResource(name: string, rawInputs: Record<string, unknown>): Promise<{ id: string; state: Record<string, unknown> }> {
        const { __provider: providerText, ...news } = rawInputs;
        if (typeof providerText !== "string") {
            throw new Error(`dynamic resource ${name} has no serialized provider`);
        }
        this.registeredThisRun.add(name);
        const provider = this.providerFor(providerText);
        const existing = this.state.get(name);

        let inputs = news;
        if (provider.check) {
            this.calls.push({ resource: name, method: "check" });
            const checked = await provider.check(existing?.inputs ?? {}, news);
            if (checked.failures && checked.failures.length > 0) {
                throw new Error(checked.failures.map((f) => `${name}: ${f.property}: ${f.reason}`).join("\n"));
            }
            inputs = (checked.inputs as Record<string, unknown>) ?? news;
        }

        if (!existing) {
            return this.create(name, provider, providerText, inputs);
        }
        let diff: pulumi.dynamic.DiffResult = { changes: true };
        if (provider.diff) {
            this.calls.push({ resource: name, method: "diff" });
            diff = await provider.diff(existing.id, existing.outs, inputs);
        }
        if (diff.replaces && diff.replaces.length > 0) {
            if (diff.deleteBeforeReplace) {
                await this.deleteEntry(existing);
                return this.create(name, provider, providerText, inputs);
            }
            const created = await this.create(name, provider, providerText, inputs);
            await this.deleteEntry(existing, false);
            return created;
        }
        if (diff.changes !== false && provider.update) {
            this.calls.push({ resource: name, method: "update" });
            const result = await provider.update(existing.id, existing.outs, inputs);
            Object.assign(existing, { inputs, outs: (result.outs as Record<string, unknown>) ?? existing.outs, providerText });
        } else {
            Object.assign(existing, { inputs, providerText });
        }
        return { id: existing.id, state: existing.outs };
    }

    private async create(
        name: string,
        provider: pulumi.dynamic.ResourceProvider,
        providerText: string,
        inputs: Record<string, unknown>,
    ): Promise<{ id: string; state: Record<string, unknown> }> {
        this.calls.push({ resource: name, method: "create" });
        const result = await provider.create(inputs);
        const outs = (result.outs as Record<string, unknown>) ?? {};
        this.state.set(name, { name, id: result.id, inputs, outs, providerText });
        return { id: result.id, state: outs };
    }

    private async deleteEntry(entry: StateEntry, forget = true): Promise<void> {
        const provider = this.providerFor(entry.providerText);
        if (provider.delete) {
            this.calls.push({ resource: entry.name, method: "delete" });
            await provider.delete(entry.id, entry.outs);
        }
        if (forget && this.state.get(entry.name) === entry) {
            this.state.delete(entry.name);
        }
    }

    private providerFor(text: string): pulumi.dynamic.ResourceProvider {
        let provider = this.providers.get(text);
        if (!provider) {
            // What Pulumi's dynamic provider host does with the `__provider` property.
            provider = requireFromString(text).handler();
            this.providers.set(text, provider);
        }
        return provider;
    }
}

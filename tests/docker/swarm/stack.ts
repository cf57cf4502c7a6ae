/**
 * One stack's state under the Swarm harness, as `pulumi up` / `pulumi destroy` keep it: each `up`
 * installs Pulumi's mocks with the harness as the provision hook, runs the program, waits for the
 * outputs it names (or the first failure, which rejects `up` as a failed `pulumi up` ends), then
 * deletes what the run replaced or dropped.
 *
 *   const stack = new SwarmStack(target);              // LocalSwarm or SwarmNodes
 *   await stack.up(() => [program.url], { stack: "swarm", config });
 *   await stack.destroy();
 */
import * as pulumi from "@pulumi/pulumi";
import { DynamicEngine } from "../../support/dynamicEngine";
import { installMocks, MockedProgram, MockOptions, PROJECT } from "../../support/pulumiMocks";
import { RealDockerEngine } from "../realDockerEngine";
import { RealSwarmEngine, SwarmTarget } from "../realSwarmEngine";

export interface StackConfigExtras {
    /**
     * Provider configuration, as `pulumi config set docker:host unix:///...` sets it: full keys
     * (`docker:host`). The swarm program reads `docker:host` for the engine its migration job runs on.
     */
    providerConfig?: Record<string, string>;
}

export class SwarmStack {
    readonly dynamic = new DynamicEngine();
    readonly engine: RealSwarmEngine;
    /** The mocks of the last run (its registered resources and options). */
    mocked?: MockedProgram;

    /** @param withContainers also create `docker:*` containers and bridge networks, on the local engine */
    constructor(target: SwarmTarget, withContainers = false) {
        this.engine = new RealSwarmEngine(this.dynamic, target, withContainers ? new RealDockerEngine(this.dynamic) : undefined);
    }

    /**
     * One `pulumi up`: `program` declares the resources (under the mocks just installed) and returns
     * the outputs to wait for. Rejects with the first resource failure, after which, as in a failed
     * `pulumi up`, nothing is deleted; the state keeps what was done.
     */
    async up<T>(program: () => pulumi.Output<T>[], options: Omit<MockOptions, "provision"> & StackConfigExtras = {}, timeoutMs = 600_000): Promise<T[]> {
        const { providerConfig, ...mockOptions } = options;
        this.mocked = installMocks({ ...mockOptions, provision: this.engine.provision });
        if (providerConfig && Object.keys(providerConfig).length > 0) {
            // Provider configuration lives outside the project's namespace (`docker:host`), where
            // installMocks does not put anything: the whole configuration is set again with it.
            const project = Object.fromEntries(Object.entries(mockOptions.config ?? {}).map(([k, v]) => [`${PROJECT}:${k}`, v]));
            for (const key of Object.keys(providerConfig)) {
                if (!/^[a-z][a-z0-9-]*:[A-Za-z][A-Za-z0-9]*$/.test(key) || key.startsWith(`${PROJECT}:`)) {
                    throw new Error(`providerConfig takes <provider>:<key> names (docker:host), not ${JSON.stringify(key)}`);
                }
            }
            pulumi.runtime.setAllConfig(
                { ...project, ...providerConfig },
                (mockOptions.secretKeys ?? []).map((k) => `${PROJECT}:${k}`),
            );
        }
        this.engine.beginRun();
        let values: T[];
        try {
            values = await this.dynamic.settle(program(), timeoutMs);
        } catch (error) {
            // a failed `pulumi up` still finishes the operations it had started
            await this.engine.idle();
            throw error;
        }
        await this.engine.finishRun();
        return values;
    }

    destroy(): Promise<void> {
        return this.engine.destroy();
    }
}

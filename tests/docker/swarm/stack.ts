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
import { installMocks, MockedProgram, MockOptions } from "../../support/pulumiMocks";
import { RealDockerEngine } from "../realDockerEngine";
import { RealSwarmEngine, SwarmTarget } from "../realSwarmEngine";

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
    async up<T>(program: () => pulumi.Output<T>[], options: Omit<MockOptions, "provision"> = {}, timeoutMs = 600_000): Promise<T[]> {
        this.mocked = installMocks({ ...options, provision: this.engine.provision });
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

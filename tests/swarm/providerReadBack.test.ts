/**
 * What the Swarm program must declare so that @pulumi/docker 5.2.0's own behaviour does not turn
 * every `pulumi up` into a change (found by running the program under the Swarm harness):
 * durations in the form the provider reads back, the image platforms its create adds ignored,
 * content-named secrets and configs replaced create-before-delete (the bridge would delete the
 * one in use first), and the bundled Redis able to restart on its own data.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { swarmDuration } from "../../components/swarm/durations";
import { extraOptionsOf, replacementOrder, tapExtraOptions } from "../docker/realSwarmEngine";
import { goDurationNs, normalizedDurations, shortDur } from "../docker/swarm/serviceSpec";
import { MockedProgram, reveal } from "../support/pulumiMocks";
import { runSwarmProgram } from "./swarmProgram";

const SERVICE = "docker:index/service:Service";

describe("swarmDuration", () => {
    it("writes whole seconds as the provider's shortDur reads them back", () => {
        expect([0, 1, 45, 59, 60, 75, 120, 600, 3599, 3600, 3660, 3661, 7200].map(swarmDuration)).toEqual([
            "0s",
            "1s",
            "45s",
            "59s",
            "1m",
            "1m15s",
            "2m",
            "10m",
            "59m59s",
            "1h",
            "1h1m",
            "1h1m1s",
            "2h",
        ]);
    });

    it("agrees with the harness's own reading of Go's Duration.String for every second up to two hours", () => {
        for (let seconds = 0; seconds <= 7200; seconds++) {
            const written = swarmDuration(seconds);
            expect(goDurationNs(written)).toBe(seconds * 1e9);
            expect(shortDur(seconds * 1e9)).toBe(written);
        }
    });

    it("refuses what is not a whole number of seconds", () => {
        expect(() => swarmDuration(1.5)).toThrow(RangeError);
        expect(() => swarmDuration(-1)).toThrow(RangeError);
    });
});

describe("the swarm program against the provider's read-back", () => {
    let mocked: MockedProgram;

    beforeAll(async () => {
        tapExtraOptions();
        ({ mocked } = await runSwarmProgram());
    });

    it("writes every service duration as the provider reads it back, so a run without a change updates nothing", () => {
        const services = mocked.byType(SERVICE);
        expect(services).toHaveLength(4);
        for (const service of services) {
            const inputs = reveal<Record<string, unknown>>(service.inputs);
            expect(normalizedDurations(inputs), service.name).toEqual(inputs);
        }
    });

    it("ignores the image platforms the provider's create writes into every service's placement", () => {
        for (const service of mocked.byType(SERVICE)) {
            expect(extraOptionsOf(SERVICE, service.name)?.ignoreChanges, service.name).toContain("taskSpec.placement.platforms");
            // and declares none itself: the image's own platforms are the constraint, for any architecture
            expect(reveal<{ placement?: { platforms?: unknown } }>(service.inputs.taskSpec).placement?.platforms, service.name).toBeUndefined();
        }
    });

    it("replaces every content-named secret and config create-first: a service still uses the old one", () => {
        const objects = [...mocked.byType("docker:index/secret:Secret"), ...mocked.byType("docker:index/serviceConfig:ServiceConfig")];
        expect(objects.length).toBeGreaterThan(10);
        for (const object of objects) {
            expect(reveal(object.inputs.name), object.name).toBeTruthy();
            expect(replacementOrder(object.type, false, extraOptionsOf(object.type, object.name), mocked.optionsOf(object)), object.name).toBe("create-first");
        }
    });

    it("runs the bundled Redis as the image's redis user with no capability, so its entrypoint needs none to restart", () => {
        const redis = mocked.byType(SERVICE).find((s) => reveal(s.inputs.name) === "litellm-swarm-redis");
        const spec = reveal<{ containerSpec: { user?: string; capAdds?: string[]; capDrops?: string[] } }>(redis?.inputs.taskSpec).containerSpec;
        expect(spec).toMatchObject({ user: "redis", capDrops: ["ALL"] });
        expect(spec.capAdds ?? []).toEqual([]);
    });
});

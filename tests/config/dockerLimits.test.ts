/**
 * The dev stack's container limits and restart policy as settings (config/settings/docker.ts):
 * defaults that fit a laptop, whole numbers within bounds, and every refusal naming the key and a
 * fix that, applied, is accepted.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, ConfigProblem } from "../../config/messages";
import { parseSettings } from "../../config/settings";

const HF = "hf_abcdefghijklmnopqrstuvwxyz012345";

function parse(values: Record<string, string>) {
    return parseSettings((key) => ({ hfToken: HF, ...values })[key], "dev");
}

function problemsOf(values: Record<string, string>): ConfigProblem[] {
    try {
        parse(values);
    } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return [...(error as ConfigError).problems];
    }
    throw new Error("expected the configuration to be rejected");
}

/** The values the first `pulumi config set KEY VALUE` of each fix sets. */
function fixesOf(problem: ConfigProblem): Record<string, string>[] {
    return [...problem.fix.matchAll(/pulumi config set (\S+) ([^\s,;()]+)/g)].map((match) => ({ [match[1]]: match[2] }));
}

describe("container limits and restart policy", () => {
    it("default to 2048 MiB and weight 512 for the proxy, 512 MiB with 128 MiB of shared memory for the database, on-failure:5", () => {
        expect(parse({}).settings.docker).toMatchObject({
            proxyMemoryMb: 2048,
            proxyCpuShares: 512,
            databaseMemoryMb: 512,
            databaseSharedMemoryMb: 128,
            databaseCpuShares: 512,
            restartPolicy: { name: "on-failure", maxRetries: 5 },
        });
    });

    it("accept whole numbers within their bounds, and unless-stopped or on-failure:1..100", () => {
        const { docker } = parse({
            proxyMemoryMb: "512",
            proxyCpuShares: "262144",
            databaseMemoryMb: "65536",
            databaseSharedMemoryMb: "64",
            databaseCpuShares: "2",
            restartPolicy: "on-failure:100",
        }).settings;
        expect(docker).toMatchObject({ proxyMemoryMb: 512, proxyCpuShares: 262144, databaseMemoryMb: 65536, databaseSharedMemoryMb: 64, databaseCpuShares: 2 });
        expect(docker.restartPolicy).toEqual({ name: "on-failure", maxRetries: 100 });
        expect(parse({ restartPolicy: "unless-stopped" }).settings.docker.restartPolicy).toEqual({ name: "unless-stopped" });
    });

    it.each([
        ["proxyMemoryMb", "511"],
        ["proxyMemoryMb", "2g"],
        ["proxyMemoryMb", "1e4"],
        ["proxyMemoryMb", "-1"],
        ["proxyCpuShares", "1"],
        ["proxyCpuShares", "262145"],
        ["databaseMemoryMb", "255"],
        ["databaseSharedMemoryMb", "63"],
        ["databaseCpuShares", "0"],
        ["databaseCpuShares", "512.5"],
    ])("refuse %s = %s, naming the key, the bounds and the default as the fix", (key, value) => {
        const [problem, ...more] = problemsOf({ [key]: value });
        expect(more).toEqual([]);
        expect(problem.key).toBe(key);
        expect(problem.problem).toMatch(/is not a whole number between \d+ and \d+/);
        expect(problem.fix).toMatch(new RegExp(`^pulumi config set ${key} \\d+$`));
        expect(() => parse(fixesOf(problem)[0])).not.toThrow();
    });

    it("refuse shared memory above half the database's memory limit, which it counts against, with two fixes that both work", () => {
        const config = { databaseMemoryMb: "512", databaseSharedMemoryMb: "300" };
        const [problem, ...more] = problemsOf(config);
        expect(more).toEqual([]);
        expect(problem.key).toBe("databaseSharedMemoryMb");
        expect(problem.problem).toBe("300 MiB of shared memory is more than half of the database's 512 MiB memory limit (databaseMemoryMb), which it counts against.");
        const fixes = fixesOf(problem);
        expect(fixes).toEqual([{ databaseMemoryMb: "600" }, { databaseSharedMemoryMb: "256" }]);
        for (const fix of fixes) {
            expect(() => parse({ ...config, ...fix })).not.toThrow();
        }
    });

    it.each([
        ["always", /always is refused: it differs from unless-stopped only in restarting/],
        ["no", /"no" is refused: a crashed proxy or database would stay down/],
        ["on-failure", /"on-failure" is refused: .*retries forever/],
        ["on-failure:0", /"on-failure:0" is refused/],
        ["on-failure:101", /"on-failure:101" is not on-failure:N \(N from 1 to 100\) or unless-stopped/],
        ["on-failure: 5", /is not on-failure:N/],
        ["unless_stopped", /is not on-failure:N/],
    ])("refuse the restart policy %s with the bounded default and unless-stopped as fixes", (value, message) => {
        const [problem, ...more] = problemsOf({ restartPolicy: value });
        expect(more).toEqual([]);
        expect(problem.key).toBe("restartPolicy");
        expect(problem.problem).toMatch(message);
        expect(fixesOf(problem)).toEqual([{ restartPolicy: "on-failure:5" }, { restartPolicy: "unless-stopped" }]);
        for (const fix of fixesOf(problem)) {
            expect(() => parse(fix)).not.toThrow();
        }
    });

    it("never repeat a hostile value's control characters in a message", () => {
        const [problem] = problemsOf({ restartPolicy: "on-failure:5\u001b[2J" });
        expect(problem.problem).not.toMatch(/\u001b/);
    });
});

/**
 * Swarm object names (content-derived, keyed for secrets, within Swarm's limits) and the front
 * door's haproxy.cfg. Where an `haproxy` binary is at hand (HAPROXY_BIN, or on the PATH), HAProxy
 * itself checks the rendered file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderFrontDoorConfig } from "../../components/swarm/frontDoorConfig";
import { contentHash, keyedHash, swarmNamePrefix, swarmObjectName, swarmServiceName } from "../../components/swarm/names";

describe("names", () => {
    it("prefix every object with the stack, as a Swarm-safe slug of at most 24 characters", () => {
        expect(swarmNamePrefix("swarm")).toBe("litellm-swarm");
        expect(swarmNamePrefix("Swarm_Prod.eu")).toBe("litellm-swarm-prod-eu");
        expect(swarmNamePrefix("swarm-a-very-long-stack-name-indeed")).toHaveLength(24);
        expect(swarmNamePrefix("swarm-abcdefghijklmnop-")).not.toMatch(/-$/);
    });

    it("derive a config's name from its content: a change is a new name", () => {
        const a = swarmObjectName("litellm-swarm", "config", contentHash("model_list: []\n"));
        expect(a).toMatch(/^litellm-swarm-config-[0-9a-f]{16}$/);
        expect(swarmObjectName("litellm-swarm", "config", contentHash("model_list: [x]\n"))).not.toBe(a);
        expect(swarmObjectName("litellm-swarm", "config", contentHash("model_list: []\n"))).toBe(a);
    });

    it("derive a secret's name from an HMAC: nobody can test a guess of the value against it without the key", () => {
        const value = "hunter2";
        const named = keyedHash("naming-key-1", value);
        expect(named).not.toBe(contentHash(value));
        expect(keyedHash("naming-key-2", value)).not.toBe(named);
        expect(keyedHash("naming-key-1", value)).toBe(named);
    });

    it("stay within Swarm's 64 characters, keeping the whole hash part", () => {
        const name = swarmObjectName("litellm-swarm-production", "anthropic_api_key_for_the_research_team", "a".repeat(64));
        expect(name.length).toBeLessThanOrEqual(64);
        expect(name.endsWith(`-${"a".repeat(16)}`)).toBe(true);
        expect(() => swarmObjectName("x".repeat(60), "role", "0".repeat(64))).toThrow(RangeError);
        expect(swarmServiceName("litellm-swarm", "proxy")).toBe("litellm-swarm-proxy");
        expect(() => swarmServiceName("x".repeat(60), "front-door")).toThrow(RangeError);
    });
});

describe("haproxy.cfg", () => {
    const cfg = renderFrontDoorConfig({ proxyServiceName: "litellm-swarm-proxy", serverSlots: 5, serverTimeoutSeconds: 600 });

    it("resolves the proxy's tasks through Docker's DNS, with a slot for each possible task", () => {
        expect(cfg).toContain("nameserver docker 127.0.0.11:53");
        expect(cfg).toContain("server-template proxy 5 tasks.litellm-swarm-proxy:4000");
        expect(cfg).toMatch(/default-server check .*resolvers swarm .*init-addr none/);
    });

    it("routes on readiness, so a draining or database-less instance gets no new request", () => {
        expect(cfg).toContain("option httpchk GET /health/readiness");
        expect(cfg).toContain("http-check expect status 200");
    });

    it("retries a failed connection for every request, anything else only for GET and OPTIONS", () => {
        expect(cfg).toContain("retry-on conn-failure empty-response junk-response response-timeout 502 503 504");
        expect(cfg).toContain("option redispatch 1");
        expect(cfg).toContain("http-request disable-l7-retry unless METH_GET || METH_OPTIONS");
    });

    it("waits as long as LiteLLM may take, and listens on the container port the service publishes", () => {
        expect(cfg).toContain("timeout server 600s");
        expect(cfg).toContain("bind :8080");
    });

    it("refuses a name that is not a service name, or no slot", () => {
        expect(() => renderFrontDoorConfig({ proxyServiceName: "bad name\nbackend x", serverSlots: 5, serverTimeoutSeconds: 600 })).toThrow(RangeError);
        expect(() => renderFrontDoorConfig({ proxyServiceName: "p", serverSlots: 0, serverTimeoutSeconds: 600 })).toThrow(RangeError);
    });

    const haproxy = process.env.HAPROXY_BIN ?? "haproxy";
    const available = spawnSync(haproxy, ["-v"]).status === 0;
    it.skipIf(!available)("is a configuration HAProxy accepts (haproxy -c)", () => {
        const directory = mkdtempSync(join(tmpdir(), "haproxy-"));
        try {
            writeFileSync(join(directory, "haproxy.cfg"), cfg);
            const result = spawnSync(haproxy, ["-c", "-f", join(directory, "haproxy.cfg")], { encoding: "utf8" });
            expect(result.status, result.stderr + result.stdout).toBe(0);
        } finally {
            rmSync(directory, { recursive: true, force: true });
        }
    });
});

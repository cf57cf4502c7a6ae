/**
 * Runs the program for stack `swarm` under Pulumi's mocks (through vitest's module loader) with two
 * models and their keys, and waits until every resource is registered: a `pulumi preview` of it.
 */
import { vi } from "vitest";
import { installMocks, MockedProgram, valueOf } from "../support/pulumiMocks";

export type Program = typeof import("../../index");

export const HF_TOKEN = "hf_testtokenvalue0123456789abcdef";
export const OPENAI_KEY = "sk-openai-test-value-0123456789";
export const LITELLM_IMAGE = "ghcr.io/berriai/litellm-database:v1.104.0@sha256:fbe28229d2d02181c0a7d9df9599de614b491f3d897d2d7da18404f088310218";

export const TWO_MODELS = JSON.stringify([
    { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
    { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" },
]);

export async function runSwarmProgram(
    config: Record<string, string> = {},
    options: { stack?: string; secretKeys?: string[] } = {},
): Promise<{ mocked: MockedProgram; program: Program }> {
    vi.resetModules();
    const mocked = installMocks({
        stack: options.stack ?? "swarm",
        config: {
            hfToken: HF_TOKEN,
            providerKeys: JSON.stringify({ OPENAI_API_KEY: OPENAI_KEY }),
            models: TWO_MODELS,
            cacheType: "redis",
            ...config,
        },
        secretKeys: ["hfToken", "providerKeys", "databaseUrl", "redisPassword", ...(options.secretKeys ?? [])],
    });
    const program: Program = await import("../../index");
    await Promise.all([valueOf(program.url), valueOf(program.masterKey), valueOf(program.aitermSetup), valueOf(program.dashboardPassword)]);
    // Let the last registrations (component outputs) settle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { mocked, program };
}

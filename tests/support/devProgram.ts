/**
 * Runs the program for stack `dev` under Pulumi's mocks (through vitest's module loader) with two
 * models and their keys, and waits until every resource is registered.
 */
import { vi } from "vitest";
import { installMocks, MockedProgram, valueOf } from "./pulumiMocks";

export type Program = typeof import("../../index");

export const HF_TOKEN = "hf_testtokenvalue0123456789abcdef";
export const OPENAI_KEY = "sk-openai-test-value-0123456789";

export async function runDevProgram(config: Record<string, string> = {}): Promise<{ mocked: MockedProgram; program: Program }> {
    vi.resetModules();
    const mocked = installMocks({
        stack: "dev",
        config: {
            hfToken: HF_TOKEN,
            providerKeys: JSON.stringify({ OPENAI_API_KEY: OPENAI_KEY }),
            models: JSON.stringify([
                { name: "default", model: "huggingface/Qwen/Qwen2.5-Coder-0.5B-Instruct", apiKeyEnv: "HF_TOKEN" },
                { name: "openai", model: "openai/gpt-4o-mini", apiKeyEnv: "OPENAI_API_KEY" },
            ]),
            ...config,
        },
        secretKeys: ["hfToken", "providerKeys"],
    });
    const program: Program = await import("../../index");
    await Promise.all([
        valueOf(program.url),
        valueOf(program.chatCompletionsEndpoint),
        valueOf(program.masterKey),
        valueOf(program.aitermSetup),
        valueOf(program.dashboardPassword),
    ]);
    // Let the last registrations (component outputs) settle.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { mocked, program };
}

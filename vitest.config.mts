import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Pulumi's mocks are process-global: every test file gets its own worker and module graph.
        isolate: true,
        testTimeout: 20_000,
        hookTimeout: 60_000,
    },
});

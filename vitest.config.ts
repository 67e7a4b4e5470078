import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "bench/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    // Two cores on CI: more workers only fight over them.
    maxWorkers: 2,
    globalSetup: ["test/global-setup.ts"],
  },
});

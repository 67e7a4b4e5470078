import { defineConfig } from "vitest/config";

/** `npm run soak` (issue 14): the bounded soak test, about 10 minutes, kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ["test/soak/**/*.soak.ts"],
    testTimeout: 30_000,
    globalSetup: ["test/global-setup.ts"],
  },
});

/**
 * Changes for speed and memory must not change results: `analyse` and `plan` print, byte for byte,
 * what the code printed before them on the fixtures and the real corpus (test/stored-outputs.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCase, STORED_CASES, storedDir } from "./stored-outputs.ts";

describe("analyse and plan outputs stay as stored", () => {
  for (const c of STORED_CASES) {
    it(`nanofuse ${c.args.join(" ")} prints exactly ${c.name}`, { timeout: 120_000 }, async () => {
      const stored = readFileSync(join(storedDir, c.name), "utf8");
      expect(stored.startsWith("exit ")).toBe(true);
      expect(await runCase(c)).toBe(stored);
    });
  }
});

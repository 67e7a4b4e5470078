/**
 * `nanofuse plan` as a newcomer runs it (issues 16.3, 17.10, 17 low): warnings on weak input, refusals
 * of a bad --current or bad numbers with a code and the usage exit code.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = join(root, "fixtures");
const baseline = join(fixtures, "shop-baseline.otlp.jsonl.gz");
const catalog = join(root, "examples", "shop", "catalog.yaml");
/** Planning 4,800 traces takes seconds on a busy machine. */
const SLOW_MS = 120_000;

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [bin, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const warningCodes = (stderr: string) => [...stderr.matchAll(/warning (NF_[A-Z_]+)/g)].map((m) => m[1]);

describe("plan's warnings on weak input", () => {
  it(
    "warns on fixtures/ without a catalog that runtimes are unknown and that two recorded layouts are mixed",
    async () => {
      const { code, stdout, stderr } = await run("plan", fixtures, "--format", "json");
      expect(code).toBe(0);
      expect(JSON.parse(stdout).groups.length).toBeGreaterThan(0);
      expect(warningCodes(stderr)).toEqual(["NF_PLAN_NO_CATALOG", "NF_PLAN_MIXED_LAYOUTS"]);
      expect(stderr).toContain("nanofuse.variant baseline (2400 traces), fused-checkout (2400 traces)");
      expect(stderr).toContain("checkout (checkout, orders)");
    },
    SLOW_MS,
  );

  it(
    "warns about nothing on one recording with its catalog",
    async () => {
      const { code, stderr } = await run("plan", baseline, "--catalog", catalog);
      expect(code).toBe(0);
      expect(warningCodes(stderr)).toEqual([]);
    },
    SLOW_MS,
  );
});

/**
 * `nanofuse plan` as a newcomer runs it (issues 16.3, 17.10, 17 low): warnings on weak input, refusals
 * of a bad --current or bad numbers with a code and the usage exit code.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "./support/cli.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = join(root, "fixtures");
const baseline = join(fixtures, "shop-baseline.otlp.jsonl.gz");
const catalog = join(root, "examples", "shop", "catalog.yaml");
const synthetic = join(root, "test", "fixtures", "synthetic", "shop-checkout-baseline.otlp.jsonl.gz");
const dir = mkdtempSync(join(tmpdir(), "nanofuse-plan-cli-"));
/** Planning 4,800 traces takes seconds on a busy machine. */
const SLOW_MS = 120_000;

const run = (...args: string[]) => runCli(args);

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

describe("plan's memory bound", () => {
  it(
    "plans from the first --max-traces traces and says how many later ones it read and left out",
    async () => {
      const { code, stdout, stderr } = await run(
        "plan",
        baseline,
        "--catalog",
        catalog,
        "--max-traces",
        "150",
        "--format",
        "json",
      );
      expect(code).toBe(0);
      expect(JSON.parse(stdout).predicted.traces).toBe(150);
      expect(warningCodes(stderr)).toEqual(["NF_PLAN_TRACES_CAPPED"]);
      expect(stderr).toContain("planned from the first 150 traces; 2250 later ones were read and left out");
    },
    SLOW_MS,
  );
});

describe("plan's refusals", () => {
  for (const [option, value] of [
    ["--min-gain", "abc"],
    ["--min-gain", "-1"],
    ["--in-process-us", "NaN"],
    ["--in-process-us", "-50"],
  ])
    it(`refuses ${option} ${value} as a usage error (NF_USAGE, exit 2) before reading any trace`, async () => {
      const { code, stderr } = await run("plan", synthetic, `${option}=${value}`);
      expect(code).toBe(2);
      expect(stderr).toContain("NF_USAGE");
      expect(stderr).toContain(`expected a non-negative number, got ${value}`);
    });

  it("refuses a --current manifest that puts a unit in two groups (NF_MANIFEST_DUPLICATE_UNIT, exit 1)", async () => {
    const file = join(dir, "twice.json");
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        groups: [
          { name: "a", units: ["checkout", "cart"] },
          { name: "b", units: ["cart"] },
        ],
      }),
    );
    const { code, stderr } = await run("plan", synthetic, "--current", file);
    expect(code).toBe(1);
    expect(stderr).toContain("NF_MANIFEST_DUPLICATE_UNIT");
    expect(stderr).toContain("cart (in a and b)");
  });

  it("plans with a --current that leaves units out and names a unit in no trace, saying so for each", async () => {
    const file = join(dir, "partial.json");
    writeFileSync(
      file,
      JSON.stringify({ version: 1, groups: [{ name: "a", units: ["checkout", "cart", "ghost"] }] }),
    );
    const { code, stdout, stderr } = await run("plan", synthetic, "--current", file, "--format", "json");
    expect(code).toBe(0);
    expect(warningCodes(stderr)).toEqual([
      "NF_PLAN_NO_CATALOG",
      "NF_PLAN_CURRENT_MISSING_UNIT",
      "NF_PLAN_CURRENT_UNKNOWN_UNIT",
    ]);
    const proposal = JSON.parse(stdout);
    expect(proposal.current.flat()).not.toContain("ghost");
    expect(proposal.groups.flat()).not.toContain("ghost");
    expect(proposal.current).toContainEqual(["cart", "checkout"]);
  });
});

/**
 * The `nanofuse` command as a user runs it: through bin/nanofuse.js, on the recorded fixtures of the
 * README's quick start, on the small synthetic ones and on bad input, checking the documented JSON
 * contracts and exit codes.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
/** The README's quick start: the demo shop recorded in two layouts (scripts/record.ts). */
const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));
/** Small and exact (scripts/make-fixtures.ts): quick to read, for the contracts. */
const synthetic = fileURLToPath(new URL("./fixtures/synthetic/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "nanofuse-cli-"));

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [bin, ...args], { maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("nanofuse replay", () => {
  it("reads the recorded fixtures of the quick start without a single problem, even with --strict", async () => {
    const { code, stdout } = await run("replay", fixtures, "--strict", "--format", "json");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.summary).toMatchObject({ units: 14, rejected: {}, warnings: {} });
    expect(doc.files.map((f: { file: string }) => f.file.split(/[\\/]/).pop())).toEqual([
      "shop-baseline.otlp.jsonl.gz",
      "shop-fused-checkout.otlp.jsonl.gz",
    ]);
    for (const key of ["traces", "spans", "hops"]) expect(doc.summary[key]).toBeGreaterThan(0);
  });

  it("prints the summary contract as JSON for the synthetic fixtures and exits 0", async () => {
    const { code, stdout } = await run("replay", synthetic, "--format", "json");
    expect(code).toBe(0);
    const { summary } = JSON.parse(stdout);
    expect(summary).toMatchObject({ rejected: {}, warnings: {} });
    for (const key of ["traces", "spans", "units", "hops"]) expect(summary[key]).toBeGreaterThan(0);
  });

  it("prints a readable report with the top units and hops", async () => {
    const { code, stdout } = await run("replay", synthetic);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^traces \d+/m);
    expect(stdout).toContain("top hops by network time");
  });

  it("counts rejected input by code, exits 0 without --strict and 1 with it", async () => {
    const file = join(dir, "half-bad.jsonl");
    writeFileSync(file, '{"hello": "world"}\n{"resourceSpans": [\n');
    const lenient = await run(
      "replay",
      file,
      join(synthetic, "shop-checkout-baseline.otlp.jsonl.gz"),
      "--format",
      "json",
    );
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.stdout).summary.rejected).toEqual({
      NF_JSON_MALFORMED: 1,
      NF_FORMAT_UNKNOWN: 1,
    });
    const strict = await run("replay", file, "--strict");
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("stopped (--strict)");
  });

  it("exits non-zero when nothing could be read, and 2 on a usage error", async () => {
    const missing = await run("replay", join(dir, "nowhere.json"));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NF_NO_INPUT");
    expect((await run("replay")).code).toBe(2);
    expect((await run("replay", synthetic, "--format", "yaml")).code).toBe(2);
  });
});

describe("nanofuse analyse", () => {
  it("prints the documented per-trace JSON contract, with critical paths relative to each root", async () => {
    const { code, stdout } = await run("analyse", synthetic, "--per-trace", "--format", "json");
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.summary.traces).toBe(doc.traces.length);
    const trace = doc.traces[0];
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.rootSpanId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.criticalPath[0]).toMatchObject({
      spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
      startUs: 0,
    });
    expect(trace.criticalPath.at(-1).endUs).toBe(trace.durationUs);
    const edge = doc.edges[0];
    expect(edge).toMatchObject({
      from: expect.any(String),
      to: expect.any(String),
      calls: expect.any(Number),
      networkUs: { p50: expect.any(Number), p95: expect.any(Number), sum: expect.any(Number) },
      criticalPathNetworkUs: expect.any(Number),
      stragglerCount: expect.any(Number),
    });
    expect(doc.units[0]).toMatchObject({
      unit: expect.any(String),
      spans: expect.any(Number),
      criticalPathUs: expect.any(Number),
      coldStarts: expect.any(Number),
    });
  });

  it("is also spelled analyze, and prints a readable report", async () => {
    const { code, stdout } = await run("analyze", synthetic);
    expect(code).toBe(0);
    expect(stdout).toContain("network on the critical path");
    expect(stdout).toContain("barrier stragglers");
  });
});

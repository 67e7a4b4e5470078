/**
 * Hostile input, by chance (issue 17): small valid files of every format, mutated (bit flips,
 * truncation, splices, duplicated chunks, random bytes, parser tokens) by a seeded generator, go
 * through the real file-reading path. Whatever the bytes, nanofuse must not throw, must name every
 * rejection by a stable code and where it was found, and must keep its memory bounded. The budget is
 * an iteration count, never a clock; a failure names the case, which the seed replays.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { catalogue, type Problem } from "../src/errors.ts";
import { readTraceFile } from "../src/ingest/sources/file.ts";
import type { Span } from "../src/model/span.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { seededRandom } from "../src/random.ts";
import { type FuzzFixture, fuzzFixtures } from "./support/fuzz-inputs.ts";
import { mutate } from "./support/mutate.ts";

const SEED = 0x17f022;
const CASES = 1600;
/** Generous: the inputs are a few KB; a leak or an unbounded allocation goes far past it. */
const RSS_LIMIT = 1536 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), "nanofuse-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = fuzzFixtures();
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** What V8 says when code fails, as opposed to a decoder saying what is wrong with the input. */
const JS_ERROR =
  /Cannot read|Cannot set|is not a function|is not iterable|call stack|Invalid array length|Invalid string length|heap|is not defined|Cannot convert/;
/** Problems about a whole file, where the file is the location. */
const WHOLE_FILE = new Set(["NF_FILE_EMPTY", "NF_FILE_UNREADABLE", "NF_FORMAT_UNKNOWN"]);

/** A mutated file: a gzip fixture is mutated either as compressed bytes or before compressing. */
function mutant(random: () => number, index: number): { base: FuzzFixture; bytes: Buffer } {
  const base = fixtures[index % fixtures.length];
  const other = fixtures[Math.floor(random() * fixtures.length)];
  if (base.name.endsWith(".gz") && random() < 0.6) {
    const plain = gunzipSync(base.bytes);
    const otherPlain = other.name.endsWith(".gz") ? gunzipSync(other.bytes) : other.bytes;
    return { base, bytes: gzipSync(mutate(random, plain, otherPlain)) };
  }
  return { base, bytes: mutate(random, base.bytes, other.bytes) };
}

/** What is wrong with one problem report, or undefined. */
function badProblem(p: Problem, file: string): string | undefined {
  if (!(p.code in catalogue)) return `unknown code ${p.code}`;
  if (p.code === "NF_INTERNAL") return `internal error: ${p.message}`;
  // The files exist and are readable: this code here would be an exception caught by the reader.
  if (p.code === "NF_FILE_UNREADABLE") return `unreadable: ${p.message}`;
  if (JS_ERROR.test(p.message)) return `${p.code} hides a JavaScript error: ${p.message}`;
  if (p.where?.file !== file) return `${p.code} without its file`;
  const placed = p.where.line !== undefined || p.where.offset !== undefined || p.where.path !== undefined;
  if (!placed && !WHOLE_FILE.has(p.code)) return `${p.code} without a line, offset or path`;
  return undefined;
}

/** What is wrong with one decoded span, or undefined: whatever came in, what goes out is valid. */
function badSpan(s: Span): string | undefined {
  if (!HEX32.test(s.traceId) || !HEX16.test(s.spanId)) return `bad ids ${s.traceId}/${s.spanId}`;
  if (s.parentSpanId !== undefined && !HEX16.test(s.parentSpanId)) return `bad parent ${s.parentSpanId}`;
  if (!Number.isFinite(s.startUs) || !Number.isFinite(s.endUs) || s.endUs < s.startUs)
    return `bad times ${s.startUs}..${s.endUs}`;
  if (typeof s.unit !== "string" || s.unit === "") return "no unit";
  return undefined;
}

describe("hostile input: random and mutated files of every format", () => {
  it("has a valid fixture of every format that reads without a problem", async () => {
    for (const fixture of fixtures) {
      const file = join(dir, `valid-${fixture.name}`);
      writeFileSync(file, fixture.bytes);
      const problems: Problem[] = [];
      let spans = 0;
      await readTraceFile(file, { span: () => spans++, problem: (p) => problems.push(p) });
      expect({ name: fixture.name, problems }).toEqual({ name: fixture.name, problems: [] });
      expect(spans).toBeGreaterThan(0);
    }
  });

  it(`reads ${CASES} mutated files without throwing, naming each rejection by its code and place, in bounded memory`, {
    timeout: 300_000,
  }, async () => {
    const random = seededRandom(SEED);
    const failures: string[] = [];
    const codes = new Map<string, number>();
    let peakRss = process.memoryUsage().rss;
    for (let i = 0; i < CASES; i++) {
      const { base, bytes } = mutant(random, i);
      const file = join(dir, `case-${i % 8}-${base.name}`);
      writeFileSync(file, bytes);
      const fail = (why: string) => failures.length < 20 && failures.push(`case ${i} (${base.name}): ${why}`);
      try {
        await readTraceFile(file, {
          span: (s) => {
            const bad = badSpan(s);
            if (bad) fail(bad);
          },
          problem: (p) => {
            codes.set(p.code, (codes.get(p.code) ?? 0) + 1);
            const bad = badProblem(p, file);
            if (bad) fail(bad);
          },
        });
      } catch (error) {
        fail(`threw ${(error as Error).stack ?? error}`);
      }
      if (i % 50 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    expect(failures).toEqual([]);
    // The mutations reach past the first checks: decoders, not only the sniffing, reject things.
    expect([...codes.keys()]).toEqual(expect.arrayContaining(["NF_JSON_MALFORMED", "NF_PROTO_MALFORMED"]));
    expect(peakRss).toBeLessThan(RSS_LIMIT);
  });

  it("replays batches of mutated files together, every problem counted under a known code", async () => {
    const random = seededRandom(SEED + 1);
    const files: string[] = [];
    for (let i = 0; i < 60; i++) {
      const { base, bytes } = mutant(random, i);
      const file = join(dir, `replay-${i}-${base.name}`);
      writeFileSync(file, bytes);
      files.push(file);
    }
    let trees = 0;
    const result = await replayFiles(files, () => trees++);
    expect(result.files).toHaveLength(files.length);
    const counted = { ...result.problems.bySeverity("reject"), ...result.problems.bySeverity("warn") };
    for (const code of Object.keys(counted)) expect(catalogue).toHaveProperty(code);
    expect(counted).not.toHaveProperty("NF_INTERNAL");
    for (const p of result.problems.firstExamples()) expect(files).toContain(p.where.file);
    expect(trees).toBeGreaterThan(0);
  });

  it("runs `nanofuse replay` and `analyse` on mutated files to an exit code and a JSON report, never a stack trace", async () => {
    const random = seededRandom(SEED + 2);
    const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
    for (const [round, command] of ["replay", "replay", "analyse", "analyse"].entries()) {
      const files: string[] = [];
      for (let i = 0; i < fixtures.length; i++) {
        const { base, bytes } = mutant(random, i);
        const file = join(dir, `cli-${round}-${i}-${base.name}`);
        writeFileSync(file, bytes);
        files.push(file);
      }
      const run = await promisify(execFile)("node", [bin, command, "--format", "json", ...files], {
        maxBuffer: 64 << 20,
      }).then(
        ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect([0, 1]).toContain(run.code);
      expect(run.stderr).not.toMatch(/NF_INTERNAL|\n\s+at /);
      // replay lists its first problems; analyse counts them in its summary.
      const report = JSON.parse(run.stdout) as {
        problems?: Problem[];
        summary?: { rejected: Record<string, number>; warnings: Record<string, number> };
      };
      const codes = report.problems
        ? report.problems.map((p) => p.code)
        : Object.keys({ ...report.summary?.rejected, ...report.summary?.warnings });
      expect(report.problems ?? report.summary).toBeDefined();
      for (const code of codes) expect(catalogue).toHaveProperty(code);
    }
  });
});

/**
 * Issue 17, lows: a `--max-line-bytes` beyond V8's longest string is refused by the CLI and lowered
 * (with a code) by the reader, so that no line can lose the rest of its file; a FIFO or other
 * non-regular path is reported with a code instead of hanging the replay.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.ts";
import { readTraceFile } from "../../src/ingest/sources/file.ts";
import { MAX_LINE_LIMIT } from "../../src/ingest/sources/json-lines.ts";
import type { Span } from "../../src/model/span.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-limits-"));
const fixture = fileURLToPath(new URL("../fixtures/formats/otlp-unpadded-ids.jsonl", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/nanofuse.js", import.meta.url));

async function read(file: string, maxLineBytes?: number) {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  await readTraceFile(
    file,
    { span: (s) => spans.push(s), problem: (p) => problems.push(p) },
    { maxLineBytes },
  );
  return { spans, problems, codes: problems.map((p) => p.code) };
}

describe("input that must not hang or lose the rest of a file", () => {
  it("reports a FIFO with NF_FILE_NOT_REGULAR instead of waiting for a writer", async () => {
    const fifo = join(dir, "traces.jsonl");
    execFileSync("mkfifo", [fifo]);
    const { spans, problems } = await read(fifo);
    expect(spans).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ code: "NF_FILE_NOT_REGULAR", message: expect.stringContaining("FIFO") }),
    ]);
  });

  it("reports a directory given as a file with NF_FILE_NOT_REGULAR", async () => {
    const sub = join(dir, "export.json");
    mkdirSync(sub);
    expect((await read(sub)).codes).toEqual(["NF_FILE_NOT_REGULAR"]);
  });

  it("lowers a line limit above V8's longest string, says so once, and reads every line", async () => {
    const file = join(dir, "two.jsonl");
    const line = (await import("node:fs")).readFileSync(fixture, "utf8").trim();
    writeFileSync(file, `${line}\n${line.replaceAll("5b8efff7", "00000002")}\n`);
    const { spans, problems } = await read(file, 2 ** 40);
    expect(spans).toHaveLength(6);
    expect(problems).toEqual([
      expect.objectContaining({
        code: "NF_LINE_LIMIT_CLAMPED",
        message: expect.stringContaining(`lowered to ${MAX_LINE_LIMIT}`),
      }),
    ]);
  });

  it("refuses --max-line-bytes above what V8 can hold as a usage error (exit 2), naming the limit", async () => {
    const error = await promisify(execFile)("node", [
      bin,
      "replay",
      fixture,
      "--max-line-bytes",
      "1099511627776",
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain(`expected at most ${MAX_LINE_LIMIT}`);
  });
});

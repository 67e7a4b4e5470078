import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expandPaths } from "../src/ingest/sources/paths.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { otlpRequest } from "./support/otlp.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-paths-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("naming the same file more than once", () => {
  it("reads a file given directly, through its directory, a glob and a symlink once, so its traces are not doubled", async () => {
    const data = join(dir, "data");
    mkdirSync(data);
    const file = join(data, "a.jsonl");
    writeFileSync(file, `${JSON.stringify(otlpRequest([{ spanId: "00000000000000a1" }]))}\n`);
    symlinkSync(file, join(dir, "link.jsonl"));
    const files = await expandPaths([
      data,
      join(data, "*.jsonl"),
      file,
      join(dir, "link.jsonl"),
      `${data}/../data/a.jsonl`,
    ]);
    expect(files).toEqual([file]);
    let traces = 0;
    const result = await replayFiles(files, () => traces++);
    expect([traces, result.spansRead]).toEqual([1, 1]);
  });

  it("keeps a path that does not exist, once, so that reading it reports the error", async () => {
    const missing = join(dir, "missing.jsonl");
    expect(await expandPaths([missing, missing])).toEqual([missing]);
  });
});

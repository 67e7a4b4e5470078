import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { Problem } from "../src/errors.ts";
import { readTraceFile } from "../src/ingest/sources/file.ts";
import { expandPaths } from "../src/ingest/sources/paths.ts";
import type { Span } from "../src/model/span.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { otlpRequest } from "./support/otlp.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-ingest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (spanId: string) => JSON.stringify(otlpRequest([{ spanId }]));

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

async function read(file: string, maxLineBytes?: number) {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  const format = await readTraceFile(
    file,
    { span: (s) => spans.push(s), problem: (p) => problems.push(p) },
    { maxLineBytes },
  );
  return { format, spans, problems, codes: problems.map((p) => p.code) };
}

describe("reading a trace file", () => {
  it("reads OTLP JSON lines as the Collector's file exporter writes them", async () => {
    const { format, spans, problems } = await read(
      write("lines.jsonl", `${line("1111111111111111")}\n${line("2222222222222222")}\n`),
    );
    expect(format).toBe("json-lines");
    expect(problems).toEqual([]);
    expect(spans.map((s) => s.spanId)).toEqual(["1111111111111111", "2222222222222222"]);
  });

  it("reports a malformed JSON line with its line number and reads the lines around it", async () => {
    const { spans, problems } = await read(
      write(
        "bad-line.jsonl",
        `${line("1111111111111111")}\n{"resourceSpans": [\n${line("3333333333333333")}\n`,
      ),
    );
    expect(spans.map((s) => s.spanId)).toEqual(["1111111111111111", "3333333333333333"]);
    expect(problems).toEqual([
      expect.objectContaining({
        code: "NF_JSON_MALFORMED",
        where: { file: join(dir, "bad-line.jsonl"), line: 2 },
      }),
    ]);
  });

  it("streams a pretty-printed document and the Zipkin and Jaeger envelopes", async () => {
    const pretty = await read(
      write(
        "pretty.json",
        JSON.stringify(
          otlpRequest([{ spanId: "1111111111111111" }, { spanId: "2222222222222222" }]),
          null,
          2,
        ),
      ),
    );
    expect(pretty.format).toBe("json-document");
    expect(pretty.spans).toHaveLength(2);
    const zipkin = [
      {
        traceId: "463ac35c9f6413ad",
        id: "a2fb4a1d1a96d312",
        name: "get",
        timestamp: 1704067200000000,
        duration: 10,
        localEndpoint: { serviceName: "web" },
      },
    ];
    expect((await read(write("zipkin.json", JSON.stringify(zipkin, null, 1)))).spans).toHaveLength(1);
  });

  it("reads gzip of any format and reports a truncated gzip while keeping what came before", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => line((i + 1).toString(16).padStart(16, "0"))).join(
      "\n",
    );
    const gz = gzipSync(lines);
    expect((await read(write("whole.jsonl.gz", gz))).spans).toHaveLength(2000);
    const cut = await read(write("cut.jsonl.gz", gz.subarray(0, Math.floor(gz.length / 2))));
    expect(cut.codes).toEqual(["NF_GZIP_CORRUPT"]);
    expect(cut.spans.length).toBeGreaterThan(0);
    expect(cut.spans.length).toBeLessThan(2000);
  });

  it("reports an empty file, a missing file and content that is no trace format", async () => {
    expect((await read(write("empty.json", ""))).codes).toEqual(["NF_FILE_EMPTY"]);
    expect((await read(write("blank.json", "  \n\n"))).codes).toEqual(["NF_FILE_EMPTY"]);
    expect((await read(join(dir, "missing.json"))).codes).toEqual(["NF_FILE_UNREADABLE"]);
    expect((await read(write("text.txt", "hello, world\n"))).codes).toEqual(["NF_FORMAT_UNKNOWN"]);
  });

  it("skips a line longer than the limit without holding it, and reads on", async () => {
    const long = `{"resourceSpans": [${" ".repeat(5000)}]}`;
    const { spans, problems } = await read(
      write("long.jsonl", `${long}\n${line("1111111111111111")}\n`),
      1000,
    );
    expect(problems).toEqual([
      expect.objectContaining({ code: "NF_LINE_TOO_LONG", where: expect.objectContaining({ line: 1 }) }),
    ]);
    expect(spans).toHaveLength(1);
  });

  it("survives a 2 GB single line in a JSON-lines file", { timeout: 120_000 }, async () => {
    const file = join(dir, "huge-line.jsonl");
    const out = createWriteStream(file);
    const block = Buffer.alloc(16 * 1024 * 1024, 0x20);
    const write = (chunk: Buffer | string) =>
      new Promise<void>((resolve) => (out.write(chunk) ? resolve() : out.once("drain", resolve)));
    await write(`${line("1111111111111111")}\n{"resourceSpans": [`);
    for (let i = 0; i < 128; i++) await write(block);
    await write(`]}\n${line("2222222222222222")}\n`);
    await new Promise((resolve) => out.end(resolve));
    const { spans, codes } = await read(file);
    expect(codes).toEqual(["NF_LINE_TOO_LONG"]);
    expect(spans.map((s) => s.spanId)).toEqual(["1111111111111111", "2222222222222222"]);
  });

  it("expands a directory of mixed formats, sorted, leaving out files that are not trace exports", async () => {
    const mixed = join(dir, "mixed");
    mkdirSync(join(mixed, "nested"), { recursive: true });
    writeFileSync(join(mixed, "b.jsonl"), line("1111111111111111"));
    writeFileSync(
      join(mixed, "a.json.gz"),
      gzipSync(JSON.stringify(otlpRequest([{ spanId: "2222222222222222" }]))),
    );
    writeFileSync(join(mixed, "nested", "c.json"), "[]");
    writeFileSync(join(mixed, "README.md"), "# notes");
    const files = await expandPaths([mixed]);
    expect(files.map((f) => f.slice(mixed.length + 1))).toEqual(["a.json.gz", "b.jsonl", "nested/c.json"]);
    expect(await expandPaths([join(mixed, "*.jsonl")])).toEqual([join(mixed, "b.jsonl")]);
    writeFileSync(join(mixed, "garbage.pb"), Buffer.from([0x0a, 0x06, 0x0a, 0x10, 0xff, 0xff, 0xff, 0xff]));
    const spans: string[] = [];
    const result = await replayFiles(await expandPaths([mixed]), (tree) => spans.push(...tree.nodes.keys()));
    expect(spans.sort()).toEqual(["1111111111111111", "2222222222222222"]);
    expect(result.files.map((f) => f.format)).toEqual([
      "json-lines",
      "json-lines",
      "otlp-proto",
      "json-lines",
    ]);
    expect(result.problems.bySeverity("reject")).toEqual({ NF_PROTO_MALFORMED: 1 });
  });
});

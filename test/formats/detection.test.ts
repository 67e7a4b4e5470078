/**
 * Issue 8.3 (and 17.4): the format of a JSON file is told from its keys, never from its whitespace.
 * Each envelope users bring, pretty-printed (read by the streaming path) and on one line (read by
 * JSON.parse), gives the same spans and the same problems.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.ts";
import { type FileFormat, readTraceFile } from "../../src/ingest/sources/file.ts";
import type { Span } from "../../src/model/span.ts";

const fixture = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/formats/${name}`, import.meta.url)), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "nanofuse-detect-"));
let files = 0;

async function read(text: string) {
  const file = join(dir, `in-${files++}.json`);
  writeFileSync(file, text);
  const spans: Span[] = [];
  const problems: Problem[] = [];
  const format: FileFormat = await readTraceFile(file, {
    span: (s) => spans.push(s),
    problem: (p) => problems.push(p),
  });
  return { format, spans, problems, codes: problems.map((p) => p.code) };
}

/** Reads the value pretty-printed and on one line; returns both. */
async function bothWays(value: unknown) {
  const pretty = await read(`${JSON.stringify(value, null, 2)}\n`);
  const line = await read(`${JSON.stringify(value)}\n`);
  expect(pretty.format).toBe("json-document");
  expect(line.format).toBe("json-lines");
  return { pretty, line };
}

const jaegerUi = fixture("jaeger-unpadded-ids.json");
const tempoV2 = fixture("tempo-v2-trace.json");
const resourceSpans = tempoV2.trace.resourceSpans;
const zipkin = fixture("zipkin-fragments.json");

const envelopes: [string, unknown, number][] = [
  ["an OTLP ExportTraceServiceRequest", { resourceSpans }, 3],
  ["Tempo's v1 {batches}", { batches: resourceSpans }, 3],
  ["Tempo's v2 {trace: {resourceSpans}}", tempoV2, 3],
  ["Tempo's v2 {trace: {batches}}", { trace: { batches: resourceSpans } }, 3],
  ["Jaeger v3's {result: {resourceSpans}}", { result: { resourceSpans } }, 3],
  ["the Jaeger UI's {data: [trace]}", jaegerUi, 3],
  ["a bare Jaeger trace {traceID, spans, processes}", jaegerUi.data[0], 3],
  ["an array of bare Jaeger traces", [jaegerUi.data[0], jaegerUi.data[0]], 6],
  ["a Zipkin v2 list of spans", zipkin, 4],
  ["a single ResourceSpans", resourceSpans[0], 2],
];

describe("format detection", () => {
  for (const [name, value, count] of envelopes) {
    it(`reads ${name} the same pretty-printed and on one line`, async () => {
      const { pretty, line } = await bothWays(value);
      expect(line.spans).toHaveLength(count);
      expect(pretty.spans).toEqual(line.spans);
      expect(pretty.codes).toEqual(line.codes);
      expect(pretty.problems.map((p) => p.where.path)).toEqual(line.problems.map((p) => p.where.path));
    });
  }

  it("names the keys it found in valid JSON of no trace format, on both paths", async () => {
    const prometheus = { status: "success", data: { resultType: "matrix", result: [] } };
    const { pretty, line } = await bothWays(prometheus);
    for (const read of [pretty, line]) {
      expect(read.codes).toEqual(["NF_FORMAT_UNKNOWN"]);
      expect(read.problems[0].message).toContain('an object with keys "status", "data"');
    }
    const { pretty: p2, line: l2 } = await bothWays([{ hello: "world" }]);
    expect(p2.problems).toEqual([
      expect.objectContaining({ code: "NF_FORMAT_UNKNOWN", message: expect.stringContaining('"hello"') }),
    ]);
    expect(l2.problems[0].message).toBe(p2.problems[0].message);
  });

  it("reads an empty envelope as no spans and no problem, on both paths", async () => {
    const { pretty, line } = await bothWays({ resourceSpans: [] });
    expect([pretty.problems, line.problems, pretty.spans, line.spans]).toEqual([[], [], [], []]);
  });
});

describe("telling JSON lines from a document (issue 17.4)", () => {
  const good = (spanId: string) =>
    JSON.stringify({
      resourceSpans: [
        {
          ...resourceSpans[1],
          scopeSpans: [{ spans: [{ ...resourceSpans[1].scopeSpans[0].spans[0], spanId }] }],
        },
      ],
    });

  it("keeps the good lines of a JSON-lines file whose first line is cut short and second blank", async () => {
    const cut = good("AAAAAAAAAAE=").slice(0, 150);
    const { format, spans, problems } = await read(
      `${cut}\n\n${good("AAAAAAAAAAI=")}\n${good("AAAAAAAAAAM=")}\n`,
    );
    expect(format).toBe("json-lines");
    expect(spans.map((s) => s.spanId)).toEqual(["0000000000000002", "0000000000000003"]);
    expect(problems.map((p) => [p.code, p.where.line])).toEqual([["NF_JSON_MALFORMED", 1]]);
  });

  it("still streams a document whose first line is a lone bracket and second a one-line element", async () => {
    const { format, spans } = await read(`[\n${JSON.stringify(zipkin[0])}\n]\n`);
    expect(format).toBe("json-document");
    expect(spans).toHaveLength(1);
  });
});

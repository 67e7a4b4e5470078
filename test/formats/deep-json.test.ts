/**
 * Issues 17.3 and 8.5: JSON nested 5,000 or 100,000 levels deep, on one line or in a pretty-printed
 * document, neither overflows the stack nor ends the read: it is reported with its line (or its
 * element) and every line after it is still read.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.ts";
import { readTraceFile } from "../../src/ingest/sources/file.ts";
import type { Span } from "../../src/model/span.ts";

const fixtures = (name: string) => fileURLToPath(new URL(`../fixtures/formats/${name}`, import.meta.url));
const good = readFileSync(fixtures("otlp-unpadded-ids.jsonl"), "utf8").trim();
const dir = mkdtempSync(join(tmpdir(), "nanofuse-deep-"));

/** The good line with another trace id, so each good line is its own trace. */
const goodLine = (n: number) => good.replaceAll("5b8efff7", `${n}`.padStart(8, "0"));
/** A span attribute nested `depth` levels deep in OTLP's own AnyValue shape. */
function deepAttribute(depth: number, member: "arrayValue" | "kvlistValue"): string {
  const open =
    member === "arrayValue" ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"k","value":';
  const close = member === "arrayValue" ? "]}}" : "}]}}";
  const value = `${open.repeat(depth)}{"stringValue":"x"}${close.repeat(depth)}`;
  return goodLine(9).replace(
    '"name":"POST /checkout"',
    `"name":"POST /checkout","attributes":[{"key":"deep","value":${value}}]`,
  );
}
const zipkinDeepTag = (depth: number) =>
  JSON.stringify([
    {
      traceId: "1234567890abcdef",
      id: "1234567890abcdef",
      kind: "SERVER",
      timestamp: 1700000000000000,
      duration: 5,
      localEndpoint: { serviceName: "api" },
    },
  ]).replace('"kind"', `"tags":{"deep":${"[".repeat(depth)}${"]".repeat(depth)}},"kind"`);

async function read(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  const spans: Span[] = [];
  const problems: Problem[] = [];
  await readTraceFile(file, { span: (s) => spans.push(s), problem: (p) => problems.push(p) });
  return { spans, problems };
}

describe("deeply nested JSON", () => {
  it("is reported with its line, 5,000 and 100,000 levels deep, and every line after it is read", async () => {
    const lines = [
      goodLine(1),
      deepAttribute(5_000, "arrayValue"),
      deepAttribute(100_000, "kvlistValue"),
      `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      zipkinDeepTag(100_000),
      goodLine(2),
    ];
    const { spans, problems } = await read("deep.jsonl", `${lines.join("\n")}\n`);
    expect(problems.map((p) => [p.code, p.where.line])).toEqual([
      ["NF_JSON_TOO_DEEP", 2],
      ["NF_JSON_TOO_DEEP", 3],
      ["NF_FORMAT_UNKNOWN", 4],
      ["NF_JSON_TOO_DEEP", 5],
    ]);
    // Lines 2 and 3 lose the ResourceSpans holding the deep span; their other one (cart) is read.
    expect(spans.map((s) => `${s.traceId.slice(0, 8)} ${s.unit}`)).toEqual([
      "00000001 checkout",
      "00000001 checkout",
      "00000001 cart",
      "00000009 cart",
      "00000009 cart",
      "00000002 checkout",
      "00000002 checkout",
      "00000002 cart",
    ]);
  });

  it("keeps an attribute 100 levels deep, the limit the protobuf decoder has too", async () => {
    const { spans, problems } = await read("at-limit.jsonl", `${deepAttribute(99, "arrayValue")}\n`);
    expect(problems).toEqual([]);
    expect(spans).toHaveLength(3);
  });

  it("is reported as its element in a pretty-printed document, and the elements after it are read", async () => {
    const [first, second] = JSON.parse(good).resourceSpans;
    const line = deepAttribute(5_000, "kvlistValue");
    const deep = line.slice(
      '{"resourceSpans":['.length,
      line.indexOf(',{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"'),
    );
    const pretty = (v: unknown) => JSON.stringify(v, null, 2).replaceAll("\n", "\n    ");
    const text = `{\n  "resourceSpans": [\n    ${pretty(first)},\n    ${deep},\n    ${pretty(second)}\n  ]\n}\n`;
    const { spans, problems } = await read("deep.json", text);
    expect(problems.map((p) => [p.code, p.where.path])).toEqual([["NF_JSON_TOO_DEEP", "resourceSpans[1]"]]);
    expect(spans).toHaveLength(3);
  });
});

/**
 * Issue 17, low: a syntax error in a JSON document (the streaming path) is reported at its byte,
 * not at the end of the 1 MiB chunk it was in.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.ts";
import { readTraceFile } from "../../src/ingest/sources/file.ts";
import { firstJsonErrorOffset } from "../../src/ingest/sources/json-error-offset.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-offset-"));

async function* pieces(text: string, size: number) {
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
const scan = (text: string, size = 7) => firstJsonErrorOffset(pieces(text, size));

/** A Zipkin list big enough to span several 1 MiB chunks. */
const big = JSON.stringify(
  Array.from({ length: 12_000 }, (_, i) => ({
    traceId: "5af7183fb1d4cf5f",
    id: (i + 1).toString(16).padStart(16, "0"),
    kind: "SERVER",
    name: "get /api",
    timestamp: 1_700_000_000_000_000 + i,
    duration: 10,
    localEndpoint: { serviceName: "api" },
    tags: { "http.path": "/api/v1/orders/{id}".repeat(8) },
  })),
  null,
  2,
);

describe("the byte of a JSON syntax error", () => {
  it("is none in valid JSON of every kind of value, split anywhere", async () => {
    for (const text of ["[]", '{"a": [1, -2.5e+3, 0, true, false, null, "\\u00e9\\n"]}', " 12 ", '"x"']) {
      expect(await scan(text), text).toBe(-1);
    }
    expect(await scan(big, 4096)).toBe(-1);
  });

  it("is the first byte that cannot continue JSON, for stray, missing and truncated input", async () => {
    const cases: [string, number][] = [
      ['{"a": 1,, "b": 2}', 8],
      ['{"a" 1}', 5],
      ["[1, 2", 5],
      ["[01]", 2],
      ['{"a": tru}', 9],
      ['{"a": "\\x"}', 8],
      ["[1] [2]", 4],
      ['{"a": 1}}', 8],
    ];
    for (const [text, at] of cases) expect(await scan(text, 3), text).toBe(at);
  });

  it("is reported at that byte from a document of several MiB, plain or gzip, not at a chunk's end", async () => {
    const at = big.indexOf('"kind"', 2_500_000);
    const broken = `${big.slice(0, at)}"kind" "SERVER"${big.slice(at + '"kind": "SERVER"'.length)}`;
    const colonAt = at + '"kind" '.length;
    for (const [name, content] of [
      ["broken.json", Buffer.from(broken)],
      ["broken.json.gz", gzipSync(broken)],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const problems: Problem[] = [];
      let spans = 0;
      await readTraceFile(file, { span: () => spans++, problem: (p) => problems.push(p) });
      const malformed = problems.find((p) => p.code === "NF_JSON_MALFORMED");
      expect(malformed?.where.offset, name).toBe(colonAt);
      expect(spans, name).toBeGreaterThan(0);
    }
  });
});

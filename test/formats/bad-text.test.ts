/**
 * Issue 8.5: invalid UTF-8 and lone surrogates in span and service names. The span is kept, its
 * name read with U+FFFD for what cannot be text, and a warning (NF_SPAN_BAD_TEXT) names it; the same
 * bytes give the same span and the same warning in OTLP JSON and in OTLP protobuf.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.ts";
import { otlpTypes } from "../../src/ingest/decoders/otlp-proto-reference.ts";
import { readTraceFile } from "../../src/ingest/sources/file.ts";
import type { Span } from "../../src/model/span.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-text-"));

const request = (name: string, service: string, spanId: string) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId,
              name,
              kind: 2,
              startTimeUnixNano: "1700000000000000000",
              endTimeUnixNano: "1700000000001000000",
            },
          ],
        },
      ],
    },
  ],
});

async function read(name: string, content: Buffer) {
  const file = join(dir, name);
  writeFileSync(file, content);
  const spans: Span[] = [];
  const problems: Problem[] = [];
  await readTraceFile(file, { span: (s) => spans.push(s), problem: (p) => problems.push(p) });
  return { spans, problems, codes: problems.map((p) => p.code) };
}

/** `a`, the invalid sequence C3 28, `b`: WHATWG decoding gives "a\uFFFD(b". */
const BAD = Buffer.from([0x61, 0xc3, 0x28, 0x62]);
const withBadBytes = (data: Buffer) => {
  const at = data.indexOf("XXXX");
  BAD.copy(data, at);
  return data;
};

describe("names that are not valid text", () => {
  it("keep their span, read invalid UTF-8 as U+FFFD and warn, in a JSON-lines file", async () => {
    const good = JSON.stringify(request("GET /cart", "cart", "1111111111111111"));
    const bad = withBadBytes(Buffer.from(JSON.stringify(request("XXXX", "cart", "2222222222222222"))));
    const { spans, codes } = await read(
      "bad.jsonl",
      Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from(`\n${good}\n`)]),
    );
    expect(spans.map((s) => s.name)).toEqual(["GET /cart", "a\uFFFD(b", "GET /cart"]);
    expect(codes).toEqual(["NF_SPAN_BAD_TEXT"]);
  });

  it("replace lone surrogates, which JSON escapes can carry, by U+FFFD in span and service names", async () => {
    const line = JSON.stringify(request("\ud800GET", "cart\udfff", "3333333333333333"));
    expect(line).toContain("\\ud800");
    const { spans, problems } = await read("surrogates.jsonl", Buffer.from(`${line}\n`));
    expect(spans.map((s) => [s.name, s.unit])).toEqual([["\uFFFDGET", "cart\uFFFD"]]);
    expect(problems.map((p) => p.code)).toEqual(["NF_SPAN_BAD_TEXT"]);
    expect(problems[0].message).toContain("lone surrogates");
  });

  it("give the same span and warning in OTLP protobuf as in OTLP JSON", async () => {
    const { ExportTraceServiceRequest } = otlpTypes();
    const message = request("XXXX", "cart", "4444444444444444");
    const span = message.resourceSpans[0].scopeSpans[0].spans[0];
    const pbMessage = ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        {
          ...message.resourceSpans[0],
          scopeSpans: [
            {
              spans: [
                {
                  ...span,
                  traceId: Buffer.from(span.traceId, "hex"),
                  spanId: Buffer.from(span.spanId, "hex"),
                },
              ],
            },
          ],
        },
      ],
    });
    const pb = withBadBytes(Buffer.from(ExportTraceServiceRequest.encode(pbMessage).finish()));
    const json = withBadBytes(Buffer.from(`${JSON.stringify(message)}\n`));
    const fromPb = await read("bad.pb", pb);
    const fromJson = await read("bad.json", json);
    expect(fromPb.spans).toEqual(fromJson.spans);
    expect(fromPb.spans[0].name).toBe("a\uFFFD(b");
    expect(fromPb.codes).toEqual(["NF_SPAN_BAD_TEXT"]);
    expect(fromJson.codes).toEqual(["NF_SPAN_BAD_TEXT"]);
  });
});

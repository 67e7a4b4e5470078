import { describe, expect, it } from "vitest";
import { otlpRequest, TRACE_ID } from "../../../test/support/otlp.ts";
import type { Problem } from "../../errors.ts";
import type { Span } from "../../model/span.ts";
import { decodeJsonValue } from "../route.ts";

function decode(value: unknown) {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  decodeJsonValue(
    value,
    { file: "in.json", line: 3 },
    { span: (s) => spans.push(s), problem: (p) => problems.push(p) },
  );
  return { spans, problems, codes: problems.map((p) => p.code) };
}

describe("the OTLP JSON decoder", () => {
  it("decodes ids, kinds, microsecond times, attributes and the unit from service.name", () => {
    const { spans, problems } = decode(
      otlpRequest([
        {
          spanId: "00f067aa0ba902b7",
          kind: 3,
          startMs: 1.5,
          endMs: 4,
          attributes: { "peer.service": "db", n: 7, ok: false },
          service: "cart",
        },
      ]),
    );
    expect(problems).toEqual([]);
    expect(spans).toEqual([
      expect.objectContaining({
        traceId: TRACE_ID,
        spanId: "00f067aa0ba902b7",
        parentSpanId: undefined,
        kind: "client",
        unit: "cart",
        startUs: 1_704_067_200_001_500,
        endUs: 1_704_067_200_004_000,
        attributes: { "peer.service": "db", n: 7, ok: false },
        resource: { "service.name": "cart" },
      }),
    ]);
  });

  it("prefers faas.name over service.name as the unit", () => {
    const request = otlpRequest([{ spanId: "00f067aa0ba902b7", service: "lambda-host" }]);
    request.resourceSpans[0].resource.attributes.push({ key: "faas.name", value: { stringValue: "resize" } });
    expect(decode(request).spans[0].unit).toBe("resize");
  });

  it("keeps nanosecond timestamps exact to the microsecond, beyond what a double holds", () => {
    const { spans } = decode(
      otlpRequest([
        {
          spanId: "00f067aa0ba902b7",
          startTimeUnixNano: "1704067200123456789",
          endTimeUnixNano: "1704067200123457999",
        },
      ]),
    );
    expect([spans[0].startUs, spans[0].endUs]).toEqual([1_704_067_200_123_456, 1_704_067_200_123_457]);
  });

  it("accepts Tempo's batches with base64 ids and string kinds", () => {
    const { spans, problems } = decode({
      batches: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "reviews" } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.from(TRACE_ID, "hex").toString("base64"),
                  spanId: Buffer.from("00f067aa0ba902b7", "hex").toString("base64"),
                  kind: "SPAN_KIND_SERVER",
                  startTimeUnixNano: "1704067200000000000",
                  endTimeUnixNano: "1704067200001000000",
                },
              ],
            },
          ],
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(spans[0]).toMatchObject({
      traceId: TRACE_ID,
      spanId: "00f067aa0ba902b7",
      kind: "server",
      unit: "reviews",
    });
  });

  it("accepts the Jaeger v3 API envelope", () => {
    const { spans } = decode({ result: otlpRequest([{ spanId: "00f067aa0ba902b7" }]) });
    expect(spans).toHaveLength(1);
  });

  it("rejects an id too long and an all-zero id, naming the line and the span's path", () => {
    const { problems, spans } = decode(
      otlpRequest([
        { spanId: "abcabcabcabcabcabc" },
        { spanId: "0000000000000000" },
        { spanId: "00f067aa0ba902b7", traceId: "0".repeat(32) },
        { spanId: "1111111111111111" },
      ]),
    );
    expect(problems.map((p) => [p.code, p.where])).toEqual([
      ["NF_SPAN_BAD_ID", { file: "in.json", line: 3, path: "resourceSpans[0].scopeSpans[0].spans[0]" }],
      ["NF_SPAN_ZERO_ID", { file: "in.json", line: 3, path: "resourceSpans[0].scopeSpans[0].spans[1]" }],
      ["NF_SPAN_ZERO_ID", { file: "in.json", line: 3, path: "resourceSpans[0].scopeSpans[0].spans[2]" }],
    ]);
    expect(spans.map((s) => s.spanId)).toEqual(["1111111111111111"]);
  });

  it("treats an all-zero parent id as no parent", () => {
    const { spans } = decode(otlpRequest([{ spanId: "1111111111111111", parentSpanId: "0000000000000000" }]));
    expect(spans[0].parentSpanId).toBeUndefined();
  });

  it("rejects a span that ends before it starts and absurd timestamps", () => {
    const { codes, spans } = decode(
      otlpRequest([
        { spanId: "1111111111111111", startMs: 5, endMs: 4 },
        { spanId: "2222222222222222", startTimeUnixNano: "0", endTimeUnixNano: "0" },
        {
          spanId: "3333333333333333",
          startTimeUnixNano: "32503680000000000000",
          endTimeUnixNano: "32503680000000000001",
        },
        { spanId: "4444444444444444", startTimeUnixNano: "soon" },
      ]),
    );
    expect(codes).toEqual([
      "NF_SPAN_END_BEFORE_START",
      "NF_SPAN_BAD_TIMESTAMP",
      "NF_SPAN_BAD_TIMESTAMP",
      "NF_SPAN_BAD_TIMESTAMP",
    ]);
    expect(spans).toEqual([]);
  });

  it("keeps a span without service.name as unknown_service and an unknown kind as unspecified, with warnings", () => {
    const { codes, spans } = decode(otlpRequest([{ spanId: "1111111111111111", kind: 9, service: null }]));
    expect(codes).toEqual(["NF_SPAN_UNKNOWN_KIND", "NF_SPAN_MISSING_SERVICE"]);
    expect(spans[0]).toMatchObject({ unit: "unknown_service", kind: "unspecified" });
  });

  it("reports JSON that is no trace format", () => {
    expect(decode({ hello: "world" }).codes).toEqual(["NF_FORMAT_UNKNOWN"]);
    expect(decode(42).codes).toEqual(["NF_FORMAT_UNKNOWN"]);
  });
});

import { describe, expect, it } from "vitest";
import type { Problem } from "../../errors.ts";
import type { Span } from "../../model/span.ts";
import { decodeJaegerTrace, looksLikeJaegerTrace } from "./jaeger-json.ts";

const where = { file: "export.json", path: "data[0]" };

function decode(element: unknown) {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  decodeJaegerTrace(element, where, { span: (s) => spans.push(s), problem: (p) => problems.push(p) });
  return { spans, problems, codes: problems.map((p) => p.code) };
}

const root = {
  traceID: "a03ee8fff1dcd9b9",
  spanID: "f5f268651b2a2b34",
  operationName: "HTTP GET /dispatch",
  references: [],
  startTime: 1571896375310000,
  duration: 5000,
  tags: [
    { key: "span.kind", type: "string", value: "server" },
    { key: "http.status_code", type: "int64", value: 200 },
    { key: "sampler.param", type: "bool", value: true },
    { key: "ratio", type: "float64", value: 0.5 },
  ],
  processID: "p1",
};
const child = {
  traceID: "a03ee8fff1dcd9b9",
  spanID: "7a778764a0d0b594",
  operationName: "GetDriver",
  references: [{ refType: "CHILD_OF", traceID: "a03ee8fff1dcd9b9", spanID: "f5f268651b2a2b34" }],
  startTime: 1571896375311000,
  duration: 2000,
  tags: [{ key: "span.kind", type: "string", value: "client" }],
  processID: "p2",
};
const processes = {
  p1: { serviceName: "frontend", tags: [{ key: "hostname", type: "string", value: "host-1" }] },
  p2: { serviceName: "driver", tags: [] },
};
const trace = (...spans: unknown[]) => ({ traceID: "a03ee8fff1dcd9b9", spans, processes });

describe("decodeJaegerTrace", () => {
  it("decodes a query-service trace with typed tags, kinds, parents and process resources", () => {
    const { spans, problems } = decode(trace(root, child));
    expect(problems).toEqual([]);
    expect(spans[0]).toEqual({
      traceId: "0000000000000000a03ee8fff1dcd9b9",
      spanId: "f5f268651b2a2b34",
      name: "HTTP GET /dispatch",
      kind: "server",
      startUs: 1571896375310000,
      endUs: 1571896375315000,
      unit: "frontend",
      status: "unset",
      attributes: { "http.status_code": 200, "sampler.param": true, ratio: 0.5 },
      resource: { hostname: "host-1", "service.name": "frontend" },
    });
    expect(spans[1]).toMatchObject({ parentSpanId: "f5f268651b2a2b34", kind: "client", unit: "driver" });
    expect(spans[1].links).toBeUndefined();
  });

  it("decodes an api_v2 span with base64 ids, an inline process, RFC 3339 start and a duration string", () => {
    const { spans, problems } = decode({
      spans: [
        {
          traceId: "AAAAAAAAAAAAAAAAAAAAEg==",
          spanId: "AAAAAAAAAAQ=",
          operationName: "query",
          references: [{ traceId: "AAAAAAAAAAAAAAAAAAAAEg==", spanId: "AAAAAAAAAP8=" }],
          startTime: "2017-01-26T16:46:31.639875Z",
          duration: "0.000123s",
          tags: [
            { key: "thread.id", vType: "INT64", vInt64: "88" },
            { key: "thread.name", vStr: "exec-8" },
            { key: "span.kind", vStr: "producer" },
          ],
          process: { serviceName: "query-service", tags: [{ key: "ip", vStr: "10.0.0.1" }] },
        },
      ],
    });
    expect(problems).toEqual([]);
    expect(spans[0]).toMatchObject({
      traceId: "00000000000000000000000000000012",
      spanId: "0000000000000004",
      parentSpanId: "00000000000000ff",
      kind: "producer",
      startUs: Date.UTC(2017, 0, 26, 16, 46, 31) * 1000 + 639875,
      unit: "query-service",
      attributes: { "thread.id": 88, "thread.name": "exec-8" },
      resource: { ip: "10.0.0.1", "service.name": "query-service" },
    });
    expect(spans[0].endUs - spans[0].startUs).toBe(123);
  });

  it("lowercases uppercase hex ids and keeps a 32-hex trace id", () => {
    const traceID = "4E441824EC2B6A44FFDC9BB9A6453DF3";
    const [span] = decode(trace({ ...root, traceID, spanID: "F5F268651B2A2B34" })).spans;
    expect(span.traceId).toBe("4e441824ec2b6a44ffdc9bb9a6453df3");
    expect(span.spanId).toBe("f5f268651b2a2b34");
  });

  it("takes the first CHILD_OF in the trace as parent and keeps every other reference as a link", () => {
    const references = [
      { refType: "FOLLOWS_FROM", traceID: "a03ee8fff1dcd9b9", spanID: "1111111111111111" },
      { refType: "CHILD_OF", traceID: "bbbbbbbbbbbbbbbb", spanID: "2222222222222222" },
      { refType: "CHILD_OF", traceID: "a03ee8fff1dcd9b9", spanID: "3333333333333333" },
    ];
    const [span] = decode(trace({ ...child, references })).spans;
    expect(span.parentSpanId).toBe("3333333333333333");
    expect(span.links).toEqual([
      { traceId: "0000000000000000a03ee8fff1dcd9b9", spanId: "1111111111111111" },
      { traceId: "0000000000000000bbbbbbbbbbbbbbbb", spanId: "2222222222222222" },
    ]);
  });

  it("falls back to a FOLLOWS_FROM parent, then to the legacy parentSpanID", () => {
    const followsFrom = [
      { refType: "FOLLOWS_FROM", traceID: "a03ee8fff1dcd9b9", spanID: "1111111111111111" },
    ];
    expect(decode(trace({ ...child, references: followsFrom })).spans[0].parentSpanId).toBe(
      "1111111111111111",
    );
    const legacy = { ...child, references: undefined, parentSpanID: "2222222222222222" };
    expect(decode(trace(legacy)).spans[0].parentSpanId).toBe("2222222222222222");
  });

  it("reads an all-zero parent as a root", () => {
    const zeroRef = [{ refType: "CHILD_OF", traceID: "a03ee8fff1dcd9b9", spanID: "0000000000000000" }];
    expect(decode(trace({ ...child, references: zeroRef })).spans[0].parentSpanId).toBeUndefined();
    const legacy = { ...child, references: [], parentSpanID: "0000000000000000" };
    expect(decode(trace(legacy)).spans[0].parentSpanId).toBeUndefined();
  });

  it("rejects an id that is too long with NF_SPAN_BAD_ID located at its span", () => {
    const { spans, problems } = decode(trace(root, { ...child, spanID: "7a778764a0d0b5e1f" }));
    expect(spans).toHaveLength(1);
    expect(problems.map((p) => [p.code, p.where])).toEqual([
      ["NF_SPAN_BAD_ID", { file: "export.json", path: "data[0].spans[1]" }],
    ]);
    expect(decode(trace({ ...root, traceID: "a03ee8fff1dcd9b9a0".repeat(2) })).codes).toEqual([
      "NF_SPAN_BAD_ID",
    ]);
  });

  it("rejects an all-zero span id with NF_SPAN_ZERO_ID", () => {
    expect(decode(trace({ ...root, spanID: "0000000000000000" })).codes).toEqual(["NF_SPAN_ZERO_ID"]);
  });

  it("rejects a negative duration with NF_SPAN_END_BEFORE_START", () => {
    expect(decode(trace({ ...root, duration: -1 })).codes).toEqual(["NF_SPAN_END_BEFORE_START"]);
    const apiV2 = { ...root, startTime: "2017-01-26T16:46:31Z", duration: "-0.5s" };
    expect(decode(trace(apiV2)).codes).toEqual(["NF_SPAN_END_BEFORE_START"]);
  });

  it("rejects a zero, year-3000 or unreadable start time with NF_SPAN_BAD_TIMESTAMP", () => {
    const year3000 = Date.UTC(3000, 0, 1) * 1000;
    const bad = [0, year3000, "yesterday", undefined].map((startTime) => ({ ...root, startTime }));
    const { spans, codes } = decode(trace(...bad));
    expect(spans).toEqual([]);
    expect(codes).toEqual(Array(4).fill("NF_SPAN_BAD_TIMESTAMP"));
  });

  it("warns about a missing process or service name and sets the unit to unknown_service", () => {
    const { spans, codes } = decode(trace({ ...root, processID: "p9" }, { ...child, processID: undefined }));
    expect(codes).toEqual(["NF_SPAN_MISSING_SERVICE", "NF_SPAN_MISSING_SERVICE"]);
    expect(spans.map((s) => s.unit)).toEqual(["unknown_service", "unknown_service"]);
  });

  it("warns about an unknown span.kind and keeps the span as unspecified", () => {
    const tags = [{ key: "span.kind", type: "string", value: "gateway" }];
    const { spans, codes } = decode(trace({ ...root, tags }));
    expect(codes).toEqual(["NF_SPAN_UNKNOWN_KIND"]);
    expect(spans[0].kind).toBe("unspecified");
    expect(spans[0].attributes).toEqual({});
  });

  it("marks a span failed on error=true or otel.status_code=ERROR", () => {
    const errorTag = [{ key: "error", type: "bool", value: true }];
    const otelError = [{ key: "otel.status_code", type: "string", value: "ERROR" }];
    expect(decode(trace({ ...root, tags: errorTag })).spans[0].status).toBe("error");
    expect(decode(trace({ ...root, tags: otelError })).spans[0].status).toBe("error");
  });

  it("rejects a trace without a spans array, or a span that is not an object, with NF_SHAPE_INVALID", () => {
    expect(decode({ traceID: "a03ee8fff1dcd9b9" }).codes).toEqual(["NF_SHAPE_INVALID"]);
    expect(decode(trace("span")).problems.map((p) => p.where.path)).toEqual(["data[0].spans[0]"]);
  });

  it("tells a Jaeger trace from a Zipkin span", () => {
    expect(looksLikeJaegerTrace(trace(root))).toBe(true);
    expect(
      looksLikeJaegerTrace({ spans: [{ traceId: "AAAAAAAAAAAAAAAAAAAAEg==", operationName: "q" }] }),
    ).toBe(true);
    expect(looksLikeJaegerTrace({ traceId: "a03ee8fff1dcd9b9", id: "7a778764a0d0b594" })).toBe(false);
  });
});

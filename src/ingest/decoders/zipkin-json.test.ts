import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../errors.ts";
import type { Span } from "../../model/span.ts";
import { decodeZipkinSpan, looksLikeZipkinSpan } from "./zipkin-json.ts";

const where = { file: "spans.json", path: "[3]" };

function decode(...elements: unknown[]) {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  const sink = { span: (s: Span) => spans.push(s), problem: (p: Problem) => problems.push(p) };
  for (const element of elements) decodeZipkinSpan(element, where, sink);
  return { spans, problems, codes: problems.map((p) => p.code) };
}

const client = {
  traceId: "a03ee8fff1dcd9b9",
  parentId: "f5f268651b2a2b34",
  id: "7a778764a0d0b594",
  kind: "CLIENT",
  name: "get",
  timestamp: 1571896375310000,
  duration: 3000,
  localEndpoint: { serviceName: "mobile_api" },
  remoteEndpoint: { serviceName: "spectre", port: 31286 },
  tags: { "http.uri.client": "/visits" },
};
const server = {
  ...client,
  kind: "SERVER",
  timestamp: 1571896375310740,
  duration: 1490,
  localEndpoint: { serviceName: "spectre" },
  remoteEndpoint: undefined,
  tags: { region: "uswest1-prod" },
  shared: true,
};

describe("decodeZipkinSpan", () => {
  it("decodes a client span with its service, peer service, tags and a padded 64-bit trace id", () => {
    const { spans, problems } = decode(client);
    expect(problems).toEqual([]);
    expect(spans).toEqual([
      {
        traceId: "0000000000000000a03ee8fff1dcd9b9",
        spanId: "7a778764a0d0b594",
        parentSpanId: "f5f268651b2a2b34",
        name: "get",
        kind: "client",
        startUs: 1571896375310000,
        endUs: 1571896375313000,
        unit: "mobile_api",
        status: "unset",
        attributes: { "http.uri.client": "/visits", "peer.service": "spectre", "server.port": 31286 },
        resource: { "service.name": "mobile_api" },
      },
    ]);
  });

  it("emits the client and server halves of a shared span as two spans with one span id", () => {
    const { spans } = decode(client, server);
    expect(spans.map((s) => [s.spanId, s.kind, s.unit])).toEqual([
      ["7a778764a0d0b594", "client", "mobile_api"],
      ["7a778764a0d0b594", "server", "spectre"],
    ]);
    expect(spans[1].attributes["zipkin.shared"]).toBe(true);
    expect(spans[1].parentSpanId).toBe("f5f268651b2a2b34");
  });

  it("names the remote address when the remote endpoint has no service name", () => {
    const remoteEndpoint = { ipv4: "10.0.0.7", port: 3306 };
    const [clientSpan] = decode({ ...client, remoteEndpoint }).spans;
    expect(clientSpan.attributes).toMatchObject({ "server.address": "10.0.0.7", "server.port": 3306 });
    expect(clientSpan.attributes["peer.service"]).toBeUndefined();
    const [serverSpan] = decode({ ...server, remoteEndpoint }).spans;
    expect(serverSpan.attributes).toMatchObject({ "client.address": "10.0.0.7", "client.port": 3306 });
  });

  it("keeps a 32-hex trace id and lowercases uppercase hex ids", () => {
    const traceId = "4E441824EC2B6A44FFDC9BB9A6453DF3";
    const [span] = decode({ ...client, traceId, id: "FFDC9BB9A6453DF3" }).spans;
    expect(span.traceId).toBe("4e441824ec2b6a44ffdc9bb9a6453df3");
    expect(span.spanId).toBe("ffdc9bb9a6453df3");
  });

  it("rejects an id that is too long, or not hex, with NF_SPAN_BAD_ID", () => {
    const { spans, problems } = decode(
      { ...client, id: "7a778764a0d0b5e1f" },
      { ...client, id: "7a778764a0d0b5eg" },
    );
    expect(spans).toEqual([]);
    expect(problems.map((p) => [p.code, p.where])).toEqual([
      ["NF_SPAN_BAD_ID", where],
      ["NF_SPAN_BAD_ID", where],
    ]);
    expect(decode({ ...client, traceId: "a03ee8fff1dcd9b9a0".repeat(2) }).codes).toEqual(["NF_SPAN_BAD_ID"]);
    expect(decode({ ...client, parentId: "xyz" }).codes).toEqual(["NF_SPAN_BAD_ID"]);
  });

  it("rejects an all-zero span or trace id with NF_SPAN_ZERO_ID", () => {
    expect(decode({ ...client, id: "0000000000000000" }).codes).toEqual(["NF_SPAN_ZERO_ID"]);
    expect(decode({ ...client, traceId: "0".repeat(32) }).codes).toEqual(["NF_SPAN_ZERO_ID"]);
  });

  it("reads an all-zero parent id, or a parent id equal to its own id, as a root", () => {
    expect(decode({ ...client, parentId: "0000000000000000" }).spans[0].parentSpanId).toBeUndefined();
    expect(decode({ ...client, parentId: client.id }).spans[0].parentSpanId).toBeUndefined();
  });

  it("rejects a negative duration with NF_SPAN_END_BEFORE_START", () => {
    expect(decode({ ...client, duration: -5 }).codes).toEqual(["NF_SPAN_END_BEFORE_START"]);
  });

  it("leaves out a record without timestamp as a fragment of a span recorded elsewhere, with a warning", () => {
    const { spans, codes } = decode({ ...client, timestamp: undefined });
    expect(spans).toEqual([]);
    expect(codes).toEqual(["NF_SPAN_FRAGMENT"]);
  });

  it("rejects a zero, textual or year-3000 timestamp with NF_SPAN_BAD_TIMESTAMP", () => {
    const { spans, codes } = decode(
      { ...client, timestamp: "yesterday" },
      { ...client, timestamp: 0 },
      { ...client, timestamp: Date.UTC(3000, 0, 1) * 1000 },
    );
    expect(spans).toEqual([]);
    expect(codes).toEqual(["NF_SPAN_BAD_TIMESTAMP", "NF_SPAN_BAD_TIMESTAMP", "NF_SPAN_BAD_TIMESTAMP"]);
  });

  it("keeps a span without a duration as a zero-length span", () => {
    const [span] = decode({ ...client, duration: undefined }).spans;
    expect(span.endUs).toBe(span.startUs);
  });

  it("warns about a missing service name and sets the unit to unknown_service", () => {
    const { spans, problems } = decode({ ...client, localEndpoint: { ipv4: "10.0.0.1" } });
    expect(problems.map((p) => [p.code, p.where])).toEqual([["NF_SPAN_MISSING_SERVICE", where]]);
    expect(spans[0].unit).toBe("unknown_service");
  });

  it("warns about an unknown kind and keeps the span as unspecified", () => {
    const { spans, codes } = decode({ ...client, kind: "GATEWAY" });
    expect(codes).toEqual(["NF_SPAN_UNKNOWN_KIND"]);
    expect(spans[0].kind).toBe("unspecified");
    expect(decode({ ...client, kind: undefined }).spans[0].kind).toBe("unspecified");
  });

  it("marks a span with an error tag as failed, whatever the tag's value", () => {
    expect(decode({ ...client, tags: { error: "" } }).spans[0].status).toBe("error");
  });

  it("rejects an element that is not an object with NF_SHAPE_INVALID", () => {
    expect(decode([client]).codes).toEqual(["NF_SHAPE_INVALID"]);
  });

  it("tells a Zipkin span from a Jaeger trace", () => {
    expect(looksLikeZipkinSpan(client)).toBe(true);
    expect(looksLikeZipkinSpan({ traceID: "a03ee8fff1dcd9b9", spans: [], processes: {} })).toBe(false);
    expect(looksLikeZipkinSpan(null)).toBe(false);
  });
});

describe("decodeZipkinSpan on the real Zipkin test traces", () => {
  function decodeFile(name: string) {
    const url = new URL(`../../../../shared/corpus/zipkin-testdata/${name}`, import.meta.url);
    const records: unknown[] = JSON.parse(readFileSync(url, "utf8"));
    const spans: Span[] = [];
    const problems: Problem[] = [];
    const sink = { span: (s: Span) => spans.push(s), problem: (p: Problem) => problems.push(p) };
    records.forEach((record, i) => {
      decodeZipkinSpan(record, { file: name, path: `[${i}]` }, sink);
    });
    const ids = new Set(spans.map((s) => s.spanId));
    const units = [...new Set(spans.map((s) => s.unit))].sort();
    return { records, spans, problems, ids, units };
  }

  it("decodes yelp.json to 16 spans, 13 span ids and 6 local services, without problems", () => {
    const { spans, problems, ids, units } = decodeFile("yelp.json");
    expect(problems).toEqual([]);
    expect(spans).toHaveLength(16);
    expect(ids.size).toBe(13);
    expect(units).toEqual([
      "mobile_api",
      "routing",
      "spectre",
      "unknown",
      "yelp-main",
      "yelp_main/api_proxy",
    ]);
  });

  it("decodes smartthings record by record to 663 span ids and 16 services, leaving out only its 84 timestamp-less fragments (merged before this decoder in a file)", () => {
    const { records, spans, problems, ids, units } = decodeFile("smartthings-mobile-web-install.json");
    expect(records).toHaveLength(1041);
    expect(spans).toHaveLength(1041 - 84);
    expect(ids.size).toBe(663);
    expect(units).toHaveLength(16);
    expect(problems).toHaveLength(84);
    // Each left-out record is late data of a shared SERVER half that was decoded: same id, same host.
    for (const p of problems) {
      expect(p.code).toBe("NF_SPAN_FRAGMENT");
      const record = records[Number(p.where.path?.slice(1, -1))] as { id: string; localEndpoint: object };
      expect(record).not.toHaveProperty("timestamp");
      const server = spans.find((s) => s.spanId === record.id && s.kind === "server");
      expect(server?.unit).toBe((record.localEndpoint as { serviceName: string }).serviceName);
    }
  });
});

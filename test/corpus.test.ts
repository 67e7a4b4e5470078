/**
 * Every real trace file of ../shared/corpus (except the raw CSVs) replays without error, with the
 * trace, span and service counts that its SOURCES.md states.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Inventory } from "../src/analyse/inventory.ts";
import { replayFiles } from "../src/pipeline/replay.ts";

const corpus = (path: string) => fileURLToPath(new URL(`../../shared/corpus/${path}`, import.meta.url));

async function replay(path: string) {
  const inventory = new Inventory();
  const ids = new Set<string>();
  const result = await replayFiles([corpus(path)], (tree) => {
    inventory.add(tree);
    for (const node of tree.nodes.values()) ids.add(`${node.span.traceId}/${node.span.spanId}`);
  });
  return { summary: inventory.summary(), problems: result.problems, spansRead: result.spansRead, ids };
}

const cases = [
  { path: "jaeger-hotrod-otlp/getTrace-response.json", traces: 1, spans: 40, units: 6 },
  { path: "kiali-bookinfo-tempo/responseTrace.json", traces: 1, spans: 8, units: 5 },
  { path: "nezha-onlineboutique/17_00_trace.otlp.jsonl.gz", traces: 502, spans: 22_969, units: 10 },
  { path: "nezha-trainticket/08_50_trace.otlp.jsonl.gz", traces: 71, spans: 4_890, units: 25 },
  // 84 of its 1,041 records are timestamp-less fragments (a name and a local endpoint, no kind, time
  // or duration) of a shared SERVER record of the same id and host: merged into it (issue 8.2), so
  // 1,041 records become 957 spans.
  { path: "zipkin-testdata/smartthings-mobile-web-install.json", traces: 1, spans: 957, units: 16 },
  { path: "zipkin-testdata/yelp.json", traces: 1, spans: 16, units: 6 },
];

describe("the real trace corpus", () => {
  for (const c of cases) {
    it(`replays ${c.path}: ${c.traces} trace(s), ${c.spans} spans, ${c.units} services, no rejected input`, async () => {
      const { summary, problems, spansRead } = await replay(c.path);
      expect(problems.bySeverity("reject")).toEqual({});
      expect(spansRead).toBe(c.spans);
      expect(summary).toMatchObject({ traces: c.traces, spans: c.spans, units: c.units, partialTraces: 0 });
      expect(summary.hops).toBeGreaterThan(0);
    });
  }

  it("splits Zipkin's shared client/server records into distinct spans: SmartThings has 663 span ids in 1,041 records", async () => {
    const { summary, problems } = await replay("zipkin-testdata/smartthings-mobile-web-install.json");
    // Before issue 8.2 the 84 fragments were left out with NF_SPAN_FRAGMENT; now they merge into
    // their spans, which they fit (same id, side and host), so nothing is warned and no count moves.
    expect(problems.bySeverity("warn")).toEqual({});
    // One id has a CLIENT record and five SERVER records (deliveries at different times): four re-id'd.
    expect(summary.repeatedSpanIds).toBe(4);
    expect(summary.spans - summary.sharedSpans - summary.repeatedSpanIds).toBe(663);
  });

  it("finds a hop for every parent → child pair that crosses units in the Nezha exports, which carry no span kinds", async () => {
    const lines = gunzipSync(readFileSync(corpus("nezha-trainticket/08_50_trace.otlp.jsonl.gz")))
      .toString()
      .trim()
      .split("\n");
    const unitOf = new Map<string, string>();
    const parentOf = new Map<string, string>();
    for (const line of lines) {
      for (const rs of JSON.parse(line).resourceSpans) {
        const service = rs.resource.attributes.find((a: { key: string }) => a.key === "service.name").value
          .stringValue;
        for (const span of rs.scopeSpans.flatMap((s: { spans: unknown[] }) => s.spans)) {
          expect(span.kind ?? 0).toBe(0);
          unitOf.set(span.spanId, service);
          if (span.parentSpanId) parentOf.set(span.spanId, span.parentSpanId);
        }
      }
    }
    const crossing = [...parentOf].filter(
      ([child, parent]) => unitOf.get(child) !== unitOf.get(parent),
    ).length;
    const { summary } = await replay("nezha-trainticket/08_50_trace.otlp.jsonl.gz");
    expect(summary.hops).toBe(crossing);
  });
});

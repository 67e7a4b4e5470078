import { describe, expect, it } from "vitest";
import { buildCallTree } from "../assemble/call-tree.ts";
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";
import { Analyser } from "./analyser.ts";
import { analysisSummary, edgeReports, unitReports } from "./report.ts";
import { testSpan } from "./test-helpers.ts";

/** A seeded shop-like trace: gateway → cart → pricing, with a fan-out from cart. */
function trace(n: number): Trace {
  const t0 = 1_704_067_200_000_000 + n * 7_919_000;
  const traceId = n.toString(16).padStart(32, "0");
  const id = (k: number) => (n * 16 + k).toString(16).padStart(16, "0");
  const jitter = (n * 37) % 11;
  const spans: Span[] = [
    testSpan({ spanId: id(1), startUs: t0, endUs: t0 + 100 + jitter, unit: "gateway", kind: "server" }),
    testSpan({
      spanId: id(2),
      parentSpanId: id(1),
      startUs: t0 + 5,
      endUs: t0 + 95,
      unit: "gateway",
      kind: "client",
    }),
    testSpan({
      spanId: id(3),
      parentSpanId: id(2),
      startUs: t0 + 7,
      endUs: t0 + 93,
      unit: "cart",
      kind: "server",
    }),
    testSpan({
      spanId: id(4),
      parentSpanId: id(3),
      startUs: t0 + 10,
      endUs: t0 + 50 + jitter,
      unit: "cart",
      kind: "client",
    }),
    testSpan({
      spanId: id(5),
      parentSpanId: id(4),
      startUs: t0 + 12,
      endUs: t0 + 48,
      unit: "pricing",
      kind: "server",
    }),
    testSpan({
      spanId: id(6),
      parentSpanId: id(3),
      startUs: t0 + 10,
      endUs: t0 + 80,
      unit: "cart",
      kind: "client",
    }),
    testSpan({
      spanId: id(7),
      parentSpanId: id(6),
      startUs: t0 + 13,
      endUs: t0 + 77,
      unit: "tax",
      kind: "server",
    }),
  ].map((s) => ({ ...s, traceId }));
  return { key: traceId, traceIds: [traceId], spans, cut: "flush", partial: false, duplicates: 0 };
}

function report(order: number[], windowUs = 60_000_000) {
  const analyser = new Analyser({ windowUs, keepAliveUs: () => 30_000_000 });
  for (const n of order) analyser.add(buildCallTree(trace(n)));
  const result = analyser.finish();
  return { summary: analysisSummary(result), edges: edgeReports(result), units: unitReports(result) };
}

describe("the analyser", () => {
  const order = Array.from({ length: 40 }, (_, i) => i);

  it("gives the same aggregates whatever order the traces arrive in", () => {
    const shuffled = [...order].sort((a, b) => ((a * 7919) % 41) - ((b * 7919) % 41));
    expect(report(shuffled)).toEqual(report(order));
  });

  it("gives the same totals however the time is cut into windows", () => {
    const coarse = report(order, 3_600_000_000);
    const fine = report(order, 10_000_000);
    expect(fine.summary.windows).toBeGreaterThan(1);
    expect({ ...fine.summary, windows: 1 }).toEqual(coarse.summary);
    expect(fine.edges).toEqual(coarse.edges);
  });

  it("measures the edges: calls, network time, critical-path network time and fan-out stragglers", () => {
    const { edges, summary } = report(order);
    const byName = Object.fromEntries(edges.map((e) => [`${e.from}>${e.to}`, e]));
    expect(byName["gateway>cart"]).toMatchObject({
      calls: 40,
      networkUs: { p50: 4, sum: 160 },
      criticalPathNetworkUs: 160,
    });
    expect(byName["cart>tax"]).toMatchObject({
      calls: 40,
      criticalPathNetworkUs: 6 * 40,
      stragglerCount: 40,
    });
    expect(byName["cart>pricing"]).toMatchObject({ calls: 40, criticalPathNetworkUs: 0, stragglerCount: 0 });
    expect(summary.criticalPathUs).toBe(summary.rootDurationUs);
  });

  it("ranks units by critical-path time and finds the hub of the service graph", () => {
    const { units } = report(order);
    const cart = units.find((u) => u.unit === "cart");
    expect(cart?.betweenness).toBeGreaterThan(0);
    expect(units.find((u) => u.unit === "gateway")?.betweenness).toBe(0);
    expect(units.map((u) => u.criticalPathUs)).toEqual(
      [...units.map((u) => u.criticalPathUs)].sort((a, b) => b - a),
    );
  });

  it("infers cold starts after idle gaps longer than the keep-alive", () => {
    const analyser = new Analyser({ keepAliveUs: () => 5_000_000 });
    for (const n of order) analyser.add(buildCallTree(trace(n)));
    expect(analyser.finish().coldStarts).toBe(4 * 39);
  });
});

describe("the analysis result's service graph", () => {
  it("is built once, when first read, so a caller that never reads it (plan) never pays for it", () => {
    const analyser = new Analyser();
    const tree = buildCallTree({
      key: "t",
      traceIds: ["t"],
      spans: [
        testSpan({ spanId: "a1", startUs: 0, endUs: 100, unit: "gateway", kind: "client" }),
        testSpan({ spanId: "b1", parentSpanId: "a1", startUs: 10, endUs: 90, unit: "cart", kind: "server" }),
      ],
      cut: "flush",
      partial: false,
      duplicates: 0,
    });
    analyser.add(tree);
    const result = analyser.finish();
    const graph = result.graph;
    expect(result.graph).toBe(graph);
    expect(graph.order).toBe(2);
    expect(analysisSummary(result)).not.toHaveProperty("betweenness");
  });
});

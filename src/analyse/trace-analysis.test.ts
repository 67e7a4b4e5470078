import { describe, expect, it } from "vitest";
import { buildCallTree } from "../assemble/call-tree.ts";
import { traceOf } from "../model/build.ts";
import type { Span } from "../model/span.ts";
import { namedSpan } from "./test-helpers.ts";
import { analyseTrace } from "./trace-analysis.ts";

const tree = (spans: Span[]) => buildCallTree(traceOf(spans));
const id = (name: string) => name.padStart(16, "0");
const span = namedSpan;

describe("the analysis of one trace", () => {
  it("puts a synchronous hop's whole network time on the critical path when it is on the path", () => {
    const analysis = analyseTrace(
      tree([
        span("a", undefined, 0, 100, "gateway", "server"),
        span("b", "a", 10, 90, "gateway", "client"),
        span("c", "b", 15, 85, "cart", "server"),
      ]),
    );
    expect(analysis.hopCosts.map((h) => [h.hop.from, h.hop.to, h.hop.networkUs, h.criticalUs])).toEqual([
      ["gateway", "cart", 10, 10],
    ]);
    expect(analysis.paths[0].sections.reduce((sum, s) => sum + s.endUs - s.startUs, 0)).toBe(100);
  });

  it("keeps a hop that runs beside a longer sibling off the critical path", () => {
    const analysis = analyseTrace(
      tree([
        span("a", undefined, 0, 100, "checkout", "server"),
        span("b", "a", 10, 30, "checkout", "client"),
        span("c", "b", 12, 28, "inventory", "server"),
        span("d", "a", 10, 90, "checkout", "client"),
        span("e", "d", 12, 88, "shipping", "server"),
      ]),
    );
    const cost = Object.fromEntries(analysis.hopCosts.map((h) => [h.hop.to, h.criticalUs]));
    expect(cost).toEqual({ inventory: 0, shipping: 4 });
    expect(analysis.barriers).toMatchObject([{ stragglerSpanId: id("d"), waitUs: 60 }]);
  });

  it("gives an asynchronous hop no critical-path time, and a path to each root and orphan", () => {
    const analysis = analyseTrace(
      tree([
        span("a", undefined, 0, 10, "orders", "producer"),
        span("b", "a", 50, 60, "notify", "consumer"),
        span("c", "zz", 5, 8, "audit", "server"),
      ]),
    );
    expect(analysis.hopCosts.map((h) => [h.hop.mode, h.criticalUs])).toEqual([["async", 0]]);
    expect(analysis.paths.map((p) => [p.rootSpanId, p.orphan, p.durationUs])).toEqual([
      [id("a"), false, 10],
      [id("c"), true, 3],
    ]);
  });
});

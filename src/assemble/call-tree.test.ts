import { describe, expect, it } from "vitest";
import { EPOCH_US, makeSpan, traceOf } from "../model/build.ts";
import { buildCallTree } from "./call-tree.ts";
import { derivedSpanId } from "./shared-spans.ts";

const at = (startMs: number, endMs: number) => ({
  startUs: EPOCH_US + startMs * 1000,
  endUs: EPOCH_US + endMs * 1000,
});

describe("the call tree", () => {
  it("links children to parents and sorts them by start time", () => {
    const tree = buildCallTree(
      traceOf([
        makeSpan({ spanId: "a".repeat(16), ...at(0, 10) }),
        makeSpan({ spanId: "c".repeat(16), parentSpanId: "a".repeat(16), ...at(5, 6) }),
        makeSpan({ spanId: "b".repeat(16), parentSpanId: "a".repeat(16), ...at(1, 2) }),
      ]),
    );
    expect(tree.roots.map((n) => n.span.spanId)).toEqual(["a".repeat(16)]);
    expect(tree.roots[0].children.map((n) => n.span.spanId)).toEqual(["b".repeat(16), "c".repeat(16)]);
    expect(tree.orphans).toEqual([]);
  });

  it("keeps spans whose parent is missing as orphans heading their own subtree, and several roots", () => {
    const tree = buildCallTree(
      traceOf([
        makeSpan({ spanId: "a".repeat(16), ...at(0, 10) }),
        makeSpan({ spanId: "b".repeat(16), ...at(1, 10) }),
        makeSpan({ spanId: "c".repeat(16), parentSpanId: "f".repeat(16), ...at(2, 3) }),
      ]),
    );
    expect(tree.roots).toHaveLength(2);
    expect(tree.orphans.map((n) => n.span.spanId)).toEqual(["c".repeat(16)]);
  });

  it("breaks a parent cycle at its earliest span instead of losing the spans", () => {
    const tree = buildCallTree(
      traceOf([
        makeSpan({ spanId: "a".repeat(16), parentSpanId: "b".repeat(16), ...at(0, 10) }),
        makeSpan({ spanId: "b".repeat(16), parentSpanId: "a".repeat(16), ...at(1, 5) }),
      ]),
    );
    expect(tree.orphans.map((n) => n.span.spanId)).toEqual(["a".repeat(16)]);
    expect(tree.orphans[0].children.map((n) => n.span.spanId)).toEqual(["b".repeat(16)]);
  });

  it("splits Zipkin's shared client/server span into a client span and its server child", () => {
    const shared = "5".repeat(16);
    const tree = buildCallTree(
      traceOf([
        makeSpan({ spanId: "a".repeat(16), unit: "web", ...at(0, 20) }),
        makeSpan({ spanId: shared, parentSpanId: "a".repeat(16), kind: "client", unit: "web", ...at(1, 11) }),
        makeSpan({
          spanId: shared,
          parentSpanId: "a".repeat(16),
          kind: "server",
          unit: "auth",
          ...at(2, 10),
        }),
        makeSpan({ spanId: "d".repeat(16), parentSpanId: shared, unit: "auth", ...at(3, 4) }),
      ]),
    );
    const client = tree.nodes.get(derivedSpanId(shared));
    expect(client?.span.kind).toBe("client");
    expect(client?.children.map((n) => n.span.unit)).toEqual(["auth"]);
    expect(tree.nodes.get(shared)?.children.map((n) => n.span.spanId)).toEqual(["d".repeat(16)]);
    expect(tree.stats.sharedSpans).toBe(1);
    expect(tree.hops).toMatchObject([{ from: "web", to: "auth", networkUs: 2000, estimated: false }]);
  });
});

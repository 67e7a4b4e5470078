import { describe, expect, it } from "vitest";
import { EPOCH_US, makeSpan, traceOf } from "../model/build.ts";
import type { Span } from "../model/span.ts";
import { buildCallTree } from "./call-tree.ts";

const hopsOf = (spans: Span[]) => buildCallTree(traceOf(spans)).hops;
const at = (startMs: number, endMs: number) => ({
  startUs: EPOCH_US + startMs * 1000,
  endUs: EPOCH_US + endMs * 1000,
});
const A = "a".repeat(16);
const B = "b".repeat(16);
const C = "c".repeat(16);

describe("hops", () => {
  it("are a client span in one unit with a server child in another, costing client minus server time", () => {
    const hops = hopsOf([
      makeSpan({ spanId: A, kind: "client", unit: "cart", ...at(0, 10) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "server", unit: "pricing", ...at(2, 9) }),
    ]);
    expect(hops).toEqual([
      expect.objectContaining({
        from: "cart",
        to: "pricing",
        mode: "sync",
        networkUs: 3000,
        skewUs: 0,
        estimated: false,
      }),
    ]);
  });

  it("are not counted when client and server are in the same unit", () => {
    const hops = hopsOf([
      makeSpan({ spanId: A, kind: "client", unit: "cart", ...at(0, 10) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "server", unit: "cart", ...at(2, 9) }),
    ]);
    expect(hops).toEqual([]);
  });

  it("count a server longer than its client as clock skew, never as negative network time", () => {
    const [hop] = hopsOf([
      makeSpan({ spanId: A, kind: "client", unit: "cart", ...at(0, 10) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "server", unit: "pricing", ...at(-1, 11) }),
    ]);
    expect(hop).toMatchObject({ networkUs: 0, skewUs: 2000 });
  });

  it("are asynchronous from a producer to a consumer, costing the delay until the consumer starts", () => {
    const [hop] = hopsOf([
      makeSpan({ spanId: A, kind: "producer", unit: "orders", ...at(0, 1) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "consumer", unit: "notify", ...at(40, 50) }),
    ]);
    expect(hop).toMatchObject({ mode: "async", networkUs: 40_000 });
  });

  it("are inferred between units when the export has no span kinds, estimated when the parent has other children", () => {
    const hops = hopsOf([
      makeSpan({ spanId: A, kind: "unspecified", unit: "frontend", ...at(0, 10) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "unspecified", unit: "cart", ...at(1, 5) }),
      makeSpan({ spanId: C, parentSpanId: A, kind: "unspecified", unit: "ads", ...at(5, 9) }),
    ]);
    expect(hops.map((h) => [h.to, h.networkUs, h.estimated])).toEqual([
      ["cart", 6000, true],
      ["ads", 6000, true],
    ]);
    const [only] = hopsOf([
      makeSpan({ spanId: A, kind: "unspecified", unit: "frontend", ...at(0, 10) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "unspecified", unit: "cart", ...at(1, 9) }),
    ]);
    expect(only).toMatchObject({ networkUs: 2000, estimated: false });
  });

  it("are not counted for an in-process call between functions deployed together", () => {
    const hops = hopsOf([
      makeSpan({ spanId: A, kind: "server", unit: "cart", ...at(0, 10) }),
      makeSpan({ spanId: B, parentSpanId: A, kind: "internal", unit: "pricing", ...at(1, 9) }),
    ]);
    expect(hops).toEqual([]);
  });

  it("go to a virtual unit named from peer.service, server.address or db.system when the callee is not instrumented", () => {
    const hops = hopsOf([
      makeSpan({ spanId: A, unit: "cart", ...at(0, 20) }),
      makeSpan({
        spanId: B,
        parentSpanId: A,
        kind: "client",
        unit: "cart",
        attributes: { "db.system": "redis" },
        ...at(1, 3),
      }),
      makeSpan({
        spanId: C,
        parentSpanId: A,
        kind: "client",
        unit: "cart",
        attributes: { "server.address": "payments.internal", "db.system": "x" },
        ...at(4, 9),
      }),
    ]);
    expect(hops.map((h) => [h.to, h.virtual, h.networkUs])).toEqual([
      ["redis", true, 2000],
      ["payments.internal", true, 5000],
    ]);
  });
});

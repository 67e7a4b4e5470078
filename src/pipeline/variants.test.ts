import { describe, expect, it } from "vitest";
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";
import { variantRequest } from "./variants.ts";

const span = (over: Partial<Span>): Span => ({
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  name: "POST /checkout",
  kind: "server",
  startUs: 1000,
  endUs: 26_000,
  unit: "gateway",
  status: "unset",
  attributes: {},
  resource: { "nanofuse.variant": "candidate" },
  ...over,
});
const trace = (spans: Span[], partial = false): Trace => ({
  key: spans[0].traceId,
  traceIds: [spans[0].traceId],
  spans,
  cut: "idle",
  partial,
  duplicates: 0,
});

describe("a trace as a rollout's request", () => {
  it("is its root's variant, duration and outcome", () => {
    const child = span({
      spanId: "00f067aa0ba902b8",
      parentSpanId: "00f067aa0ba902b7",
      startUs: 0,
      endUs: 1,
    });
    expect(variantRequest(trace([child, span({})]))).toEqual({
      variant: "candidate",
      latencyUs: 25_000,
      error: false,
    });
    expect(
      variantRequest(trace([span({ status: "error", resource: { "nanofuse.variant": "control" } })])),
    ).toEqual({ variant: "control", latencyUs: 25_000, error: true });
  });

  it("is no request without a known variant, without a root, or when the trace may be incomplete", () => {
    expect(variantRequest(trace([span({ resource: {} })]))).toBeNull();
    expect(variantRequest(trace([span({ resource: { "nanofuse.variant": "blue" } })]))).toBeNull();
    expect(variantRequest(trace([span({ parentSpanId: "00f067aa0ba902b9" })]))).toBeNull();
    expect(variantRequest(trace([span({})], true))).toBeNull();
  });
});

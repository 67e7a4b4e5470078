import { describe, expect, it } from "vitest";
import type { Span } from "../model/span.ts";
import { RecentRoots, variantRequest } from "./variants.ts";

const span = (over: Partial<Span>): Span => ({
  traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
  spanId: "00f067aa0ba902b7",
  name: "invoke gateway",
  kind: "server",
  startUs: 1000,
  endUs: 26_000,
  unit: "gateway",
  status: "unset",
  attributes: {},
  resource: { "nanofuse.variant": "candidate" },
  ...over,
});

describe("a root span as a rollout's request", () => {
  it("is the root's variant, duration and outcome", () => {
    expect(variantRequest(span({}))).toEqual({ variant: "candidate", latencyUs: 25_000, error: false });
    expect(variantRequest(span({ status: "error", resource: { "nanofuse.variant": "control" } }))).toEqual({
      variant: "control",
      latencyUs: 25_000,
      error: true,
    });
  });

  it("is no request for a child span, a consumer's root, or a span without a known variant", () => {
    expect(variantRequest(span({ parentSpanId: "00f067aa0ba902b9" }))).toBeNull();
    expect(variantRequest(span({ kind: "consumer" }))).toBeNull();
    expect(variantRequest(span({ resource: {} }))).toBeNull();
    expect(variantRequest(span({ resource: { "nanofuse.variant": "blue" } }))).toBeNull();
  });

  it("counts a root delivered twice once, remembering only the latest roots", () => {
    const roots = new RecentRoots(2);
    const a = span({});
    const b = span({ spanId: "00f067aa0ba902b8" });
    const c = span({ spanId: "00f067aa0ba902b9" });
    expect([roots.add(a), roots.add(a), roots.add(b), roots.add(c), roots.add(a)]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
  });
});

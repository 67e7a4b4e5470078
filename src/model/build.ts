import type { Span } from "./span.ts";
import type { Trace } from "./trace.ts";

let counter = 0;

/**
 * Builds a valid span with readable defaults, for tests and generated data: ids derived from the
 * given names, times in microseconds since 2024-01-01.
 */
export function makeSpan(overrides: Partial<Span> & { spanId: string }): Span {
  counter++;
  return {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    name: `op-${counter}`,
    kind: "internal",
    startUs: EPOCH_US,
    endUs: EPOCH_US + 1000,
    unit: "svc",
    status: "unset",
    attributes: {},
    resource: {},
    ...overrides,
  };
}

/** 2024-01-01T00:00:00Z in microseconds. */
export const EPOCH_US = 1_704_067_200_000_000;

/** The spans as one complete trace (as the buffer would hand it over at the end of input). */
export function traceOf(spans: Span[]): Trace {
  const traceId = spans[0]?.traceId ?? "0af7651916cd43dd8448eb211c80319c";
  return { key: traceId, traceIds: [traceId], spans, cut: "flush", partial: false, duplicates: 0 };
}

import type { Span } from "./span.ts";

/** Why the buffer let a trace go. Everything but `idle` and `flush` means it may be incomplete. */
export type CutReason = "idle" | "flush" | "max-age" | "max-spans" | "evicted";

/** The spans of one logical request, as assembled from a stream. */
export interface Trace {
  /** The correlation key: the trace id, or the value of the configured correlation attribute. */
  key: string;
  /** Every trace id that was stitched into this trace, sorted. */
  traceIds: string[];
  /** Sorted by start time, then span id. */
  spans: Span[];
  cut: CutReason;
  /** True when spans may be missing (cut early, or a continuation of a trace already cut). */
  partial: boolean;
  /** Exact duplicate spans that were dropped. */
  duplicates: number;
  /**
   * Whether two different spans share a span id (Zipkin's shared client/server spans). `false` lets
   * the call tree skip looking; absent means not known.
   */
  repeatedIds?: boolean;
}

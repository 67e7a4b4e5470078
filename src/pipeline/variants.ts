/**
 * A/B variants in the live pipeline: a request is a root span (no parent; not a CONSUMER, which is
 * work a message started, not a request) whose resource attribute `nanofuse.variant` is control or
 * candidate, as `nanofuse host` sets it; its latency is the root's duration and it failed when the
 * root's status is error. Taken from spans as they arrive rather than from completed traces: the
 * root alone says all of it, and a trace the buffer cut into fragments (spans of one request
 * exported seconds apart by a busy process) would otherwise lose it. A root received twice (an
 * exporter's retry) counts once, as long as it is among the last `remember` roots.
 */
import type { Span } from "../model/span.ts";
import type { RolloutVariant } from "../store/store.ts";

export const VARIANT_ATTRIBUTE = "nanofuse.variant";
const VARIANTS: ReadonlySet<string> = new Set(["control", "candidate"]);

export interface VariantRequest {
  variant: RolloutVariant;
  latencyUs: number;
  error: boolean;
}

/** The span's request as a rollout sees it, or null when it is not a variant's root span. */
export function variantRequest(span: Span): VariantRequest | null {
  if (span.parentSpanId !== undefined || span.kind === "consumer") return null;
  const variant = span.resource[VARIANT_ATTRIBUTE];
  if (typeof variant !== "string" || !VARIANTS.has(variant)) return null;
  return {
    variant: variant as RolloutVariant,
    latencyUs: span.endUs - span.startUs,
    error: span.status === "error",
  };
}

/** Root spans seen lately, so that a span delivered twice is one request. */
export class RecentRoots {
  private readonly seen = new Set<string>();

  constructor(private readonly remember = 100_000) {}

  /** True the first time this span is seen (within the last `remember`). */
  add(span: Pick<Span, "traceId" | "spanId">): boolean {
    const key = `${span.traceId}/${span.spanId}`;
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    // Sets iterate in insertion order: the first is the oldest.
    if (this.seen.size > this.remember) this.seen.delete(this.seen.values().next().value as string);
    return true;
  }
}

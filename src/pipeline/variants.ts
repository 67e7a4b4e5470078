/**
 * A/B variants in the live pipeline: a request is one completed trace, its variant the resource
 * attribute `nanofuse.variant` (control / candidate, as `nanofuse host` sets it) of its root span,
 * its latency the root's duration and its outcome the root's status. Traces without a known variant,
 * partial ones and ones without a root are not requests of a rollout and are left out (counted).
 */
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";
import type { RolloutVariant } from "../store/store.ts";

export const VARIANT_ATTRIBUTE = "nanofuse.variant";
const VARIANTS: ReadonlySet<string> = new Set(["control", "candidate"]);

export interface VariantRequest {
  variant: RolloutVariant;
  latencyUs: number;
  error: boolean;
}

/** The trace's request as a rollout sees it, or null. The earliest root is the request's entry. */
export function variantRequest(trace: Trace): VariantRequest | null {
  if (trace.partial) return null;
  let root: Span | undefined;
  for (const span of trace.spans) {
    if (span.parentSpanId !== undefined) continue;
    if (root === undefined || span.startUs < root.startUs) root = span;
  }
  const variant = root?.resource[VARIANT_ATTRIBUTE];
  if (root === undefined || typeof variant !== "string" || !VARIANTS.has(variant)) return null;
  return {
    variant: variant as RolloutVariant,
    latencyUs: root.endUs - root.startUs,
    error: root.status === "error",
  };
}

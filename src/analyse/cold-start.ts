/**
 * Cold starts (DESIGN.md "Data contracts" → Cold start). Where a unit's spans carry the OTel
 * semantic-convention attribute `faas.coldstart`, it is trusted. Otherwise an invocation that
 * follows an idle gap longer than the unit's keep-alive is a likely cold start. The first invocation
 * of a unit seen is not counted: what came before it is unknown.
 *
 * Default keep-alive: 600 s (a common serverless idle timeout; configurable per unit in later issues).
 */
import type { CallTree } from "../model/call-tree.ts";

export const DEFAULT_KEEP_ALIVE_US = 600_000_000;

export interface Invocation {
  unit: string;
  spanId: string;
  startUs: number;
  endUs: number;
  /** `faas.coldstart` as recorded, absent when the span does not say. */
  marked?: boolean;
}

/** Entry spans of a unit: roots, orphans, SERVER/CONSUMER spans, and spans called from another unit. */
export function invocationsOf(tree: CallTree): Invocation[] {
  const out: Invocation[] = [];
  for (const node of tree.nodes.values()) {
    const { span } = node;
    const entry =
      !node.parent ||
      span.kind === "server" ||
      span.kind === "consumer" ||
      node.parent.span.unit !== span.unit;
    if (!entry) continue;
    const flag = span.attributes["faas.coldstart"] ?? span.resource["faas.coldstart"];
    const marked = flag === undefined ? undefined : flag === true || flag === "true";
    out.push({ unit: span.unit, spanId: span.spanId, startUs: span.startUs, endUs: span.endUs, marked });
  }
  return out;
}

const byUnitThenStart = (a: Invocation, b: Invocation) =>
  (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0) || a.startUs - b.startUs || (a.spanId < b.spanId ? -1 : 1);

/** The invocations that were cold starts, in order of unit then start. Does not depend on input order. */
export function coldStarts(invocations: Invocation[], keepAliveUs: (unit: string) => number): Invocation[] {
  const sorted = [...invocations].sort(byUnitThenStart);
  const instrumented = new Set(sorted.filter((i) => i.marked !== undefined).map((i) => i.unit));
  const out: Invocation[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < sorted.length; i++) {
    const inv = sorted[i];
    if (i === 0 || sorted[i - 1].unit !== inv.unit) lastEnd = Number.NEGATIVE_INFINITY;
    if (instrumented.has(inv.unit)) {
      if (inv.marked) out.push(inv);
    } else if (lastEnd !== Number.NEGATIVE_INFINITY && inv.startUs - lastEnd > keepAliveUs(inv.unit))
      out.push(inv);
    lastEnd = Math.max(lastEnd, inv.endUs);
  }
  return out;
}

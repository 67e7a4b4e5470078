/**
 * Barrier waits of fan-out (DESIGN.md "Data contracts" → Barrier wait). When a span waits on several
 * overlapping children (a Promise.all, a scatter-gather), the last child to finish is the straggler;
 * its lateness over the second-to-last is the barrier wait it causes, and each other child leaves
 * slack = (straggler's end − its end). Children overlap when one starts before the previous ones end
 * (a sweep by start time, as in interval-graph clustering); asynchronous CONSUMER children of a
 * PRODUCER are not waited on and are left out.
 */
import type { CallNode } from "../model/call-tree.ts";

export interface BarrierWait {
  /** The waiting span. */
  parentSpanId: string;
  parentUnit: string;
  stragglerSpanId: string;
  stragglerUnit: string;
  /** Straggler's end − second-to-last sibling's end. */
  waitUs: number;
  /** Slack of each sibling that finished early: straggler's end − its end. */
  slack: { spanId: string; unit: string; slackUs: number }[];
}

const isAsync = (parent: CallNode, child: CallNode) =>
  parent.span.kind === "producer" && child.span.kind === "consumer";

/** Groups of mutually overlapping children (children are sorted by start). */
function overlappingGroups(parent: CallNode): CallNode[][] {
  const groups: CallNode[][] = [];
  let current: CallNode[] = [];
  let reach = Number.NEGATIVE_INFINITY;
  for (const child of parent.children) {
    if (isAsync(parent, child)) continue;
    if (child.span.startUs >= reach && current.length) {
      groups.push(current);
      current = [];
    }
    current.push(child);
    reach = Math.max(reach, child.span.endUs);
  }
  if (current.length) groups.push(current);
  return groups.filter((g) => g.length > 1);
}

const byEnd = (a: CallNode, b: CallNode) =>
  a.span.endUs - b.span.endUs || b.span.startUs - a.span.startUs || (a.span.spanId < b.span.spanId ? -1 : 1);

export function barrierWaits(parent: CallNode): BarrierWait[] {
  const out: BarrierWait[] = [];
  for (const group of overlappingGroups(parent)) {
    const sorted = [...group].sort(byEnd);
    const straggler = sorted[sorted.length - 1];
    const second = sorted[sorted.length - 2];
    out.push({
      parentSpanId: parent.span.spanId,
      parentUnit: parent.span.unit,
      stragglerSpanId: straggler.span.spanId,
      stragglerUnit: straggler.span.unit,
      waitUs: straggler.span.endUs - second.span.endUs,
      slack: sorted.slice(0, -1).map((n) => ({
        spanId: n.span.spanId,
        unit: n.span.unit,
        slackUs: straggler.span.endUs - n.span.endUs,
      })),
    });
  }
  return out;
}

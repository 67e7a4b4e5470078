/**
 * Builds the call tree of one assembled trace: parent links by span id, roots (no parent id),
 * orphans (parent not in the trace; each heads a subtree), children sorted by start then span id.
 * Parent cycles, which only broken data makes, are broken at their earliest span, which then counts
 * as an orphan, so every span belongs to exactly one tree.
 */
import type { CallNode, CallTree } from "../model/call-tree.ts";
import type { Trace } from "../model/trace.ts";
import { extractHops } from "./hops.ts";
import { resolveSharedSpans } from "./shared-spans.ts";

export interface CallTreeStats {
  sharedSpans: number;
  idConflicts: number;
  /** Spans that are their own parent or close a parent cycle: made orphans (NF_SPAN_PARENT_CYCLE). */
  brokenParents: number;
}

const byStart = (a: CallNode, b: CallNode) =>
  a.span.startUs - b.span.startUs ||
  (a.span.spanId < b.span.spanId ? -1 : a.span.spanId > b.span.spanId ? 1 : 0);

export function buildCallTree(trace: Trace): CallTree & { stats: CallTreeStats } {
  const { spans, shared, conflicts } = resolveSharedSpans(trace.spans, trace.repeatedIds);
  const nodes = new Map<string, CallNode>();
  for (const span of spans) nodes.set(span.spanId, { span, children: [] });
  const roots: CallNode[] = [];
  const orphans: CallNode[] = [];
  let selfParents = 0;
  for (const node of nodes.values()) {
    const parentId = node.span.parentSpanId;
    const parent = parentId === undefined ? undefined : nodes.get(parentId);
    if (parentId === undefined) roots.push(node);
    else if (!parent || parent === node) {
      orphans.push(node);
      if (parent === node) selfParents++;
    } else {
      node.parent = parent;
      parent.children.push(node);
    }
  }
  const brokenParents = selfParents + breakCycles(nodes, roots, orphans);
  for (const node of nodes.values()) if (node.children.length > 1) node.children.sort(byStart);
  roots.sort(byStart);
  orphans.sort(byStart);
  return {
    trace: spans === trace.spans ? trace : { ...trace, spans },
    roots,
    orphans,
    nodes,
    hops: extractHops(nodes),
    stats: { sharedSpans: shared, idConflicts: conflicts, brokenParents },
  };
}

/** Visits every node under `starts` (and `more`); returns how many there were. */
function markReachable(starts: CallNode[], seen?: Set<CallNode>, more: CallNode[] = []): number {
  const stack = starts.concat(more);
  let count = 0;
  while (stack.length) {
    const node = stack.pop() as CallNode;
    seen?.add(node);
    count++;
    for (const child of node.children) stack.push(child);
  }
  return count;
}

/** Returns how many links it broke (one per cycle). */
function breakCycles(nodes: Map<string, CallNode>, roots: CallNode[], orphans: CallNode[]): number {
  // A node is in a cycle exactly when no root or orphan reaches it; counting needs no set.
  if (markReachable(roots, undefined, orphans) === nodes.size) return 0;
  const seen = new Set<CallNode>();
  markReachable(roots, seen, orphans);
  const rest = [...nodes.values()].filter((n) => !seen.has(n)).sort(byStart);
  let broken = 0;
  for (const node of rest) {
    if (seen.has(node)) continue;
    const parent = node.parent as CallNode;
    parent.children.splice(parent.children.indexOf(node), 1);
    node.parent = undefined;
    orphans.push(node);
    markReachable([node], seen);
    broken++;
  }
  return broken;
}

/**
 * The critical path of a call tree: walk back from the root's end, always into the child that finished
 * last; the gaps between the chosen children are the parent's own time.
 *
 * Reference: jaeger-ui, packages/jaeger-ui/src/components/TracePage/CriticalPath/ (`computeCriticalPath`
 * in index.ts, `findLastFinishingChildSpan` and `sanitizeOverFlowingChildren` in utils/), with the
 * rules of DESIGN.md ("Data contracts" → "Critical path"):
 * 1. a CONSUMER child of a PRODUCER span is asynchronous: pruned with its subtree;
 * 2. sanitising, top-down: a child starting at/after its parent's end or ending at/before its parent's
 *    start is dropped with its subtree; otherwise it is clipped to the parent's (clipped) interval;
 * 3. a child counts if it ends at or before the cursor (`<=`; jaeger's `<` drops the earlier of two
 *    back-to-back siblings, jaeger issues 9148/9173); the cursor is always a number (jaeger tests it
 *    for truthiness, which misreads a child starting at time 0);
 * 4. ties on end time: the earlier (clipped) start wins, then the smaller span id (string order, which
 *    for lowercase hex of one length is numeric order);
 * 5. output: chronological, zero-length sections dropped, adjacent sections of one span merged; the
 *    sections tile the root's interval, so their durations sum to the root's duration.
 * Defaults: a span ending before it starts counts as zero-length at its start (decoders reject those
 * anyway); the root is never clipped and its own parent, if any, is ignored; `LINEAR_PICKS` = 8.
 *
 * Cost. Sanitising is lazy: only the children of spans the walk enters are clipped. That gives the
 * same result as sanitising the whole tree first, because a span's clipped interval depends only on
 * its ancestors'. Of an entered span's k children, the first `LINEAR_PICKS` choices are found by a
 * scan (a parallel fan-out needs one or two, and a scan is much cheaper than a sort); if the walk needs
 * more, the rest are sorted once, last-finishing first, and since the cursor only moves back one
 * pointer finds every later choice: O(k log k) at worst per span. Iterative: the stack of entered
 * spans and their clipped children live in parallel arrays (no object per span, which halves the time
 * on deep traces), so depth is bounded by memory, not by the call stack. The input is never written.
 */
import type { CallNode } from "../model/call-tree.ts";
import type { CriticalSection } from "../model/critical-path.ts";

/** Choices per span found by scanning before its remaining children are sorted. */
const LINEAR_PICKS = 8;

/** Below this many children an insertion sort beats Array.prototype.sort with a comparator. */
const INSERTION_SORT_MAX = 24;

/**
 * Clipped children of every entered span, as one stack: the children of the span at stack level d
 * occupy [base, limit) and are released when that span is left.
 */
interface ChildPool {
  node: CallNode[];
  start: number[];
  end: number[];
}

export function criticalPath(root: CallNode): CriticalSection[] {
  const pool: ChildPool = { node: [], start: [], end: [] };
  // The spans being walked, root first, one entry per level.
  const spans: CallNode[] = [];
  const starts: number[] = [];
  /** Everything after the cursor is accounted for; it walks back from the span's (clipped) end. */
  const cursors: number[] = [];
  /** Pool index of the first child not yet walked; walked children are moved before it. */
  const nexts: number[] = [];
  const limits: number[] = [];
  /** Scans left; at 0 the children from `next` on are sorted and read in order. */
  const picksLeft: number[] = [];
  const enter = (node: CallNode, startUs: number, endUs: number, base: number): void => {
    spans.push(node);
    starts.push(startUs);
    cursors.push(endUs);
    nexts.push(base);
    limits.push(clipChildren(pool, base, node, startUs, endUs));
    picksLeft.push(LINEAR_PICKS);
  };

  // Built backwards (the walk goes from the end to the start), reversed once at the end.
  const sections: CriticalSection[] = [];
  enter(root, root.span.startUs, Math.max(root.span.endUs, root.span.startUs), 0);
  while (spans.length > 0) {
    const top = spans.length - 1;
    const cursor = cursors[top];
    const next = nexts[top];
    const limit = limits[top];
    let i = limit;
    if (picksLeft[top] > 0) {
      const best = bestFitting(pool, next, limit, cursor);
      if (best < limit) {
        swap(pool, best, next);
        i = next;
        if (--picksLeft[top] === 0) sortForWalk(pool, next + 1, limit);
      }
    } else {
      // Sorted: the children skipped here end after the cursor, so after every later cursor too.
      i = next;
      while (i < limit && pool.end[i] > cursor) i++;
    }
    if (i < limit) {
      nexts[top] = i + 1;
      record(sections, spans[top], pool.end[i], cursor);
      cursors[top] = pool.start[i];
      enter(pool.node[i], pool.start[i], pool.end[i], limit);
    } else {
      record(sections, spans[top], starts[top], cursor);
      spans.pop();
      starts.pop();
      cursors.pop();
      nexts.pop();
      limits.pop();
      picksLeft.pop();
    }
  }
  return sections.reverse();
}

/** Writes the surviving children of `node`, clipped, from `base` on; returns the limit. */
function clipChildren(pool: ChildPool, base: number, node: CallNode, startUs: number, endUs: number): number {
  const kids = node.children;
  const producer = node.span.kind === "producer";
  let limit = base;
  for (let i = 0; i < kids.length; i++) {
    const child = kids[i];
    const span = child.span;
    if (producer && span.kind === "consumer") continue;
    const s = span.startUs;
    const e = Math.max(span.endUs, s);
    if (s >= endUs || e <= startUs) continue;
    pool.node[limit] = child;
    pool.start[limit] = Math.max(s, startUs);
    pool.end[limit] = Math.min(e, endUs);
    limit++;
  }
  return limit;
}

/** The child in [lo, hi) that the walk takes next at `cursor`, or `hi` when none ends by then. */
function bestFitting(pool: ChildPool, lo: number, hi: number, cursor: number): number {
  const { node, start, end } = pool;
  let best = hi;
  for (let i = lo; i < hi; i++) {
    if (end[i] > cursor) continue;
    if (best === hi || walksBefore(end[i], start[i], node[i], end[best], start[best], node[best])) best = i;
  }
  return best;
}

function swap(pool: ChildPool, a: number, b: number): void {
  const { node, start, end } = pool;
  const n = node[a];
  node[a] = node[b];
  node[b] = n;
  const s = start[a];
  start[a] = start[b];
  start[b] = s;
  const e = end[a];
  end[a] = end[b];
  end[b] = e;
}

function sortForWalk(pool: ChildPool, lo: number, hi: number): void {
  if (hi - lo <= 1) return;
  if (hi - lo <= INSERTION_SORT_MAX) insertionSort(pool, lo, hi);
  else comparatorSort(pool, lo, hi);
}

/** Rule 4 with the walk's order: the later end first, then the earlier start, then the smaller span id. */
function walksBefore(
  endA: number,
  startA: number,
  a: CallNode,
  endB: number,
  startB: number,
  b: CallNode,
): boolean {
  if (endA !== endB) return endA > endB;
  if (startA !== startB) return startA < startB;
  return a.span.spanId < b.span.spanId;
}

function insertionSort(pool: ChildPool, lo: number, hi: number): void {
  const { node, start, end } = pool;
  for (let i = lo + 1; i < hi; i++) {
    const n = node[i];
    const s = start[i];
    const e = end[i];
    let j = i - 1;
    while (j >= lo && walksBefore(e, s, n, end[j], start[j], node[j])) {
      node[j + 1] = node[j];
      start[j + 1] = start[j];
      end[j + 1] = end[j];
      j--;
    }
    node[j + 1] = n;
    start[j + 1] = s;
    end[j + 1] = e;
  }
}

function comparatorSort(pool: ChildPool, lo: number, hi: number): void {
  const { node, start, end } = pool;
  const order: number[] = [];
  for (let i = lo; i < hi; i++) order.push(i);
  order.sort((a, b) =>
    a === b ? 0 : walksBefore(end[a], start[a], node[a], end[b], start[b], node[b]) ? -1 : 1,
  );
  const n = order.map((i) => node[i]);
  const s = order.map((i) => start[i]);
  const e = order.map((i) => end[i]);
  for (let k = 0; k < n.length; k++) {
    node[lo + k] = n[k];
    start[lo + k] = s[k];
    end[lo + k] = e[k];
  }
}

/** Adds the span's own time [startUs, endUs) in walk order, merged into its later neighbour of the same span. */
function record(sections: CriticalSection[], node: CallNode, startUs: number, endUs: number): void {
  if (endUs <= startUs) return;
  const span = node.span;
  const later = sections[sections.length - 1];
  if (later !== undefined && later.spanId === span.spanId && later.startUs === endUs) {
    later.startUs = startUs;
    return;
  }
  sections.push({ spanId: span.spanId, unit: span.unit, operation: span.name, startUs, endUs });
}

/**
 * What-if re-timing of one recorded trace under another clustering (DESIGN.md "Planning" → What-if).
 *
 * Each child is anchored to what it waited for in the recording: the latest-ending earlier sibling
 * that ended before it started, else its parent's start; it keeps its gap to that anchor. A parent
 * ends its original trailing time after the last child it waited for (asynchronous CONSUMER children
 * and children outliving their parent are not waited for). Then:
 * - a recorded network hop whose two units share a group becomes an in-process call: the gap before
 *   the callee and the time after it collapse to half the in-process call cost each (exact hops, and
 *   inferred hops whose caller has no other child; an estimated hop is left as it is, honestly);
 * - a recorded in-process call between units in different groups gains the edge's network time,
 *   half before and half after;
 * - calls that become in-process into a single-worker group no longer overlap: each waits for the
 *   previous one (the loss of parallelism a fused fan-out suffers).
 * With the recorded clustering nothing changes, so the simulator reproduces the recording exactly.
 */
import { KIND_CODE, type TraceColumns } from "./compact-trace.ts";

const {
  client: CLIENT,
  producer: PRODUCER,
  server: SERVER,
  consumer: CONSUMER,
  unspecified: UNSPECIFIED,
} = KIND_CODE;

export interface RetimeModel {
  /** Candidate group of each unit id. */
  groupOf: Int32Array;
  /** Per group: 1 when the group runs one invocation at a time. */
  singleWorker: Uint8Array;
  /** Cost of an in-process call, µs. */
  inProcessUs: number;
  /** Network time an in-process call gains when its callee moves to another group, per callee unit id, µs. */
  splitNetworkUs: Float64Array;
}

type Link = "plain" | "async" | "fused" | "split" | "hop";

function linkOf(t: TraceColumns, p: number, c: number, m: RetimeModel): Link {
  const pk = t.kind[p];
  const ck = t.kind[c];
  if (pk === PRODUCER && ck === CONSUMER) return "async";
  const from = t.unit[p];
  const to = t.unit[c];
  if (from === to) return "plain";
  const together = m.groupOf[from] === m.groupOf[to];
  const network = ck === SERVER || ck === CONSUMER || ck === UNSPECIFIED || pk === UNSPECIFIED;
  if (!network) return together ? "plain" : "split";
  if (!together) return "hop";
  const exact = pk === CLIENT && ck === SERVER;
  const onlyChild = t.firstChild(p) === c && t.nextSibling[c] === -1;
  return exact || onlyChild ? "fused" : "hop";
}

interface Frame {
  node: number;
  /** Next child to place. */
  child: number;
  /** Latest original end among the children the node waits for, and their latest new end. */
  waitedOrig: number;
  waitedNew: number;
  /** How the child with the latest original end is linked, and its unit (for the trailing time). */
  lastLink: Link;
  lastUnit: number;
  /** When the single worker of the node's group is free again. */
  freeAt: number;
}

const frame = (node: number, t: TraceColumns): Frame => ({
  node,
  child: t.firstChild(node),
  waitedOrig: Number.NEGATIVE_INFINITY,
  waitedNew: Number.NEGATIVE_INFINITY,
  lastLink: "plain",
  lastUnit: -1,
  freeAt: Number.NEGATIVE_INFINITY,
});

/** A call from p through c that the recording made over the network and the candidate makes in-process. */
function becameInProcess(t: TraceColumns, p: number, c: number, m: RetimeModel): boolean {
  const callee = t.firstChild(c);
  if (t.kind[c] === CLIENT && callee !== -1) {
    return t.unit[callee] !== t.unit[p] && m.groupOf[t.unit[callee]] === m.groupOf[t.unit[p]];
  }
  return linkOf(t, p, c, m) === "fused";
}

/** Where child c of p starts: its recorded gap after what it waited for, changed as its link says. */
function placeChild(
  t: TraceColumns,
  f: Frame,
  c: number,
  m: RetimeModel,
  start: Float64Array,
  end: Float64Array,
  o: number,
): void {
  const p = f.node;
  const link = linkOf(t, p, c, m);
  let anchorOrig = t.start[p];
  let anchorNew = start[p - o];
  for (let s = t.firstChild(p); s !== c; s = t.nextSibling[s]) {
    if (linkOf(t, p, s, m) === "async" || t.end[s] > t.start[c] || t.end[s] < anchorOrig) continue;
    if (t.end[s] > anchorOrig || (t.end[s] === anchorOrig && end[s - o] > anchorNew)) {
      anchorOrig = t.end[s];
      anchorNew = end[s - o];
    }
  }
  let gap = t.start[c] - anchorOrig;
  if (link === "fused" && anchorOrig === t.start[p]) gap = Math.min(gap, m.inProcessUs / 2);
  if (link === "split") gap += m.splitNetworkUs[t.unit[c]] / 2;
  start[c - o] = anchorNew + gap;
  if (m.singleWorker[m.groupOf[t.unit[p]]] && becameInProcess(t, p, c, m))
    start[c - o] = Math.max(start[c - o], f.freeAt);
}

/** Folds a finished child into its parent's frame. */
function childDone(t: TraceColumns, f: Frame, c: number, m: RetimeModel, end: Float64Array, o: number): void {
  const p = f.node;
  const link = linkOf(t, p, c, m);
  if (link !== "async" && t.end[c] <= t.end[p]) {
    if (t.end[c] >= f.waitedOrig) {
      f.waitedOrig = t.end[c];
      f.lastLink = link;
      f.lastUnit = t.unit[c];
    }
    f.waitedNew = Math.max(f.waitedNew, end[c - o]);
  }
  if (m.singleWorker[m.groupOf[t.unit[p]]] && becameInProcess(t, p, c, m))
    f.freeAt = Math.max(f.freeAt, end[c - o]);
  f.child = t.nextSibling[c];
}

/** A node ends its recorded trailing time after the last child it waited for (or its own duration). */
function endOf(t: TraceColumns, f: Frame, m: RetimeModel, start: Float64Array, o: number): number {
  const p = f.node;
  if (f.waitedOrig === Number.NEGATIVE_INFINITY) return start[p - o] + (t.end[p] - t.start[p]);
  let trailing = t.end[p] - f.waitedOrig;
  if (f.lastLink === "fused") trailing = Math.min(trailing, m.inProcessUs / 2);
  if (f.lastLink === "split") trailing += m.splitNetworkUs[f.lastUnit] / 2;
  return f.waitedNew + trailing;
}

/**
 * Re-times trace `trace` of the store into `start`/`end` (buffers of at least the trace's size,
 * indexed by row within the trace, relative µs) and returns the new duration of each head (roots,
 * then orphans). Iterative, so a 100,000-span chain does not overflow the stack.
 */
export function retime(
  t: TraceColumns,
  trace: number,
  m: RetimeModel,
  start: Float64Array,
  end: Float64Array,
): number[] {
  const o = t.rowStart[trace];
  const durations: number[] = [];
  for (let k = t.headStart[trace]; k < t.headStart[trace + 1]; k++) {
    const head = t.heads[k];
    start[head - o] = t.start[head];
    const stack: Frame[] = [frame(head, t)];
    while (stack.length) {
      const f = stack[stack.length - 1];
      if (f.child === -1) {
        end[f.node - o] = endOf(t, f, m, start, o);
        stack.pop();
        if (stack.length) childDone(t, stack[stack.length - 1], f.node, m, end, o);
        continue;
      }
      placeChild(t, f, f.child, m, start, end, o);
      stack.push(frame(f.child, t));
    }
    durations.push(end[head - o] - start[head - o]);
  }
  return durations;
}

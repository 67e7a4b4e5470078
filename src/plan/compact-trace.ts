/**
 * The call trees of all traces of one planning run packed into one column store, so that the
 * what-if simulator can keep a million traces in memory and re-time them many times: one row per
 * span in growable typed arrays shared by every trace, children linked in start order, times in
 * microseconds relative to the trace's first span. A trace is its range of rows and of heads,
 * addressed through a few per-trace columns: no object per trace (issue 15.2, issue 17.7).
 */
import type { CallNode, CallTree } from "../model/call-tree.ts";
import type { SpanKind } from "../model/span.ts";
import { grow, trimmed } from "./growable.ts";

export const KIND_CODE: Record<SpanKind, number> = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};

/** Unit names to small integers, shared by all traces of one planning run. */
export class UnitTable {
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }
}

/**
 * Rows are numbered across the whole store (so `nextSibling` and heads are store rows, −1 for
 * none); Int32 rows bound a store to 2^31 spans. Rows are in pre-order, so a row's first child,
 * when it has children, is the next row: one byte (`hasChildren`) rather than a row number. Trace `i` owns rows
 * `rowStart[i] .. rowStart[i + 1]` and heads `headStart[i] .. headStart[i + 1]`.
 */
export class TraceColumns {
  start = new Float64Array(0);
  end = new Float64Array(0);
  unit = new Int32Array(0);
  hasChildren = new Uint8Array(0);
  nextSibling = new Int32Array(0);
  kind = new Uint8Array(0);
  /** Roots (in start order), then orphan heads (in start order), of every trace in turn. */
  heads = new Int32Array(0);
  /** Per trace (one more entry than traces): first row, first head. */
  rowStart = new Int32Array(1);
  headStart = new Int32Array(1);
  /** Per trace: absolute start of its first span (µs since the epoch), and how many heads are roots. */
  baseUs = new Float64Array(0);
  rootCount = new Int32Array(0);
  readonly traceIds: string[] = [];

  get count(): number {
    return this.traceIds.length;
  }

  /** The first child of row `r` (the next row, in pre-order), −1 for a leaf. */
  firstChild(r: number): number {
    return this.hasChildren[r] ? r + 1 : -1;
  }

  /** Rows of trace `i`. */
  size(i: number): number {
    return this.rowStart[i + 1] - this.rowStart[i];
  }

  /**
   * Appends the tree and returns its trace index. `parentOut`, when given (at least as long as the
   * trace), receives each row's parent row relative to the trace's first row (−1 for a head):
   * PlanData reads it once while adding the trace, and re-timing never does, so it is not kept.
   */
  add(tree: CallTree, units: UnitTable, parentOut?: Int32Array): number {
    const n = tree.nodes.size;
    const heads = [...tree.roots, ...tree.orphans];
    const order: CallNode[] = [];
    // Pre-order, so that every parent has a smaller row than its children.
    const stack = [...heads].reverse();
    while (stack.length) {
      const node = stack.pop() as CallNode;
      order.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
    const i = this.count;
    const o = this.rowStart[i];
    const h = this.headStart[i];
    const row = new Map<CallNode, number>();
    order.forEach((node, r) => {
      row.set(node, o + r);
    });
    const baseUs = order.reduce((min, node) => Math.min(min, node.span.startUs), Number.POSITIVE_INFINITY);
    this.reserve(i + 1, o + n, h + heads.length);
    this.traceIds.push(tree.trace.traceIds[0] ?? tree.trace.key);
    this.baseUs[i] = baseUs;
    this.rootCount[i] = tree.roots.length;
    this.rowStart[i + 1] = o + n;
    this.headStart[i + 1] = h + heads.length;
    heads.forEach((head, k) => {
      this.heads[h + k] = row.get(head) as number;
    });
    this.nextSibling.fill(-1, o, o + n);
    order.forEach((node, r) => {
      const at = o + r;
      this.unit[at] = units.id(node.span.unit);
      this.kind[at] = KIND_CODE[node.span.kind];
      this.start[at] = node.span.startUs - baseUs;
      this.end[at] = node.span.endUs - baseUs;
      if (parentOut)
        parentOut[r] = node.parent && row.has(node.parent) ? (row.get(node.parent) as number) - o : -1;
      const children = node.children;
      this.hasChildren[at] = children.length ? 1 : 0;
      for (let c = 0; c + 1 < children.length; c++)
        this.nextSibling[row.get(children[c]) as number] = row.get(children[c + 1]) as number;
    });
    return i;
  }

  /** Drops the growth slack (planning calls it before re-timing; a later `add` grows again). */
  trim(): void {
    const traces = this.count;
    const rows = this.rowStart[traces];
    this.rowStart = trimmed(this.rowStart, traces + 1);
    this.headStart = trimmed(this.headStart, traces + 1);
    this.baseUs = trimmed(this.baseUs, traces);
    this.rootCount = trimmed(this.rootCount, traces);
    this.heads = trimmed(this.heads, this.headStart[traces]);
    this.start = trimmed(this.start, rows);
    this.end = trimmed(this.end, rows);
    this.unit = trimmed(this.unit, rows);
    this.hasChildren = trimmed(this.hasChildren, rows);
    this.nextSibling = trimmed(this.nextSibling, rows);
    this.kind = trimmed(this.kind, rows);
  }

  private reserve(traces: number, rows: number, heads: number): void {
    this.rowStart = grow(this.rowStart, traces + 1);
    this.headStart = grow(this.headStart, traces + 1);
    this.baseUs = grow(this.baseUs, traces);
    this.rootCount = grow(this.rootCount, traces);
    this.heads = grow(this.heads, heads);
    if (this.start.length >= rows) return;
    this.start = grow(this.start, rows);
    this.end = grow(this.end, rows);
    this.unit = grow(this.unit, rows);
    this.hasChildren = grow(this.hasChildren, rows);
    this.nextSibling = grow(this.nextSibling, rows);
    this.kind = grow(this.kind, rows);
  }
}

/** One tree in a store of its own (tests and one-off re-timing). */
export function compactTrace(tree: CallTree, units: UnitTable): TraceColumns {
  const columns = new TraceColumns();
  columns.add(tree, units);
  return columns;
}

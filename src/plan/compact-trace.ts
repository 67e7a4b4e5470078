/**
 * A call tree packed into typed arrays, so that the what-if simulator can keep 100,000 traces in
 * memory and re-time them many times: one row per span, children linked in start order, times in
 * microseconds relative to the trace's first span.
 */
import type { CallNode, CallTree } from "../model/call-tree.ts";
import type { SpanKind } from "../model/span.ts";

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

export interface CompactTrace {
  traceId: string;
  /** Absolute start of the trace's first span, µs since the epoch. */
  baseUs: number;
  unit: Int32Array;
  kind: Uint8Array;
  start: Float64Array;
  end: Float64Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  /** Roots (in start order), then orphan heads (in start order). */
  heads: number[];
  rootCount: number;
}

/**
 * `parentOut`, when given (at least as long as the trace), receives each row's parent row (−1 for a
 * head): PlanData reads it once while adding the trace, and re-timing never does, so it is not kept.
 */
export function compactTrace(tree: CallTree, units: UnitTable, parentOut?: Int32Array): CompactTrace {
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
  const row = new Map<CallNode, number>();
  order.forEach((node, i) => {
    row.set(node, i);
  });
  const baseUs = order.reduce((min, node) => Math.min(min, node.span.startUs), Number.POSITIVE_INFINITY);
  // One buffer per trace for all its columns: an ArrayBuffer and its backing store cost more than a
  // view, and seven of each per trace (now six views) were most of the plan data of a trace of a few spans.
  const buffer = new ArrayBuffer(n * (8 + 8 + 3 * 4 + 1));
  const t: CompactTrace = {
    traceId: tree.trace.traceIds[0] ?? tree.trace.key,
    baseUs,
    start: new Float64Array(buffer, 0, n),
    end: new Float64Array(buffer, 8 * n, n),
    unit: new Int32Array(buffer, 16 * n, n),
    firstChild: new Int32Array(buffer, 20 * n, n).fill(-1),
    nextSibling: new Int32Array(buffer, 24 * n, n).fill(-1),
    kind: new Uint8Array(buffer, 28 * n, n),
    heads: heads.map((h) => row.get(h) as number),
    rootCount: tree.roots.length,
  };
  order.forEach((node, i) => {
    t.unit[i] = units.id(node.span.unit);
    t.kind[i] = KIND_CODE[node.span.kind];
    t.start[i] = node.span.startUs - baseUs;
    t.end[i] = node.span.endUs - baseUs;
    if (parentOut) parentOut[i] = node.parent && row.has(node.parent) ? (row.get(node.parent) as number) : -1;
    const children = node.children;
    if (children.length) t.firstChild[i] = row.get(children[0]) as number;
    for (let c = 0; c + 1 < children.length; c++)
      t.nextSibling[row.get(children[c]) as number] = row.get(children[c + 1]) as number;
  });
  return t;
}

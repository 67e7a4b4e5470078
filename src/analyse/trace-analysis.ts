/**
 * Everything measured on one trace: a critical path per root and per orphan subtree, the share of
 * each hop's network time that lies on the critical path, and the barrier waits of its fan-outs.
 */
import type { CallNode, CallTree, Hop } from "../model/call-tree.ts";
import type { CriticalSection } from "../model/critical-path.ts";
import { type BarrierWait, barrierWaits } from "./barrier-wait.ts";
import { criticalPath } from "./critical-path.ts";

export interface PathEntry {
  traceId: string;
  rootSpanId: string;
  /** The head of this path is an orphan (its parent is missing from the trace). */
  orphan: boolean;
  startUs: number;
  durationUs: number;
  sections: CriticalSection[];
}

export interface HopCost {
  hop: Hop;
  /** The part of the hop's network time on the critical path. */
  criticalUs: number;
}

export interface TraceAnalysis {
  paths: PathEntry[];
  hopCosts: HopCost[];
  barriers: BarrierWait[];
  /** Critical-path time per span id (the span's own sections, not its children's). */
  criticalBySpan: Map<string, number>;
}

function pathOf(node: CallNode, orphan: boolean): PathEntry {
  const { span } = node;
  return {
    traceId: span.traceId,
    rootSpanId: span.spanId,
    orphan,
    startUs: span.startUs,
    durationUs: span.endUs - span.startUs,
    sections: criticalPath(node),
  };
}

/**
 * A caller's own critical-path time is where its network time can show. With one outgoing hop it is
 * all network, up to the hop's network time; several hops from one caller (exports without span
 * kinds) share it in proportion to their network time.
 */
function hopCosts(hops: Hop[], criticalBySpan: Map<string, number>): HopCost[] {
  const networkByCaller = new Map<string, number>();
  for (const hop of hops) {
    if (hop.mode === "sync")
      networkByCaller.set(hop.clientSpanId, (networkByCaller.get(hop.clientSpanId) ?? 0) + hop.networkUs);
  }
  return hops.map((hop) => {
    const total = networkByCaller.get(hop.clientSpanId) ?? 0;
    if (hop.mode === "async" || total === 0) return { hop, criticalUs: 0 };
    const own = criticalBySpan.get(hop.clientSpanId) ?? 0;
    return { hop, criticalUs: Math.min(hop.networkUs, Math.floor((own * hop.networkUs) / total)) };
  });
}

export function analyseTrace(tree: CallTree): TraceAnalysis {
  const paths = [...tree.roots.map((n) => pathOf(n, false)), ...tree.orphans.map((n) => pathOf(n, true))];
  const criticalBySpan = new Map<string, number>();
  for (const path of paths) {
    for (const s of path.sections)
      criticalBySpan.set(s.spanId, (criticalBySpan.get(s.spanId) ?? 0) + s.endUs - s.startUs);
  }
  const barriers: BarrierWait[] = [];
  for (const node of tree.nodes.values()) if (node.children.length > 1) barriers.push(...barrierWaits(node));
  return { paths, hopCosts: hopCosts(tree.hops, criticalBySpan), barriers, criticalBySpan };
}

/**
 * What a replay found, accumulated trace by trace: counts of traces, spans, units and hops, and the
 * anomalies worth telling a user about. Output is sorted, so the same input gives the same report.
 */
import type { CallTree } from "../model/call-tree.ts";

export interface EdgeCount {
  from: string;
  to: string;
  calls: number;
  networkUs: number;
  estimated: number;
  skewed: number;
  asyncCalls: number;
  virtual: boolean;
}

export interface InventorySummary {
  traces: number;
  spans: number;
  units: number;
  hops: number;
  partialTraces: number;
  duplicateSpans: number;
  sharedSpans: number;
  repeatedSpanIds: number;
  orphanSpans: number;
  multiRootTraces: number;
  skewedHops: number;
  estimatedHops: number;
}

export class Inventory {
  private traces = 0;
  private spans = 0;
  private partial = 0;
  private duplicates = 0;
  private shared = 0;
  private repeated = 0;
  private orphans = 0;
  private multiRoot = 0;
  private readonly units = new Map<string, number>();
  private readonly edges = new Map<string, EdgeCount>();

  add(tree: CallTree & { stats?: { sharedSpans: number; idConflicts: number } }): void {
    this.traces++;
    this.spans += tree.nodes.size;
    if (tree.trace.partial) this.partial++;
    this.duplicates += tree.trace.duplicates;
    this.shared += tree.stats?.sharedSpans ?? 0;
    this.repeated += tree.stats?.idConflicts ?? 0;
    this.orphans += tree.orphans.length;
    if (tree.roots.length > 1) this.multiRoot++;
    for (const node of tree.nodes.values())
      this.units.set(node.span.unit, (this.units.get(node.span.unit) ?? 0) + 1);
    for (const hop of tree.hops) {
      const key = `${hop.from}\u0000${hop.to}`;
      let edge = this.edges.get(key);
      if (!edge) {
        edge = {
          from: hop.from,
          to: hop.to,
          calls: 0,
          networkUs: 0,
          estimated: 0,
          skewed: 0,
          asyncCalls: 0,
          virtual: hop.virtual,
        };
        this.edges.set(key, edge);
      }
      edge.calls++;
      edge.networkUs += hop.networkUs;
      if (hop.estimated) edge.estimated++;
      if (hop.skewUs > 0) edge.skewed++;
      if (hop.mode === "async") edge.asyncCalls++;
    }
  }

  summary(): InventorySummary {
    let hops = 0;
    let skewed = 0;
    let estimated = 0;
    for (const edge of this.edges.values()) {
      hops += edge.calls;
      skewed += edge.skewed;
      estimated += edge.estimated;
    }
    return {
      traces: this.traces,
      spans: this.spans,
      units: this.units.size,
      hops,
      partialTraces: this.partial,
      duplicateSpans: this.duplicates,
      sharedSpans: this.shared,
      repeatedSpanIds: this.repeated,
      orphanSpans: this.orphans,
      multiRootTraces: this.multiRoot,
      skewedHops: skewed,
      estimatedHops: estimated,
    };
  }

  /** Units by span count (descending), then name. */
  topUnits(limit = Number.POSITIVE_INFINITY): { unit: string; spans: number }[] {
    return [...this.units]
      .map(([unit, spans]) => ({ unit, spans }))
      .sort((a, b) => b.spans - a.spans || (a.unit < b.unit ? -1 : 1))
      .slice(0, limit);
  }

  /** Edges sorted by the given measure (descending), then by name. */
  topEdges(by: "calls" | "networkUs", limit = Number.POSITIVE_INFINITY): EdgeCount[] {
    return [...this.edges.values()]
      .sort((a, b) => b[by] - a[by] || (`${a.from}>${a.to}` < `${b.from}>${b.to}` ? -1 : 1))
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }
}

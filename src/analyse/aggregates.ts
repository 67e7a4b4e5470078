/**
 * Aggregates by time window, per edge (unit A → unit B) and per unit. A whole trace counts in the
 * window of its first span's start, and every field merges by addition (counts, integer-µs sums,
 * DDSketch buckets), so the same spans give the same aggregates in any arrival order and aggregates
 * of many windows or many daemons combine. Distributions are DDSketches (Datadog's relative-error
 * quantile sketch, 1% accuracy), exact order statistics while they hold few values (exact-sketch.ts).
 */

import type { CallNode, CallTree } from "../model/call-tree.ts";
import { ExactSmallSketch } from "./exact-sketch.ts";
import type { TraceAnalysis } from "./trace-analysis.ts";

export const DEFAULT_WINDOW_US = 60_000_000;
const ACCURACY = 0.01;

export interface EdgeStats {
  from: string;
  to: string;
  calls: number;
  errors: number;
  asyncCalls: number;
  virtual: boolean;
  estimated: number;
  skewed: number;
  network: ExactSmallSketch;
  networkSumUs: number;
  criticalPathNetwork: ExactSmallSketch;
  criticalPathNetworkUs: number;
  stragglerCount: number;
  barrierWaitUs: number;
}

export interface UnitStats {
  unit: string;
  spans: number;
  errors: number;
  criticalPathUs: number;
  coldStarts: number;
  coldStartCriticalPathUs: number;
}

export class WindowAggregate {
  traces = 0;
  spans = 0;
  rootDurationUs = 0;
  criticalPathUs = 0;
  readonly latency = new ExactSmallSketch({ relativeAccuracy: ACCURACY });
  readonly edges = new Map<string, EdgeStats>();
  private readonly edgeIndex = new Map<string, Map<string, EdgeStats>>();
  readonly units = new Map<string, UnitStats>();
  /** Critical-path time per operation, keyed `unit\u0000operation`. */
  readonly operations = new Map<string, number>();

  constructor(readonly startUs: number) {}

  edge(from: string, to: string): EdgeStats {
    // Two-level lookup: a string key per hop would cost an allocation on the hot path.
    let byTo = this.edgeIndex.get(from);
    if (!byTo) {
      byTo = new Map();
      this.edgeIndex.set(from, byTo);
    }
    let edge = byTo.get(to);
    if (!edge) {
      edge = {
        from,
        to,
        calls: 0,
        errors: 0,
        asyncCalls: 0,
        virtual: false,
        estimated: 0,
        skewed: 0,
        network: new ExactSmallSketch({ relativeAccuracy: ACCURACY }),
        networkSumUs: 0,
        criticalPathNetwork: new ExactSmallSketch({ relativeAccuracy: ACCURACY }),
        criticalPathNetworkUs: 0,
        stragglerCount: 0,
        barrierWaitUs: 0,
      };
      byTo.set(to, edge);
      this.edges.set(`${from}\u0000${to}`, edge);
    }
    return edge;
  }

  unit(name: string): UnitStats {
    let unit = this.units.get(name);
    if (!unit) {
      unit = {
        unit: name,
        spans: 0,
        errors: 0,
        criticalPathUs: 0,
        coldStarts: 0,
        coldStartCriticalPathUs: 0,
      };
      this.units.set(name, unit);
    }
    return unit;
  }

  add(tree: CallTree, analysis: TraceAnalysis): void {
    this.traces++;
    this.spans += tree.nodes.size;
    for (const path of analysis.paths) {
      this.rootDurationUs += path.durationUs;
      this.latency.accept(path.durationUs);
    }
    for (const node of tree.nodes.values()) {
      const unit = this.unit(node.span.unit);
      unit.spans++;
      if (node.span.status === "error") unit.errors++;
    }
    for (const [spanId, us] of analysis.criticalBySpan) {
      const { span } = tree.nodes.get(spanId) as CallNode;
      this.unit(span.unit).criticalPathUs += us;
      const operation = `${span.unit}\u0000${span.name}`;
      this.operations.set(operation, (this.operations.get(operation) ?? 0) + us);
      this.criticalPathUs += us;
    }
    for (const { hop, criticalUs } of analysis.hopCosts) {
      const edge = this.edge(hop.from, hop.to);
      edge.calls++;
      if (hop.error) edge.errors++;
      if (hop.mode === "async") edge.asyncCalls++;
      edge.virtual ||= hop.virtual;
      if (hop.estimated) edge.estimated++;
      if (hop.skewUs > 0) edge.skewed++;
      edge.network.accept(hop.networkUs);
      edge.networkSumUs += hop.networkUs;
      edge.criticalPathNetwork.accept(criticalUs);
      edge.criticalPathNetworkUs += criticalUs;
    }
    // A straggler that is a client span stands for its call: the wait belongs to the hop's edge.
    // The index only for a trace with a fan-out: most traces have none, and it is a Map per trace.
    if (analysis.barriers.length === 0) return;
    const hopByCaller = new Map(tree.hops.map((hop) => [hop.clientSpanId, hop]));
    for (const wait of analysis.barriers) {
      const hop = hopByCaller.get(wait.stragglerSpanId);
      const edge = hop ? this.edge(hop.from, hop.to) : this.edge(wait.parentUnit, wait.stragglerUnit);
      edge.stragglerCount++;
      edge.barrierWaitUs += wait.waitUs;
    }
  }

  merge(other: WindowAggregate): this {
    this.traces += other.traces;
    this.spans += other.spans;
    this.rootDurationUs += other.rootDurationUs;
    this.criticalPathUs += other.criticalPathUs;
    this.latency.merge(other.latency);
    for (const e of other.edges.values()) {
      const edge = this.edge(e.from, e.to);
      edge.network.merge(e.network);
      edge.criticalPathNetwork.merge(e.criticalPathNetwork);
      edge.virtual ||= e.virtual;
      for (const key of COUNTED_EDGE_FIELDS) edge[key] += e[key];
    }
    for (const [key, us] of other.operations) this.operations.set(key, (this.operations.get(key) ?? 0) + us);
    for (const u of other.units.values()) {
      const unit = this.unit(u.unit);
      for (const key of COUNTED_UNIT_FIELDS) unit[key] += u[key];
    }
    return this;
  }
}

const COUNTED_EDGE_FIELDS = [
  "calls",
  "errors",
  "asyncCalls",
  "estimated",
  "skewed",
  "networkSumUs",
  "criticalPathNetworkUs",
  "stragglerCount",
  "barrierWaitUs",
] as const;
const COUNTED_UNIT_FIELDS = [
  "spans",
  "errors",
  "criticalPathUs",
  "coldStarts",
  "coldStartCriticalPathUs",
] as const;

/** Windows keyed by their start, a multiple of `windowUs`. */
export class WindowedAggregates {
  readonly windows = new Map<number, WindowAggregate>();

  constructor(readonly windowUs = DEFAULT_WINDOW_US) {}

  windowAt(us: number): WindowAggregate {
    const start = Math.floor(us / this.windowUs) * this.windowUs;
    let window = this.windows.get(start);
    if (!window) {
      window = new WindowAggregate(start);
      this.windows.set(start, window);
    }
    return window;
  }

  add(tree: CallTree, analysis: TraceAnalysis): void {
    if (tree.trace.spans.length) this.windowAt(tree.trace.spans[0].startUs).add(tree, analysis);
  }

  /** All windows merged, in window order. */
  total(): WindowAggregate {
    const total = new WindowAggregate(Number.NaN);
    for (const start of [...this.windows.keys()].sort((a, b) => a - b))
      total.merge(this.windows.get(start) as WindowAggregate);
    return total;
  }
}

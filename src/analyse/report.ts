/**
 * The analysis as a plain, stable document (the `nanofuse analyse --format json` contract, see the
 * README): integer microseconds, times relative to each root's start, lists sorted.
 */
import type { EdgeStats } from "./aggregates.ts";
import type { AnalysisResult } from "./analyser.ts";
import { betweennessMethod, EXACT_BETWEENNESS_UNITS } from "./service-graph.ts";

export interface EdgeReport {
  from: string;
  to: string;
  calls: number;
  errors: number;
  asyncCalls: number;
  virtual: boolean;
  estimated: number;
  skewed: number;
  /** `count`: the hops behind the percentiles; exact order statistics up to EXACT_VALUES of them. */
  networkUs: { p50: number; p95: number; sum: number; count: number };
  criticalPathNetworkUs: number;
  stragglerCount: number;
  barrierWaitUs: number;
}

export interface UnitReport {
  unit: string;
  spans: number;
  errors: number;
  criticalPathUs: number;
  coldStarts: number;
  coldStartCriticalPathUs: number;
  weightedDegree: number;
  betweenness: number;
}

const quantile = (edge: EdgeStats, q: number) =>
  edge.network.count ? Math.round(edge.network.getValueAtQuantile(q)) : 0;
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function edgeReports(result: AnalysisResult): EdgeReport[] {
  return [...result.total.edges.values()]
    .filter((e) => e.from !== e.to)
    .map((e) => ({
      from: e.from,
      to: e.to,
      calls: e.calls,
      errors: e.errors,
      asyncCalls: e.asyncCalls,
      virtual: e.virtual,
      estimated: e.estimated,
      skewed: e.skewed,
      networkUs: {
        p50: quantile(e, 0.5),
        p95: quantile(e, 0.95),
        sum: e.networkSumUs,
        count: e.network.count,
      },
      criticalPathNetworkUs: e.criticalPathNetworkUs,
      stragglerCount: e.stragglerCount,
      barrierWaitUs: e.barrierWaitUs,
    }))
    .sort(
      (a, b) =>
        b.criticalPathNetworkUs - a.criticalPathNetworkUs || byName(a.from, b.from) || byName(a.to, b.to),
    );
}

export function unitReports(result: AnalysisResult): UnitReport[] {
  return result.graph
    .mapNodes((_, n) => ({
      unit: n.unit,
      spans: n.spans,
      errors: n.errors,
      criticalPathUs: n.criticalPathUs,
      coldStarts: n.coldStarts,
      coldStartCriticalPathUs: n.coldStartCriticalPathUs,
      weightedDegree: n.weightedDegree,
      betweenness: Math.round(n.betweenness * 1e6) / 1e6,
    }))
    .sort((a, b) => b.criticalPathUs - a.criticalPathUs || byName(a.unit, b.unit));
}

export function operationReports(
  result: AnalysisResult,
): { unit: string; operation: string; criticalPathUs: number }[] {
  return [...result.total.operations]
    .map(([key, criticalPathUs]) => {
      const [unit, operation] = key.split("\u0000");
      return { unit, operation, criticalPathUs };
    })
    .sort(
      (a, b) =>
        b.criticalPathUs - a.criticalPathUs || byName(a.unit, b.unit) || byName(a.operation, b.operation),
    );
}

export function analysisSummary(result: AnalysisResult) {
  const { total } = result;
  const edges = [...total.edges.values()];
  const criticalPathNetworkUs = edges.reduce((sum, e) => sum + e.criticalPathNetworkUs, 0);
  const order = graphOrder(result);
  return {
    traces: total.traces,
    spans: total.spans,
    units: total.units.size,
    hops: edges.reduce((sum, e) => sum + e.calls, 0),
    rootDurationUs: total.rootDurationUs,
    criticalPathUs: total.criticalPathUs,
    criticalPathNetworkUs,
    /** Share of end-to-end latency spent on network hops on the critical path. */
    networkShare: total.rootDurationUs
      ? Math.round((criticalPathNetworkUs / total.rootDurationUs) * 1e4) / 1e4
      : 0,
    latencyUs: {
      p50: total.latency.count ? Math.round(total.latency.getValueAtQuantile(0.5)) : 0,
      p95: total.latency.count ? Math.round(total.latency.getValueAtQuantile(0.95)) : 0,
      p99: total.latency.count ? Math.round(total.latency.getValueAtQuantile(0.99)) : 0,
      /** End-to-end durations behind the percentiles (one per root, so per trace but for multi-root ones). */
      count: total.latency.count,
      /** "exact": order statistics of every value (few of them); "sketch": DDSketch, within 1%. */
      method: total.latency.isExact ? ("exact" as const) : ("sketch" as const),
    },
    coldStarts: result.coldStarts,
    stragglers: edges.reduce((sum, e) => sum + e.stragglerCount, 0),
    windows: result.windows.windows.size,
    // Only when estimated (above EXACT_BETWEENNESS_UNITS units): how, and within what error.
    ...(order > EXACT_BETWEENNESS_UNITS ? { betweenness: betweennessMethod(order) } : {}),
  };
}

/** The service graph's node count without building it: units, and the ends of edges between units. */
function graphOrder(result: AnalysisResult): number {
  const nodes = new Set(result.total.units.keys());
  for (const e of result.total.edges.values()) {
    if (e.calls === 0 || e.from === e.to) continue;
    nodes.add(e.from);
    nodes.add(e.to);
  }
  return nodes.size;
}

export function traceReports(result: AnalysisResult) {
  return result.paths.map((p) => ({
    traceId: p.traceId,
    rootSpanId: p.rootSpanId,
    ...(p.orphan ? { orphan: true } : {}),
    durationUs: p.durationUs,
    criticalPath: p.sections.map((s) => ({
      spanId: s.spanId,
      unit: s.unit,
      operation: s.operation,
      startUs: s.startUs - p.startUs,
      endUs: s.endUs - p.startUs,
    })),
  }));
}

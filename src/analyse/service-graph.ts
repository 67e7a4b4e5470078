/**
 * The service graph: units as nodes, hops as directed edges, built with graphology from aggregates.
 * Two graphology-metrics measures help a reader find the hubs: weighted degree (calls in and out)
 * and betweenness centrality (how many unit-to-unit call routes pass through a unit; unweighted,
 * normalised), as the OpenTelemetry servicegraph connector's users look for.
 *
 * Betweenness is exact (graphology-metrics, O(V·E)) up to EXACT_BETWEENNESS_UNITS units; above, it is
 * estimated from that many sampled sources (sampled-betweenness.ts, ±0.043 at 95%), so 10,000 units
 * cost what 1,000 do. Node keys are graphKey(unit); each node's `unit` attribute holds the name.
 */
import Graph from "graphology";
import betweenness from "graphology-metrics/centrality/betweenness.js";
import { weightedDegree } from "graphology-metrics/node/weighted-degree.js";
import { graphKey } from "../model/graph-key.ts";
import type { EdgeStats, UnitStats, WindowAggregate } from "./aggregates.ts";
import { betweennessError, sampledBetweenness } from "./sampled-betweenness.ts";

export const EXACT_BETWEENNESS_UNITS = 1000;

export interface UnitNode extends UnitStats {
  weightedDegree: number;
  betweenness: number;
}

export type ServiceGraph = Graph<UnitNode, EdgeStats & { weight: number }>;

/** How betweenness was computed: exactly, or from `pivots` sampled sources within ±`error` at 95%. */
export interface BetweennessMethod {
  exact: boolean;
  pivots: number;
  error: number;
}

export function betweennessMethod(units: number): BetweennessMethod {
  return units <= EXACT_BETWEENNESS_UNITS
    ? { exact: true, pivots: units, error: 0 }
    : {
        exact: false,
        pivots: EXACT_BETWEENNESS_UNITS,
        error: Math.round(betweennessError(EXACT_BETWEENNESS_UNITS) * 1e4) / 1e4,
      };
}

function centralities(graph: ServiceGraph): Map<string, number> {
  const keys = graph.nodes();
  if (graph.order <= EXACT_BETWEENNESS_UNITS) {
    // graphology-metrics' betweenness needs at least one node (its stack is sized by the order).
    const exact: Record<string, number> =
      graph.order > 0 ? betweenness(graph, { normalized: true, getEdgeWeight: null }) : {};
    return new Map(keys.map((key) => [key, exact[key] ?? 0]));
  }
  const index = new Map(keys.map((key, i) => [key, i]));
  const out = keys.map((key) => Int32Array.from(graph.outNeighbors(key), (w) => index.get(w) as number));
  const estimate = sampledBetweenness(out, EXACT_BETWEENNESS_UNITS);
  return new Map(keys.map((key, i) => [key, estimate[i]]));
}

export function buildServiceGraph(aggregate: WindowAggregate): ServiceGraph {
  const graph: ServiceGraph = new Graph({ type: "directed", multi: false, allowSelfLoops: false });
  const addUnit = (unit: string) => {
    const key = graphKey(unit);
    if (!graph.hasNode(key)) {
      const stats = aggregate.units.get(unit) ?? {
        unit,
        spans: 0,
        errors: 0,
        criticalPathUs: 0,
        coldStarts: 0,
        coldStartCriticalPathUs: 0,
      };
      graph.addNode(key, { ...stats, weightedDegree: 0, betweenness: 0 });
    }
  };
  for (const unit of [...aggregate.units.keys()].sort()) addUnit(unit);
  const edges = [...aggregate.edges.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
  for (const edge of edges) {
    if (edge.calls === 0 || edge.from === edge.to) continue;
    addUnit(edge.from);
    addUnit(edge.to);
    graph.addDirectedEdge(graphKey(edge.from), graphKey(edge.to), { ...edge, weight: edge.calls });
  }
  const central = centralities(graph);
  graph.forEachNode((key) => {
    graph.mergeNodeAttributes(key, {
      weightedDegree: weightedDegree(graph, key),
      betweenness: central.get(key) ?? 0,
    });
  });
  return graph;
}

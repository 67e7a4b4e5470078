/**
 * The service graph: units as nodes, hops as directed edges, built with graphology from aggregates.
 * Two graphology-metrics measures help a reader find the hubs: weighted degree (calls in and out)
 * and betweenness centrality (how many unit-to-unit call routes pass through a unit; unweighted,
 * normalised), as the OpenTelemetry servicegraph connector's users look for.
 */
import Graph from "graphology";
import betweenness from "graphology-metrics/centrality/betweenness.js";
import { weightedDegree } from "graphology-metrics/node/weighted-degree.js";
import type { EdgeStats, UnitStats, WindowAggregate } from "./aggregates.ts";

export interface UnitNode extends UnitStats {
  weightedDegree: number;
  betweenness: number;
}

export type ServiceGraph = Graph<UnitNode, EdgeStats & { weight: number }>;

export function buildServiceGraph(aggregate: WindowAggregate): ServiceGraph {
  const graph: ServiceGraph = new Graph({ type: "directed", multi: false, allowSelfLoops: false });
  const addUnit = (unit: string) => {
    if (!graph.hasNode(unit)) {
      const stats = aggregate.units.get(unit) ?? {
        unit,
        spans: 0,
        errors: 0,
        criticalPathUs: 0,
        coldStarts: 0,
        coldStartCriticalPathUs: 0,
      };
      graph.addNode(unit, { ...stats, weightedDegree: 0, betweenness: 0 });
    }
  };
  for (const unit of [...aggregate.units.keys()].sort()) addUnit(unit);
  const edges = [...aggregate.edges.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
  for (const edge of edges) {
    if (edge.calls === 0 || edge.from === edge.to) continue;
    addUnit(edge.from);
    addUnit(edge.to);
    graph.addDirectedEdge(edge.from, edge.to, { ...edge, weight: edge.calls });
  }
  // graphology-metrics' betweenness needs at least one node (its stack is sized by the order).
  const central = graph.order > 0 ? betweenness(graph, { normalized: true, getEdgeWeight: null }) : {};
  graph.forEachNode((unit) => {
    graph.mergeNodeAttributes(unit, {
      weightedDegree: weightedDegree(graph, unit),
      betweenness: central[unit] ?? 0,
    });
  });
  return graph;
}

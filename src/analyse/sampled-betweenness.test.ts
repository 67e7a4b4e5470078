import Graph from "graphology";
import betweenness from "graphology-metrics/centrality/betweenness.js";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { betweennessError, sampledBetweenness } from "./sampled-betweenness.ts";

/** A random directed graph of n nodes, about `degree` out-edges each, as graphology and as lists. */
function randomGraph(n: number, degree: number, seed: number) {
  const random = seededRandom(seed);
  const graph = new Graph({ type: "directed" });
  for (let v = 0; v < n; v++) graph.addNode(String(v));
  for (let v = 0; v < n; v++)
    for (let d = 0; d < degree; d++) {
      const w = Math.floor(random() * n);
      if (w !== v && !graph.hasEdge(String(v), String(w))) graph.addDirectedEdge(String(v), String(w));
    }
  const out = graph.mapNodes((v) => Int32Array.from(graph.outNeighbors(v), Number));
  const exact = betweenness(graph, { normalized: true, getEdgeWeight: null });
  return { out, exact: Array.from({ length: n }, (_, v) => exact[String(v)]) };
}

describe("sampled betweenness", () => {
  it("equals graphology-metrics' exact betweenness when every node is a source", () => {
    const { out, exact } = randomGraph(80, 3, 7);
    const estimate = sampledBetweenness(out, 80);
    exact.forEach((b, v) => {
      expect(estimate[v]).toBeCloseTo(b, 12);
    });
  });

  it("stays within its stated error of the exact value from a sample of the sources", () => {
    const { out, exact } = randomGraph(400, 2, 11);
    const pivots = 100;
    const estimate = sampledBetweenness(out, pivots);
    // ±ε at 99.9% for each node; over 400 nodes a few may lie outside at 95%, none at this level.
    const bound = betweennessError(pivots, 0.999);
    const worst = Math.max(...exact.map((b, v) => Math.abs(estimate[v] - b)));
    expect(worst).toBeLessThan(bound);
    expect(worst).toBeGreaterThan(0);
  });

  it("gives the same estimate for the same graph and seed", () => {
    const { out } = randomGraph(200, 2, 3);
    expect(sampledBetweenness(out, 50, 9)).toEqual(sampledBetweenness(out, 50, 9));
  });

  it("states ±0.043 at 95% for the 1,000 sources the service graph samples", () => {
    expect(betweennessError(1000)).toBeCloseTo(0.0429, 4);
  });
});

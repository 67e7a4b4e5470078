import { describe, expect, it } from "vitest";
import { applyGroups, buildGraph, EDGE_SIZE, edgeWeightFloor, NODE_SIZE, SINGLE } from "./graph-model.ts";
import type { GraphAnswer } from "./types.ts";

const node = (unit: string, criticalPathUs: number) => ({
  unit,
  spans: 1,
  errors: 0,
  criticalPathUs,
  coldStarts: 0,
  coldStartCriticalPathUs: 0,
  weightedDegree: 0,
  betweenness: 0,
});
const answer: GraphAnswer = {
  nodes: [node("a", 400), node("b", 100), node("c", 0)],
  links: [
    { from: "a", to: "b", calls: 10, criticalPathNetworkUs: 90 },
    { from: "b", to: "c", calls: 5, criticalPathNetworkUs: 10 },
    { from: "a", to: "db", calls: 5, criticalPathNetworkUs: 0 },
  ],
};

describe("the service graph the dashboard draws", () => {
  it("has a node per unit, virtual callees included, and an edge per call", () => {
    const graph = buildGraph(answer);
    expect(graph.order).toBe(4);
    expect(graph.size).toBe(3);
  });

  it("sizes nodes by critical-path time and edges by critical-path network time", () => {
    const graph = buildGraph(answer);
    expect(graph.getNodeAttribute("a", "size")).toBe(NODE_SIZE.max);
    expect(graph.getNodeAttribute("b", "size")).toBeCloseTo(
      NODE_SIZE.min + (NODE_SIZE.max - NODE_SIZE.min) / 2,
    );
    expect(graph.getNodeAttribute("c", "size")).toBe(NODE_SIZE.min);
    expect(graph.getEdgeAttribute("a", "b", "size")).toBe(EDGE_SIZE.max);
    expect(graph.getEdgeAttribute("a", "db", "size")).toBe(EDGE_SIZE.min);
  });

  it("colours a group of several units alike, leaves single units grey and marks the calls made in-process", () => {
    const graph = buildGraph(answer);
    expect(applyGroups(graph, [["a", "b"], ["c"]])).toEqual({ fused: 1 });
    expect(graph.getNodeAttribute("a", "color")).toBe(graph.getNodeAttribute("b", "color"));
    expect(graph.getNodeAttribute("a", "color")).not.toBe(SINGLE);
    expect(graph.getNodeAttribute("c", "color")).toBe(SINGLE);
    expect(graph.getEdgeAttribute("a", "b", "inside")).toBe(true);
    expect(graph.getEdgeAttribute("b", "c", "inside")).toBe(false);
    expect(applyGroups(graph, [["a"], ["b"], ["c"]])).toEqual({ fused: 0 });
  });

  it("keeps only the heaviest edges when there are more than asked for", () => {
    const graph = buildGraph(answer);
    expect(edgeWeightFloor(graph, 10)).toBe(0);
    expect(edgeWeightFloor(graph, 2)).toBe(10);
  });
});

import { UndirectedGraph } from "graphology";
import { describe, expect, it } from "vitest";
import { labelPropagation } from "./communities.ts";

type Weighted = [string, string, number];

function graph(edges: Weighted[], extraNodes: string[] = []): UndirectedGraph {
  const g = new UndirectedGraph();
  for (const n of extraNodes) g.mergeNode(n);
  for (const [a, b, weight] of edges) {
    g.mergeNode(a);
    g.mergeNode(b);
    g.addUndirectedEdge(a, b, { weight });
  }
  return g;
}

/** Two triangles of heavy edges joined by one light edge. */
const twoTriangles: Weighted[] = [
  ["a1", "a2", 100],
  ["a2", "a3", 100],
  ["a1", "a3", 100],
  ["b1", "b2", 100],
  ["b2", "b3", 100],
  ["b1", "b3", 100],
  ["a3", "b1", 5],
];

const groups = (labels: Map<string, number>) => {
  const out = new Map<number, string[]>();
  for (const [node, label] of labels) out.set(label, [...(out.get(label) ?? []), node]);
  return [...out.values()].map((g) => g.sort()).sort();
};

describe("label propagation communities", () => {
  it("separates two heavy triangles joined by a light edge", () => {
    expect(groups(labelPropagation(graph(twoTriangles), { seed: 1 }))).toEqual([
      ["a1", "a2", "a3"],
      ["b1", "b2", "b3"],
    ]);
  });

  it("follows the weights, not the number of edges", () => {
    // c is tied to a by one heavy edge and to b1, b2 by two light ones.
    const edges: Weighted[] = [...twoTriangles, ["c", "a1", 500], ["c", "b1", 1], ["c", "b2", 1]];
    const labels = labelPropagation(graph(edges), { seed: 1 });
    expect(labels.get("c")).toBe(labels.get("a1"));
  });

  it("leaves a node without edges in a community of its own, numbered by smallest name", () => {
    const labels = labelPropagation(graph(twoTriangles, ["0-lonely"]), { seed: 3 });
    expect(labels.get("0-lonely")).toBe(0);
    expect(new Set(labels.values()).size).toBe(3);
  });

  it("gives the same communities for the same seed, whatever order the graph was built in", () => {
    const edges: Weighted[] = Array.from({ length: 60 }, (_, i) => [
      `n${i % 17}`,
      `n${(i * 7 + 3) % 17}`,
      1 + (i % 5),
    ]);
    const distinct = edges.filter(
      ([a, b], i) =>
        a !== b && edges.findIndex(([x, y]) => (x === a && y === b) || (x === b && y === a)) === i,
    );
    const forward = labelPropagation(graph(distinct), { seed: 9 });
    const backward = labelPropagation(graph([...distinct].reverse()), { seed: 9 });
    expect([...backward].sort()).toEqual([...forward].sort());
  });
});

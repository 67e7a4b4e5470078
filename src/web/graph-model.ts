/**
 * The service graph as sigma draws it, from GET /api/graph and a clustering: node area grows with
 * critical-path time, edge width with critical-path network time (square-root scales, so one hot
 * unit does not flatten the rest), nodes coloured by their group, edges inside a group marked as the
 * calls the clustering makes in-process. Pure: no DOM, no sigma, so it is tested under Node.
 */
import Graph from "graphology";
import type { GraphAnswer } from "./types.ts";

export const NODE_SIZE = { min: 3, max: 22 };
export const EDGE_SIZE = { min: 0.6, max: 9 };
/** Groups of one unit are drawn grey; groups of several take these in turn (readable on white). */
export const PALETTE = [
  "#0b4f8a",
  "#b34700",
  "#1d6b2a",
  "#7a1f86",
  "#8a6d00",
  "#00707a",
  "#a40046",
  "#4b5a00",
];
export const SINGLE = "#8c8c8c";

const scale = (value: number, max: number, range: { min: number; max: number }) =>
  max > 0 ? range.min + (range.max - range.min) * Math.sqrt(Math.max(0, value) / max) : range.min;

/** Group index per unit, and colour per group index (several-unit groups coloured in order of their first unit). */
export function groupColours(groups: readonly (readonly string[])[]): {
  groupOf: Map<string, number>;
  colourOf: (g: number) => string;
} {
  const groupOf = new Map<string, number>();
  const colours = new Map<number, string>();
  let next = 0;
  groups.forEach((group, g) => {
    for (const unit of group) groupOf.set(unit, g);
    colours.set(g, group.length > 1 ? PALETTE[next++ % PALETTE.length] : SINGLE);
  });
  return { groupOf, colourOf: (g) => colours.get(g) ?? SINGLE };
}

export function buildGraph(answer: GraphAnswer): Graph {
  const graph = new Graph({ type: "directed", multi: false, allowSelfLoops: false });
  const maxNode = Math.max(0, ...answer.nodes.map((n) => n.criticalPathUs));
  const maxEdge = Math.max(0, ...answer.links.map((l) => l.criticalPathNetworkUs));
  const n = answer.nodes.length;
  answer.nodes.forEach((node, i) => {
    graph.addNode(node.unit, {
      label: node.unit,
      size: scale(node.criticalPathUs, maxNode, NODE_SIZE),
      // On a circle to start: the layout (graph-view.ts) moves them from there.
      x: Math.cos((2 * Math.PI * i) / Math.max(1, n)),
      y: Math.sin((2 * Math.PI * i) / Math.max(1, n)),
      color: SINGLE,
      figures: node,
    });
  });
  for (const link of answer.links) {
    if (link.from === link.to) continue;
    for (const end of [link.from, link.to])
      if (!graph.hasNode(end))
        graph.addNode(end, { label: end, size: NODE_SIZE.min, x: 0, y: 0, color: SINGLE, figures: null });
    graph.addDirectedEdge(link.from, link.to, {
      size: scale(link.criticalPathNetworkUs, maxEdge, EDGE_SIZE),
      weight: link.criticalPathNetworkUs,
      color: "#9aa5b1",
      figures: link,
    });
  }
  return graph;
}

/** Colours nodes by the groups of a clustering and marks the edges it turns into in-process calls. */
export function applyGroups(graph: Graph, groups: readonly (readonly string[])[]): { fused: number } {
  const { groupOf, colourOf } = groupColours(groups);
  graph.forEachNode((unit) => {
    const g = groupOf.get(unit);
    graph.mergeNodeAttributes(unit, { color: g === undefined ? SINGLE : colourOf(g), group: g ?? null });
  });
  let fused = 0;
  graph.forEachEdge((edge, _attrs, from, to) => {
    const inside = groupOf.has(from) && groupOf.get(from) === groupOf.get(to);
    if (inside) fused++;
    graph.mergeEdgeAttributes(edge, {
      inside,
      color: inside ? colourOf(groupOf.get(from) as number) : "#9aa5b1",
    });
  });
  return { fused };
}

/** Level of detail: with many units, only the heaviest edges are drawn until the user zooms or picks a unit. */
export function edgeWeightFloor(graph: Graph, keep: number): number {
  if (graph.size <= keep) return 0;
  const weights: number[] = [];
  graph.forEachEdge((_e, a) => {
    weights.push(a.weight as number);
  });
  weights.sort((x, y) => y - x);
  return weights[keep - 1];
}

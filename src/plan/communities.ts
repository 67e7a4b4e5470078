/**
 * Communities of a weighted undirected graph by label propagation (Raghavan, Albert & Kumara, "Near
 * linear time algorithm to detect community structures in large-scale networks", Phys. Rev. E 76,
 * 2007), weighted: every node in turn takes the label that carries the most edge weight among its
 * neighbours, until a sweep changes nothing. The search uses it only to order candidate merges, so a
 * cheap, dependency-free method is enough; graphology-communities-louvain would drop in on the same
 * graph if better communities are ever wanted.
 *
 * Deterministic: nodes are visited in a seeded shuffle of their sorted order; a tie keeps the node's
 * own label when it is among the best, else goes to the label of the smallest node name.
 * Defaults: weight attribute `weight` (missing = 1), at most 50 sweeps (it usually settles in < 10).
 */
import type { AbstractGraph, Attributes } from "graphology-types";
import { seededRandom } from "../random.ts";

export interface CommunityOptions {
  seed: number;
  maxSweeps?: number;
  weightAttribute?: string;
}

export const DEFAULT_MAX_SWEEPS = 50;

/**
 * Community number of every node. Communities are numbered 0, 1, … in the order of their smallest
 * node name; a node without edges is a community of its own.
 */
export function labelPropagation(graph: AbstractGraph, options: CommunityOptions): Map<string, number> {
  const { seed, maxSweeps = DEFAULT_MAX_SWEEPS, weightAttribute = "weight" } = options;
  const nodes = graph.nodes().sort();
  const position = new Map(nodes.map((node, i) => [node, i]));
  // Neighbour lists by position, so a sweep does no graph look-ups.
  const neighbours: number[][] = nodes.map(() => []);
  const weights: number[][] = nodes.map(() => []);
  graph.forEachEdge((_edge, attributes: Attributes, source, target) => {
    if (source === target) return;
    const raw = attributes[weightAttribute];
    const w = typeof raw === "number" && Number.isFinite(raw) ? raw : 1;
    if (w <= 0) return;
    const [s, t] = [position.get(source) as number, position.get(target) as number];
    neighbours[s].push(t);
    weights[s].push(w);
    neighbours[t].push(s);
    weights[t].push(w);
  });

  const label = Int32Array.from(nodes, (_, i) => i);
  const random = seededRandom(seed);
  const order = nodes.map((_, i) => i);
  const tally = new Float64Array(nodes.length);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let changed = 0;
    for (const v of order) {
      const seen: number[] = [];
      neighbours[v].forEach((n, k) => {
        const l = label[n];
        if (tally[l] === 0) seen.push(l);
        tally[l] += weights[v][k];
      });
      if (seen.length === 0) continue;
      let best = -1;
      let bestWeight = 0;
      for (const l of seen) {
        if (tally[l] > bestWeight || (tally[l] === bestWeight && l < best)) {
          best = l;
          bestWeight = tally[l];
        }
      }
      // On a tie the node keeps its label, so labels settle instead of flipping between equals.
      if (tally[label[v]] === bestWeight) best = label[v];
      for (const l of seen) tally[l] = 0;
      if (best !== label[v]) {
        label[v] = best;
        changed++;
      }
    }
    if (changed === 0) break;
  }

  const number = new Map<number, number>();
  const out = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!number.has(label[i])) number.set(label[i], number.size);
    out.set(node, number.get(label[i]) as number);
  });
  return out;
}

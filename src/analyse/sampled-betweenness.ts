/**
 * Betweenness centrality estimated from a sample of source units (Brandes & Pich, "Centrality
 * estimation in large networks", Int. J. Bifurcation and Chaos 17(7), 2007): Brandes' accumulation
 * (U. Brandes, "A faster algorithm for betweenness centrality", 2001) from k sources drawn without
 * replacement, scaled by n/k. Directed, unweighted, normalised by (n−1)(n−2) as graphology-metrics
 * does, so it is comparable with the exact figure.
 *
 * Error: each source contributes at most n/(n−1) ≈ 1 to a unit's normalised estimate, so by
 * Hoeffding's inequality (which holds for sampling without replacement) the estimate is within
 * ε = √(ln(2/δ) / 2k) of the exact value with probability 1−δ: ±0.043 at 95% for k = 1,000.
 * The cost is O(k·(V+E)) instead of O(V·(V+E)).
 */
import { seededRandom } from "../random.ts";

/** The Hoeffding half-width of one unit's normalised estimate from `pivots` sources, at `level`. */
export function betweennessError(pivots: number, level = 0.95): number {
  return Math.sqrt(Math.log(2 / (1 - level)) / (2 * pivots));
}

/**
 * `out[v]` lists the out-neighbours of node v (0 … n−1, no self-loops, no duplicates). Returns the
 * normalised estimate per node; seeded, so the same graph gives the same estimate.
 */
export function sampledBetweenness(out: readonly Int32Array[], pivots: number, seed = 1): Float64Array {
  const n = out.length;
  const centrality = new Float64Array(n);
  if (n <= 2) return centrality;
  const k = Math.min(pivots, n);
  // A partial Fisher–Yates shuffle picks k distinct sources.
  const nodes = Int32Array.from({ length: n }, (_, i) => i);
  const random = seededRandom(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    [nodes[i], nodes[j]] = [nodes[j], nodes[i]];
  }
  // Compressed rows: one flat array of out-neighbours, indexed by offset, for tight inner loops.
  const offset = new Int32Array(n + 1);
  for (let v = 0; v < n; v++) offset[v + 1] = offset[v] + out[v].length;
  const adjacent = new Int32Array(offset[n]);
  for (let v = 0; v < n; v++) adjacent.set(out[v], offset[v]);
  const sigma = new Float64Array(n);
  const distance = new Int32Array(n);
  const delta = new Float64Array(n);
  const order = new Int32Array(n);
  for (let p = 0; p < k; p++) {
    const s = nodes[p];
    distance.fill(-1);
    sigma.fill(0);
    distance[s] = 0;
    sigma[s] = 1;
    // Breadth-first from s; `order` is both the queue and the stack of visited nodes.
    let head = 0;
    let tail = 0;
    order[tail++] = s;
    while (head < tail) {
      const v = order[head++];
      const next = distance[v] + 1;
      for (let e = offset[v]; e < offset[v + 1]; e++) {
        const w = adjacent[e];
        if (distance[w] < 0) {
          distance[w] = next;
          order[tail++] = w;
        }
        if (distance[w] === next) sigma[w] += sigma[v];
      }
    }
    for (let i = 0; i < tail; i++) delta[order[i]] = 0;
    // Predecessors of w are its in-neighbours one step closer: found from v's side, in reverse order.
    for (let i = tail - 1; i > 0; i--) {
      const v = order[i];
      const dv = distance[v];
      let sum = 0;
      for (let e = offset[v]; e < offset[v + 1]; e++) {
        const w = adjacent[e];
        if (distance[w] === dv + 1) sum += (1 + delta[w]) / sigma[w];
      }
      delta[v] = sigma[v] * sum;
      centrality[v] += delta[v];
    }
  }
  const scale = n / k / ((n - 1) * (n - 2));
  for (let v = 0; v < n; v++) centrality[v] *= scale;
  return centrality;
}

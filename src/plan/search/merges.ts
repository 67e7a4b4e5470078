/**
 * Merge candidates: pairs of groups joined by synchronous calls (an edge that is only ever
 * asynchronous gives no latency reason to merge), ranked by a cheap surrogate, the critical-path
 * network time between the two groups in both directions. In "community" order, the time between
 * units of one community (label propagation, communities.ts) ranks first; ties by the groups' first units.
 */
import type { Candidate } from "./candidates.ts";
import type { SearchState } from "./state.ts";

export type MergeOrder = "community" | "surrogate";

export function mergeCandidates(state: SearchState, order: MergeOrder): Candidate[] {
  const pairs = new Map<
    number,
    { a: number; b: number; first: number; second: number; weight: number; intra: number }
  >();
  const stride = state.nextGroup;
  for (const link of state.links) {
    let [a, b] = [state.groupOf[link.a], state.groupOf[link.b]];
    if (a === b) continue;
    if (a > b) [a, b] = [b, a];
    let pair = pairs.get(a * stride + b);
    if (!pair) {
      const [first, second] = [state.firstOf(a), state.firstOf(b)];
      pair =
        first < second
          ? { a, b, first, second, weight: 0, intra: 0 }
          : { a: b, b: a, first: second, second: first, weight: 0, intra: 0 };
      pairs.set(a * stride + b, pair);
    }
    pair.weight += link.weight;
    if (link.intra) pair.intra += link.weight;
  }
  const ranked = [...pairs.values()].sort(
    (x, y) =>
      (order === "community" ? y.intra - x.intra : 0) ||
      y.weight - x.weight ||
      x.first - y.first ||
      x.second - y.second,
  );
  return ranked.map(({ a, b }) => {
    // The smaller group moves into the larger; between equals, the later one by name.
    const [absorbed, absorbing] = state.size(b) > state.size(a) ? [a, b] : [b, a];
    return { kind: "merge" as const, key: `m|${a}|${b}`, remove: [a, b], from: absorbed, to: absorbing };
  });
}

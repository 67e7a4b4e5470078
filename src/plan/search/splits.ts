/**
 * Splits: one unit of a shared group out on its own, so the search can undo a merge, or a current
 * group, that the traces show to hurt (a fan-out serialised on one worker, retime.ts). A unit that an
 * in-group caller calls beside another member of a single-worker group ranks first; the others by
 * how little critical-path network time they have with their group.
 */
import { isSingleWorker } from "../cost/parallelism.ts";
import type { RankedCandidate } from "./candidates.ts";
import type { SearchState } from "./state.ts";

export function splitCandidates(state: SearchState): RankedCandidate[] {
  const ranked: RankedCandidate[] = [];
  for (const [g, members] of state.sharedGroups()) {
    const inGroup = new Set(members);
    // Members that call two or more other members: in a single-worker group, callers whose calls may
    // have been parallel in the recording and are now serialised.
    const fanningOut = isSingleWorker(
      state.catalog,
      members.map((u) => state.names[u]),
    )
      ? members.filter((p) => [...state.callees[p]].filter((v) => inGroup.has(v)).length >= 2)
      : [];
    for (const u of members) {
      if (state.locked[u]) continue;
      const stay = state.linkWeightByGroup(u).get(g) ?? 0;
      const fanOut = fanningOut.some((p) => state.callees[p].has(u));
      ranked.push({
        c: { kind: "split", key: `s|${u}|${g}`, remove: [g], unit: u, from: g },
        priority: fanOut ? Number.POSITIVE_INFINITY : -stay,
        target: -1,
      });
    }
  }
  return ranked;
}

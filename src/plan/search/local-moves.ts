/**
 * Local moves: one unit of a shared group into a group it calls or is called by, so the search can
 * undo an earlier merge the traces show to hurt. Ranked by the critical-path network time the move
 * brings into the unit's group minus what it had with its own.
 */
import type { RankedCandidate } from "./candidates.ts";
import type { SearchState } from "./state.ts";

export function moveCandidates(state: SearchState): RankedCandidate[] {
  const ranked: RankedCandidate[] = [];
  for (const [g, members] of state.sharedGroups()) {
    for (const u of members) {
      if (state.locked[u]) continue;
      const toGroup = state.linkWeightByGroup(u);
      const stay = toGroup.get(g) ?? 0;
      for (const [h, weight] of toGroup) {
        if (h === g) continue;
        ranked.push({
          c: { kind: "move", key: `v|${u}|${g}|${h}`, remove: [g, h], unit: u, from: g, to: h },
          priority: weight - stay,
          target: state.firstOf(h),
        });
      }
    }
  }
  return ranked;
}

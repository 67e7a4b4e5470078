/**
 * Candidate steps: what they replace and create, which are allowed by the constraints, and the
 * window of them the evaluator scores next. The three kinds are generated in merges.ts,
 * local-moves.ts and splits.ts.
 */

import { type SearchState, union } from "./state.ts";
import type { Move } from "./types.ts";

/** A candidate step. Group ids are never reused, so a candidate's key names exactly its groups. */
export interface Candidate {
  kind: Move["kind"];
  key: string;
  /** Groups the step replaces. */
  remove: number[];
  /** Groups it creates (sorted unit numbers), worked out when the candidate reaches a window. */
  add?: number[][];
  /** The moving unit (move, split). */
  unit?: number;
  /** merge: the absorbed and the absorbing group; move: source and target; split: source. */
  from: number;
  to?: number;
}

/** A local candidate with what ranks it: higher priority first, then unit, kind and target. */
export interface RankedCandidate {
  c: Candidate;
  priority: number;
  target: number;
}

/** Merge: the union. Move: what is left, and the target with the unit. Split: what is left, and the unit. */
export function created(state: SearchState, c: Candidate): number[][] {
  if (!c.add) {
    if (c.kind === "merge") c.add = [union(state.membersOf(c.remove[0]), state.membersOf(c.remove[1]))];
    else {
      const u = c.unit as number;
      const rest = state.membersOf(c.from).filter((m) => m !== u);
      c.add = [rest, c.kind === "move" ? union(state.membersOf(c.to as number), [u]) : [u]];
    }
  }
  return c.add;
}

/**
 * Every group the candidate creates is allowed; a group that already violates the constraints may
 * shrink but never grow.
 */
export function allowed(state: SearchState, c: Candidate): boolean {
  const ok = (group: number[]) => state.constraints.violations(group.map((u) => state.names[u])).length === 0;
  const violating = (group: number) => state.violating.has(group);
  if (c.kind === "merge") return !c.remove.some(violating) && ok(created(state, c)[0]);
  if (state.locked[c.unit as number]) return false;
  if (c.to !== undefined && violating(c.to)) return false;
  const [remainder, joined] = created(state, c);
  return (violating(c.from) || ok(remainder)) && ok(joined);
}

/** The first `size` candidates that have not failed and create only allowed groups (others are marked failed). */
export function window(
  state: SearchState,
  candidates: Candidate[],
  rejected: Set<string>,
  size: number,
): Candidate[] {
  const out: Candidate[] = [];
  for (const c of candidates) {
    if (out.length >= size) break;
    if (rejected.has(c.key)) continue;
    if (!allowed(state, c)) {
      rejected.add(c.key);
      continue;
    }
    out.push(c);
  }
  return out;
}

/** Local candidates (moves and splits) in one order: priority, then unit, kind and target. */
export function rankLocal(ranked: RankedCandidate[]): Candidate[] {
  const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  ranked.sort(
    (x, y) =>
      (x.priority === y.priority ? 0 : y.priority > x.priority ? 1 : -1) ||
      (x.c.unit as number) - (y.c.unit as number) ||
      compareStrings(x.c.kind, y.c.kind) ||
      x.target - y.target,
  );
  return ranked.map((r) => r.c);
}

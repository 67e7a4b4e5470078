/** The search's inputs, options and result (the algorithm: ../search.ts). */
import type { Clustering } from "../clustering.ts";
import type { Score } from "../objective.ts";

export interface SearchEdge {
  from: string;
  to: string;
  calls: number;
  asyncCalls: number;
  criticalPathNetworkUs: number;
}

export interface SearchOptions {
  /** Minimum gain of one move, in score units. Default: `minGainShare` of the current score. */
  minGain?: number;
  /** Seeds the community detection (and so the order in which candidates are tried). */
  seed: number;
  maxMoves?: number;
  candidatesPerStep?: number;
  /** Evaluator calls at most, including the one for the current clustering. */
  maxEvaluations?: number;
}

export const DEFAULT_SEARCH_OPTIONS = {
  minGainShare: 0.01,
  maxMoves: 50,
  candidatesPerStep: 8,
  maxEvaluations: 400,
  /** Share of the evaluations merging may use; the rest is kept for local moves. */
  mergeShare: 0.75,
} as const;

/**
 * One applied step. `units` moved; `into` is the group they joined (before the move), or for a
 * split the group they left (without them). A merge moves the smaller group into the larger.
 */
export interface Move {
  kind: "merge" | "move" | "split";
  units: string[];
  into?: string[];
  gain: number;
  before: Score;
  after: Score;
}

export interface SearchResult {
  clustering: Clustering;
  moves: Move[];
  /** Groups of the current clustering that already violate the constraints, with the reasons. */
  currentViolations: { group: string[]; reasons: string[] }[];
  /** The evaluator's score of the current clustering and of the result. */
  initial: Score;
  final: Score;
  /** The minimum gain of a move that was used, in score units. */
  minGain: number;
  /** Evaluator calls made. */
  evaluations: number;
  /** Communities found in the critical-path graph. */
  communities: number;
}

/**
 * The clustering search (DESIGN.md "Planning" → Search): from the current clustering, greedy
 * agglomerative merging by marginal gain, then local moves of single units, every step scored by the
 * evaluator (the re-timing of recorded traces), only steps that gain at least `minGain` applied.
 *
 * - Candidate merges are pairs of groups joined by synchronous calls (an edge that is only ever
 *   asynchronous gives no latency reason to merge). A cheap surrogate, the critical-path network time
 *   between the two groups in both directions, decides which candidates the evaluator scores: pairs
 *   inside one community (label propagation on the critical-path-weighted unit graph, communities.ts)
 *   first, in windows of `candidatesPerStep`; the best of a window is applied. Once a window yields
 *   nothing, one more window is tried in plain surrogate order; when that yields nothing either, the
 *   merge phase ends.
 * - Local moves then take one unit of a shared group into a neighbouring group (`move`) or out on
 *   its own (`split`), so the search undoes an earlier merge, or a current group, that the traces show
 *   to hurt (a fan-out serialised on one worker, retime.ts). Splits of a unit that an in-group caller
 *   calls beside another member of a single-worker group are scored first. The phases repeat while
 *   either applies a move.
 * - Lazy greedy as in CELF (Leskovec et al., "Cost-effective outbreak detection in networks", KDD
 *   2007): a gain measured before the last applied move is kept as an estimate and measured again only
 *   when it is the best of its window. A candidate that fails is retried only when one of its groups
 *   changes.
 * - No proposed group violates the constraints (constraints.ts). A current group that already does is
 *   reported, kept as it is, never grown, and may shrink.
 * - Deterministic: units, edges and candidates are sorted and ties broken by unit names, so the same
 *   input and seed give the same result whatever the order of `units`, `edges` and `current`.
 *
 * Defaults: minGain 1% of the current clustering's score (absolute, in score units: with the default
 * weights 1 = 1 ms of mean end-to-end latency); 8 candidates per window; at most 50 moves and 400
 * evaluations, of which merging may use three quarters.
 */
import type { Catalog } from "../model/catalog.ts";
import type { Clustering } from "./clustering.ts";
import type { Evaluator, Score } from "./objective.ts";
import { type Candidate, created, rankLocal, window } from "./search/candidates.ts";
import { moveCandidates } from "./search/local-moves.ts";
import { type MergeOrder, mergeCandidates } from "./search/merges.ts";
import { splitCandidates } from "./search/splits.ts";
import { SearchState } from "./search/state.ts";
import {
  DEFAULT_SEARCH_OPTIONS,
  type Move,
  type SearchEdge,
  type SearchOptions,
  type SearchResult,
} from "./search/types.ts";

export type { Move, SearchEdge, SearchOptions, SearchResult } from "./search/types.ts";
export { DEFAULT_SEARCH_OPTIONS } from "./search/types.ts";

export function search(
  current: Clustering,
  units: string[],
  edges: SearchEdge[],
  catalog: Catalog,
  evaluate: Evaluator,
  options: SearchOptions,
): SearchResult {
  return new Search(new SearchState(current, units, edges, catalog, options.seed), evaluate, options).run();
}

interface Estimate {
  gain: number;
  after: Score;
  version: number;
}

class Search {
  private score: Score = {
    score: 0,
    meanUs: 0,
    coldStartsPerHour: 0,
    baseCostPerHour: 0,
    computeCostPerHour: 0,
  };
  private minGain = 0;
  private version = 0;
  private evaluations = 0;
  private budget = 0;
  private readonly estimates = new Map<string, Estimate>();
  private readonly rejected = new Set<string>();
  private readonly moves: Move[] = [];
  private readonly options: Required<Omit<SearchOptions, "minGain">> & { minGain?: number };

  constructor(
    private readonly state: SearchState,
    private readonly evaluate: Evaluator,
    options: SearchOptions,
  ) {
    this.options = {
      maxMoves: DEFAULT_SEARCH_OPTIONS.maxMoves,
      candidatesPerStep: DEFAULT_SEARCH_OPTIONS.candidatesPerStep,
      maxEvaluations: DEFAULT_SEARCH_OPTIONS.maxEvaluations,
      ...definedOnly(options),
      seed: options.seed,
    };
  }

  /** The algorithm: score the current clustering, then merge greedily and move locally while either helps. */
  run(): SearchResult {
    const { maxEvaluations } = this.options;
    this.budget = maxEvaluations;
    this.score = this.evaluateOrUndefined(this.state.clustering()) ?? this.score;
    const initial = this.score;
    this.minGain = this.options.minGain ?? DEFAULT_SEARCH_OPTIONS.minGainShare * Math.abs(this.score.score);
    const mergeBudget = Math.max(1, Math.floor(maxEvaluations * DEFAULT_SEARCH_OPTIONS.mergeShare));
    for (;;) {
      this.budget = mergeBudget;
      const merged = this.mergePhase();
      this.budget = maxEvaluations;
      const moved = this.localPhase();
      if (merged + moved === 0 || !this.canMove()) break;
    }
    return {
      clustering: this.state.clustering(),
      moves: this.moves,
      currentViolations: this.state.currentViolations,
      initial,
      final: this.score,
      minGain: this.minGain,
      evaluations: this.evaluations,
      communities: this.state.communities,
    };
  }

  // --- the two phases -------------------------------------------------------------------------

  /** Merges in community order; once a window yields nothing, one more in plain surrogate order. */
  private mergePhase(): number {
    let applied = 0;
    let order: MergeOrder = "community";
    let cached: { version: number; order: string; pairs: Candidate[] } | undefined;
    while (this.canMove()) {
      if (cached?.version !== this.version || cached.order !== order)
        cached = { version: this.version, order, pairs: mergeCandidates(this.state, order) };
      const next = this.window(cached.pairs);
      if (next.length === 0) break;
      const outcome = this.step(next);
      if (outcome === "applied") applied++;
      else if (outcome === "budget") break;
      else if (order === "community") order = "surrogate";
      else break;
    }
    return applied;
  }

  /** Moves and splits of single units out of shared groups, in one ranking. */
  private localPhase(): number {
    let applied = 0;
    let cached: { version: number; candidates: Candidate[] } | undefined;
    while (this.canMove()) {
      if (cached?.version !== this.version)
        cached = {
          version: this.version,
          candidates: rankLocal([...splitCandidates(this.state), ...moveCandidates(this.state)]),
        };
      const next = this.window(cached.candidates);
      if (next.length === 0) break;
      const outcome = this.step(next);
      if (outcome === "applied") applied++;
      else if (outcome === "budget") break;
    }
    return applied;
  }

  private window(candidates: Candidate[]): Candidate[] {
    return window(this.state, candidates, this.rejected, this.options.candidatesPerStep);
  }

  /**
   * Scores the window (lazily, CELF) and applies its best candidate when it gains at least minGain.
   * "none": nothing in the window gains enough (all of it is rejected); "budget": evaluations ran out.
   */
  private step(window: Candidate[]): "applied" | "none" | "budget" {
    let outOfBudget = false;
    for (const c of window) {
      if (this.estimates.has(c.key)) continue;
      if (!this.measure(c)) {
        outOfBudget = true;
        break;
      }
    }
    const unusable = new Set<string>();
    for (;;) {
      let best: Candidate | undefined;
      let bestGain = Number.NEGATIVE_INFINITY;
      for (const c of window) {
        const e = this.estimates.get(c.key);
        if (!e || unusable.has(c.key) || e.gain <= bestGain) continue;
        best = c;
        bestGain = e.gain;
      }
      if (!best || !this.enough(bestGain)) {
        if (outOfBudget || unusable.size > 0) return "budget";
        for (const c of window) this.rejected.add(c.key);
        return "none";
      }
      const estimate = this.estimates.get(best.key) as Estimate;
      if (estimate.version !== this.version) {
        if (!this.measure(best)) {
          unusable.add(best.key);
          outOfBudget = true;
        }
        continue;
      }
      this.apply(best, estimate);
      return "applied";
    }
  }

  private enough(gain: number): boolean {
    return gain >= this.minGain && gain > 1e-9 * Math.max(1, Math.abs(this.score.score));
  }

  private canMove(): boolean {
    return this.moves.length < this.options.maxMoves && this.evaluations < this.budget;
  }

  // --- evaluation and state -------------------------------------------------------------------

  private measure(c: Candidate): boolean {
    const after = this.evaluateOrUndefined(
      this.state.clustering({ remove: c.remove, add: created(this.state, c) }),
    );
    if (!after) return false;
    this.estimates.set(c.key, { gain: this.score.score - after.score, after, version: this.version });
    return true;
  }

  private evaluateOrUndefined(clustering: Clustering): Score | undefined {
    if (this.evaluations >= this.budget) return undefined;
    this.evaluations++;
    return this.evaluate(clustering);
  }

  /** Applies the step to the state and records it as a move. */
  private apply(c: Candidate, estimate: Estimate): void {
    const state = this.state;
    const into =
      c.kind === "merge" || c.kind === "move"
        ? state.namesOf(c.to as number)
        : created(state, c)[0].map((u) => state.names[u]);
    const units = c.kind === "merge" ? state.namesOf(c.from) : [state.names[c.unit as number]];
    const move: Move = {
      kind: c.kind,
      units,
      into,
      gain: estimate.gain,
      before: this.score,
      after: estimate.after,
    };
    const shrunkViolating = c.kind !== "merge" && state.violating.has(c.from);
    for (const g of c.remove) state.removeGroup(g);
    const added = created(state, c)
      .filter((g) => g.length > 0)
      .map((g) => state.addGroup(g));
    if (shrunkViolating && state.constraints.violations(state.namesOf(added[0])).length > 0)
      state.violating.add(added[0]);
    this.moves.push(move);
    this.score = estimate.after;
    this.version++;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

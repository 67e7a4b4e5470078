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
import { UndirectedGraph } from "graphology";
import type { Catalog } from "../model/catalog.ts";
import { graphKey } from "../model/graph-key.ts";
import type { Clustering } from "./clustering.ts";
import { labelPropagation } from "./communities.ts";
import { Constraints } from "./constraints.ts";
import { isSingleWorker } from "./cost/parallelism.ts";
import type { Evaluator, Score } from "./objective.ts";

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

export function search(
  current: Clustering,
  units: string[],
  edges: SearchEdge[],
  catalog: Catalog,
  evaluate: Evaluator,
  options: SearchOptions,
): SearchResult {
  return new Search(current, units, edges, catalog, evaluate, options).run();
}

/** A candidate step. Group ids are never reused, so a candidate's key names exactly its groups. */
interface Candidate {
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

interface Estimate {
  gain: number;
  after: Score;
  version: number;
}

interface Link {
  a: number;
  b: number;
  /** Critical-path network time between the two units, both directions, µs. */
  weight: number;
  /** Both units are in the same community. */
  intra: boolean;
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const compareNumberLists = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};

class Search {
  private readonly names: string[];
  private readonly index = new Map<string, number>();
  private readonly constraints: Constraints;
  private readonly currentViolations: SearchResult["currentViolations"] = [];
  private readonly links: Link[] = [];
  /** Per unit: neighbour unit → critical-path network time (sync calls only, both directions). */
  private readonly adjacency: Map<number, number>[];
  /** Per unit: units it calls synchronously. */
  private readonly callees: Set<number>[];
  private readonly communities: number;
  private readonly locked: Uint8Array;

  private readonly groupOf: Int32Array;
  private readonly members = new Map<number, number[]>();
  /** Groups that violate the constraints (current ones, or what is left of them): they may shrink, never grow. */
  private readonly violating = new Set<number>();
  private nextGroup = 0;

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
    current: Clustering,
    units: string[],
    edges: SearchEdge[],
    private readonly catalog: Catalog,
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
    this.names = [...new Set([...units, ...current.flat()])].sort(compareStrings);
    this.names.forEach((name, i) => {
      this.index.set(name, i);
    });
    const n = this.names.length;

    // The current clustering, canonical; a unit listed twice stays in the first group (by name order).
    this.groupOf = new Int32Array(n).fill(-1);
    const given = current.map((g) => [...new Set(g)].sort(compareStrings));
    given.sort((a, b) => compareStrings(a.join("\u0000"), b.join("\u0000")));
    const groups: number[][] = [];
    for (const group of given) {
      const ids = group.map((u) => this.index.get(u) as number);
      const repeated = ids.filter((u) => this.groupOf[u] !== -1);
      if (repeated.length > 0)
        this.currentViolations.push({
          group,
          reasons: [`lists ${repeated.map((u) => this.names[u]).join(", ")}, already in another group`],
        });
      const fresh = ids.filter((u) => this.groupOf[u] === -1);
      for (const u of fresh) this.groupOf[u] = groups.length;
      if (fresh.length > 0) groups.push(fresh);
    }
    for (let u = 0; u < n; u++) if (this.groupOf[u] === -1) groups.push([u]);
    groups.sort(compareNumberLists);
    for (const g of groups) this.addGroup(g);
    const canonical = this.clustering();

    this.constraints = new Constraints(catalog, canonical);
    for (const group of canonical) {
      const reasons = this.constraints.violations(group);
      if (reasons.length === 0) continue;
      this.currentViolations.push({ group, reasons });
      this.violating.add(this.groupOf[this.index.get(group[0]) as number]);
    }
    this.currentViolations.sort((a, b) => compareStrings(a.group.join("\u0000"), b.group.join("\u0000")));
    this.locked = Uint8Array.from(this.names, (u) => (this.constraints.locked(u) ? 1 : 0));

    // Synchronous links between units that could ever share a group, summed over both directions.
    this.adjacency = this.names.map(() => new Map());
    this.callees = this.names.map(() => new Set());
    const sorted = edges
      .filter((e) => e.calls > e.asyncCalls && e.from !== e.to)
      .filter((e) => this.index.has(e.from) && this.index.has(e.to))
      .filter((e) => this.constraints.compatible(e.from, e.to))
      .sort(
        (x, y) =>
          compareStrings(x.from, y.from) ||
          compareStrings(x.to, y.to) ||
          x.criticalPathNetworkUs - y.criticalPathNetworkUs,
      );
    for (const e of sorted) {
      const [f, t] = [this.index.get(e.from) as number, this.index.get(e.to) as number];
      const weight = Math.max(0, e.criticalPathNetworkUs) || 0;
      this.adjacency[f].set(t, (this.adjacency[f].get(t) ?? 0) + weight);
      this.adjacency[t].set(f, (this.adjacency[t].get(f) ?? 0) + weight);
      this.callees[f].add(t);
    }

    const graph = new UndirectedGraph<Record<string, never>, { weight: number }>();
    for (const name of this.names) graph.addNode(graphKey(name));
    this.adjacency.forEach((neighbours, a) => {
      for (const [b, weight] of [...neighbours].sort(([x], [y]) => x - y)) {
        if (a < b) graph.addUndirectedEdge(graphKey(this.names[a]), graphKey(this.names[b]), { weight });
      }
    });
    const community = labelPropagation(graph, { seed: options.seed });
    this.communities = new Set(community.values()).size;
    this.adjacency.forEach((neighbours, a) => {
      for (const [b, weight] of [...neighbours].sort(([x], [y]) => x - y)) {
        if (a < b)
          this.links.push({
            a,
            b,
            weight,
            intra: community.get(graphKey(this.names[a])) === community.get(graphKey(this.names[b])),
          });
      }
    });
  }

  run(): SearchResult {
    const { maxEvaluations } = this.options;
    this.budget = maxEvaluations;
    this.score = this.evaluateOrUndefined(this.clustering()) ?? this.score;
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
      clustering: this.clustering(),
      moves: this.moves,
      currentViolations: this.currentViolations,
      initial,
      final: this.score,
      minGain: this.minGain,
      evaluations: this.evaluations,
      communities: this.communities,
    };
  }

  // --- the two phases -------------------------------------------------------------------------

  private mergePhase(): number {
    let applied = 0;
    let order: "community" | "surrogate" = "community";
    let cached: { version: number; order: string; pairs: Candidate[] } | undefined;
    while (this.canMove()) {
      if (cached?.version !== this.version || cached.order !== order)
        cached = { version: this.version, order, pairs: this.mergeCandidates(order) };
      const window = this.window(cached.pairs);
      if (window.length === 0) break;
      const outcome = this.step(window);
      if (outcome === "applied") applied++;
      else if (outcome === "budget") break;
      else if (order === "community") order = "surrogate";
      else break;
    }
    return applied;
  }

  private localPhase(): number {
    let applied = 0;
    let cached: { version: number; candidates: Candidate[] } | undefined;
    while (this.canMove()) {
      if (cached?.version !== this.version)
        cached = { version: this.version, candidates: this.localCandidates() };
      const window = this.window(cached.candidates);
      if (window.length === 0) break;
      const outcome = this.step(window);
      if (outcome === "applied") applied++;
      else if (outcome === "budget") break;
    }
    return applied;
  }

  /** The first `candidatesPerStep` candidates that have not failed and create only allowed groups. */
  private window(candidates: Candidate[]): Candidate[] {
    const window: Candidate[] = [];
    for (const c of candidates) {
      if (window.length >= this.options.candidatesPerStep) break;
      if (this.rejected.has(c.key)) continue;
      if (!this.allowed(c)) {
        this.rejected.add(c.key);
        continue;
      }
      window.push(c);
    }
    return window;
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

  // --- candidates -----------------------------------------------------------------------------

  /** Pairs of groups joined by synchronous calls, ordered by community, then by surrogate, then names. */
  private mergeCandidates(order: "community" | "surrogate"): Candidate[] {
    const pairs = new Map<
      number,
      { a: number; b: number; first: number; second: number; weight: number; intra: number }
    >();
    const stride = this.nextGroup;
    for (const link of this.links) {
      let [a, b] = [this.groupOf[link.a], this.groupOf[link.b]];
      if (a === b) continue;
      if (a > b) [a, b] = [b, a];
      let pair = pairs.get(a * stride + b);
      if (!pair) {
        const [first, second] = [this.firstOf(a), this.firstOf(b)];
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
      const [absorbed, absorbing] = this.size(b) > this.size(a) ? [a, b] : [b, a];
      return { kind: "merge" as const, key: `m|${a}|${b}`, remove: [a, b], from: absorbed, to: absorbing };
    });
  }

  /**
   * Single-unit moves out of shared groups: into a group it calls or is called by, or out on its own.
   * Ranked by the critical-path network time the move brings into the unit's group (a split brings
   * in minus what it had with its group); suspected serialised fan-outs first.
   */
  private localCandidates(): Candidate[] {
    const ranked: { c: Candidate; priority: number; target: number }[] = [];
    const groups = [...this.members.entries()].filter(([, m]) => m.length > 1);
    groups.sort(([, x], [, y]) => compareNumberLists(x, y));
    for (const [g, members] of groups) {
      const inGroup = new Set(members);
      // Members that call two or more other members: in a single-worker group, callers whose calls may
      // have been parallel in the recording and are now serialised.
      const fanningOut = isSingleWorker(
        this.catalog,
        members.map((u) => this.names[u]),
      )
        ? members.filter((p) => [...this.callees[p]].filter((v) => inGroup.has(v)).length >= 2)
        : [];
      for (const u of members) {
        if (this.locked[u]) continue;
        const toGroup = new Map<number, number>();
        for (const [v, weight] of this.adjacency[u]) {
          const h = this.groupOf[v];
          toGroup.set(h, (toGroup.get(h) ?? 0) + weight);
        }
        const stay = toGroup.get(g) ?? 0;
        const fanOut = fanningOut.some((p) => this.callees[p].has(u));
        ranked.push({
          c: {
            kind: "split",
            key: `s|${u}|${g}`,
            remove: [g],
            unit: u,
            from: g,
          },
          priority: fanOut ? Number.POSITIVE_INFINITY : -stay,
          target: -1,
        });
        for (const [h, weight] of toGroup) {
          if (h === g) continue;
          ranked.push({
            c: {
              kind: "move",
              key: `v|${u}|${g}|${h}`,
              remove: [g, h],
              unit: u,
              from: g,
              to: h,
            },
            priority: weight - stay,
            target: this.firstOf(h),
          });
        }
      }
    }
    ranked.sort(
      (x, y) =>
        (x.priority === y.priority ? 0 : y.priority > x.priority ? 1 : -1) ||
        (x.c.unit as number) - (y.c.unit as number) ||
        compareStrings(x.c.kind, y.c.kind) ||
        x.target - y.target,
    );
    return ranked.map((r) => r.c);
  }

  /**
   * Every group the candidate creates is allowed; a group that already violates the constraints may
   * shrink but never grow.
   */
  private allowed(c: Candidate): boolean {
    const ok = (group: number[]) => this.constraints.violations(group.map((u) => this.names[u])).length === 0;
    const violating = (group: number) => this.violating.has(group);
    if (c.kind === "merge") return !c.remove.some(violating) && ok(this.created(c)[0]);
    if (this.locked[c.unit as number]) return false;
    if (c.to !== undefined && violating(c.to)) return false;
    const [remainder, joined] = this.created(c);
    return (violating(c.from) || ok(remainder)) && ok(joined);
  }

  /** Merge: the union. Move: what is left, and the target with the unit. Split: what is left, and the unit. */
  private created(c: Candidate): number[][] {
    if (!c.add) {
      const members = (g: number) => this.members.get(g) as number[];
      if (c.kind === "merge") c.add = [union(members(c.remove[0]), members(c.remove[1]))];
      else {
        const u = c.unit as number;
        const rest = members(c.from).filter((m) => m !== u);
        c.add = [rest, c.kind === "move" ? union(members(c.to as number), [u]) : [u]];
      }
    }
    return c.add;
  }

  // --- evaluation and state -------------------------------------------------------------------

  private measure(c: Candidate): boolean {
    const after = this.evaluateOrUndefined(this.clustering(c));
    if (!after) return false;
    this.estimates.set(c.key, { gain: this.score.score - after.score, after, version: this.version });
    return true;
  }

  private evaluateOrUndefined(clustering: Clustering): Score | undefined {
    if (this.evaluations >= this.budget) return undefined;
    this.evaluations++;
    return this.evaluate(clustering);
  }

  private apply(c: Candidate, estimate: Estimate): void {
    const namesOf = (g: number) => (this.members.get(g) as number[]).map((u) => this.names[u]);
    let move: Move;
    if (c.kind === "merge") {
      move = {
        kind: "merge",
        units: namesOf(c.from),
        into: namesOf(c.to as number),
        gain: estimate.gain,
        before: this.score,
        after: estimate.after,
      };
    } else {
      const unit = [this.names[c.unit as number]];
      const into = c.kind === "move" ? namesOf(c.to as number) : this.created(c)[0].map((u) => this.names[u]);
      move = {
        kind: c.kind,
        units: unit,
        into,
        gain: estimate.gain,
        before: this.score,
        after: estimate.after,
      };
    }
    const shrunkViolating = c.kind !== "merge" && this.violating.has(c.from);
    for (const g of c.remove) {
      this.members.delete(g);
    }
    const created = this.created(c)
      .filter((g) => g.length > 0)
      .map((g) => this.addGroup(g));
    if (shrunkViolating) {
      const remainder = created[0];
      const names = (this.members.get(remainder) as number[]).map((u) => this.names[u]);
      if (this.constraints.violations(names).length > 0) this.violating.add(remainder);
    }
    this.moves.push(move);
    this.score = estimate.after;
    this.version++;
  }

  private addGroup(members: number[]): number {
    const id = this.nextGroup++;
    this.members.set(id, members);
    for (const u of members) this.groupOf[u] = id;
    return id;
  }

  private firstOf(group: number): number {
    return (this.members.get(group) as number[])[0];
  }

  private size(group: number): number {
    return (this.members.get(group) as number[]).length;
  }

  /** The clustering now, or with the candidate applied; canonical (members and groups by name). */
  private clustering(c?: Candidate): Clustering {
    const groups: number[][] = [];
    for (const [g, members] of this.members) if (!c?.remove.includes(g)) groups.push(members);
    if (c) for (const g of this.created(c)) if (g.length > 0) groups.push(g);
    groups.sort((a, b) => a[0] - b[0]);
    return groups.map((g) => g.map((u) => this.names[u]));
  }
}

/** Two sorted lists of unit numbers merged into one sorted list. */
function union(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

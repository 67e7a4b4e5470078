/**
 * The planner: from the recorded traces (as PlanData and per-edge aggregates), a catalog and the
 * current clustering, search for a better clustering, predict both with the what-if simulator on all
 * traces, and explain every step. No I/O, no clock: same input and seed, same proposal.
 */
import type { EdgeReport } from "../analyse/report.ts";
import type { Catalog } from "../model/catalog.ts";
import { type Clustering, canonical, complete } from "./clustering.ts";
import { violations } from "./constraints.ts";
import { DEFAULT_IN_PROCESS_US } from "./cost/in-process-call.ts";
import { DEFAULT_WEIGHTS, makeEvaluator, type Weights } from "./objective.ts";
import type { PlanData } from "./plan-data.ts";
import { buildProposal, type EdgeEvidence, type MergeReport, type Proposal, reasonFor } from "./proposal.ts";
import { type Move, search } from "./search.ts";
import { whatIf } from "./what-if.ts";

export interface PlanOptions {
  weights: Weights;
  inProcessUs: number;
  /**
   * Minimum objective gain of one step, in score units (with the default weights, 1 = 1 ms of mean
   * latency). Default: 1% of the current mean latency's share of the score, so that a step must be
   * worth at least a hundredth of what requests wait, however many units there are.
   */
  minGain?: number;
  seed: number;
  resamples: number;
  sampleTraces: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  weights: DEFAULT_WEIGHTS,
  inProcessUs: DEFAULT_IN_PROCESS_US,
  seed: 1,
  resamples: 200,
  sampleTraces: 2000,
};

function evidence(move: Move, edges: EdgeReport[], data: PlanData): EdgeEvidence[] {
  const a = new Set(move.units);
  const b = new Set(move.into ?? []);
  const between = (x: string, y: string) => (a.has(x) && b.has(y)) || (b.has(x) && a.has(y));
  return edges
    .filter((e) => between(e.from, e.to) && e.calls > e.asyncCalls)
    .map((e) => ({
      from: e.from,
      to: e.to,
      calls: e.calls - e.asyncCalls,
      criticalPathNetworkUs: e.criticalPathNetworkUs,
      networkP50Us: e.networkUs.p50,
      exemplarTraceIds: (data.exemplars.get(`${e.from}\u0000${e.to}`) ?? []).map((x) => x.traceId),
    }));
}

export function plan(
  data: PlanData,
  edges: EdgeReport[],
  catalog: Catalog,
  currentGiven: Clustering | undefined,
  options: Partial<PlanOptions> = {},
): Proposal {
  const o = { ...DEFAULT_PLAN_OPTIONS, ...options };
  const units = [...data.units.names].sort();
  const current = complete(canonical(currentGiven ?? data.recordedClustering()), units);
  const evaluate = makeEvaluator(data, catalog, {
    weights: o.weights,
    inProcessUs: o.inProcessUs,
    sampleTraces: o.sampleTraces,
  });
  const searchEdges = edges.map((e) => ({
    from: e.from,
    to: e.to,
    calls: e.calls,
    asyncCalls: e.asyncCalls,
    criticalPathNetworkUs: e.criticalPathNetworkUs,
  }));
  const minGain = o.minGain ?? (0.01 * o.weights.latencyPerMs * evaluate(current).meanUs) / 1000;
  const result = search(current, units, searchEdges, catalog, evaluate, { minGain, seed: o.seed });
  const merges: MergeReport[] = result.moves.map((move) => {
    const step = {
      kind: move.kind,
      units: [...move.units].sort(),
      into: [...(move.into ?? [])].sort(),
      gain: move.gain,
      meanLatencyChangeUs: Math.round(move.after.meanUs - move.before.meanUs),
      edges: evidence(move, edges, data),
    };
    return { ...step, reason: reasonFor(step) };
  });
  const figures = (c: Clustering) =>
    whatIf(data, c, catalog, { inProcessUs: o.inProcessUs, resamples: o.resamples, seed: o.seed });
  return buildProposal({
    groups: result.clustering,
    current,
    predicted: {
      baseline: figures(current),
      proposed: figures(result.clustering),
      traces: data.traces.count,
    },
    merges,
    currentViolations: current.flatMap((group) => violations(group, catalog, current)),
  });
}

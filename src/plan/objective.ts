/**
 * The planning objective, lower is better:
 *   latency ms × mean predicted end-to-end latency (ms)
 * + coldStart × predicted cold starts per hour
 * + cost      × base cost per hour
 * Defaults: 1 per ms, 0.01 per cold start/hour (100 cold starts an hour weigh as much as 1 ms on
 * every request), 10 per $/hour. Latency comes from re-timing the traces (what-if), on a fixed
 * sample of at most `sampleTraces` of them so the search stays fast; the proposal's reported
 * prediction re-times all of them.
 */
import type { Catalog } from "../model/catalog.ts";
import { type Clustering, complete } from "./clustering.ts";
import type { CompactTrace } from "./compact-trace.ts";
import { baseCostPerHour } from "./cost/base-cost.ts";
import { splitNetworkByUnit } from "./cost/in-process-call.ts";
import type { PlanData } from "./plan-data.ts";
import { coldStartsPerHour, groupColdStarts, predictLatencies, retimeModel } from "./what-if.ts";

export interface Weights {
  latencyPerMs: number;
  coldStartPerHour: number;
  costPerDollarHour: number;
}

export const DEFAULT_WEIGHTS: Weights = { latencyPerMs: 1, coldStartPerHour: 0.01, costPerDollarHour: 10 };

export interface Score {
  score: number;
  meanUs: number;
  coldStartsPerHour: number;
  baseCostPerHour: number;
}

export type Evaluator = (clustering: Clustering) => Score;

export function makeEvaluator(
  data: PlanData,
  catalog: Catalog,
  options: { weights?: Weights; inProcessUs: number; sampleTraces?: number },
): Evaluator {
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const sample = spreadSample(data.sortedTraces(), options.sampleTraces ?? 2000);
  // What does not depend on the clustering is computed once; a group's cold starts once per group.
  const split = splitNetworkByUnit(data.hopNetwork, data.units.names.length);
  const coldByGroup = new Map<string, number>();
  const coldOf = (group: readonly string[]) => {
    const key = group.join("\u0000");
    let count = coldByGroup.get(key);
    if (count === undefined) {
      count = groupColdStarts(data, group, catalog);
      coldByGroup.set(key, count);
    }
    return count;
  };
  return (clustering) => {
    const full = complete(clustering, data.units.names);
    const latencies = predictLatencies(sample, retimeModel(data, full, catalog, options.inProcessUs, split));
    const meanUs = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
    const cold = coldStartsPerHour(data, full, catalog, coldOf).perHour;
    const cost = baseCostPerHour(catalog, full);
    return {
      score:
        weights.latencyPerMs * (meanUs / 1000) +
        weights.coldStartPerHour * cold +
        weights.costPerDollarHour * cost,
      meanUs,
      coldStartsPerHour: cold,
      baseCostPerHour: cost,
    };
  };
}

/** Every k-th trace (in stable order), so the sample is spread over the whole recording. */
function spreadSample(traces: CompactTrace[], limit: number): CompactTrace[] {
  if (traces.length <= limit) return traces;
  const step = traces.length / limit;
  return Array.from({ length: limit }, (_, i) => traces[Math.floor(i * step)]);
}

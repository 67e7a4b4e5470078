/**
 * The planning objective, lower is better:
 *   latency ms × mean predicted end-to-end latency (ms)
 * + coldStart × predicted cold starts per hour
 * + cost      × (base cost + compute cost) per hour
 * Defaults: 1 per ms, 0.01 per cold start/hour (100 cold starts an hour weigh as much as 1 ms on
 * every request), 10 per $/hour. Latency comes from re-timing the traces (what-if), on a fixed
 * sample of at most `sampleTraces` of them so the search stays fast; the proposal's reported
 * prediction re-times all of them.
 */
import type { Catalog } from "../model/catalog.ts";
import { type Clustering, complete } from "./clustering.ts";
import { baseCostPerHour } from "./cost/base-cost.ts";
import { computeCostPerHour } from "./cost/compute-cost.ts";
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
  computeCostPerHour: number;
}

export type Evaluator = (clustering: Clustering) => Score;

export function makeEvaluator(
  data: PlanData,
  catalog: Catalog,
  options: { weights?: Weights; inProcessUs: number; sampleTraces?: number },
): Evaluator {
  const weights = options.weights ?? DEFAULT_WEIGHTS;
  const sample = spreadSample(data.sortedTraces(), options.sampleTraces ?? 2000);
  // A group's cold starts are computed once per group (PlanData keeps what depends on no clustering).
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
    const model = retimeModel(data, full, catalog, options.inProcessUs);
    const latencies = predictLatencies(data.traces, sample, model);
    const meanUs = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
    const cold = coldStartsPerHour(data, full, catalog, coldOf).perHour;
    const cost = baseCostPerHour(catalog, full);
    const compute = computeCostPerHour(data.busy.values(), model.groupOf, full, catalog, data.hours());
    return {
      score:
        weights.latencyPerMs * (meanUs / 1000) +
        weights.coldStartPerHour * cold +
        weights.costPerDollarHour * (cost + compute),
      meanUs,
      coldStartsPerHour: cold,
      baseCostPerHour: cost,
      computeCostPerHour: compute,
    };
  };
}

/** Every k-th trace (in stable order), so the sample is spread over the whole recording. */
function spreadSample(traces: Int32Array, limit: number): Int32Array {
  if (traces.length <= limit) return traces;
  const step = traces.length / limit;
  return Int32Array.from({ length: limit }, (_, i) => traces[Math.floor(i * step)]);
}

/**
 * The what-if simulator: every recorded trace re-timed under a clustering (retime.ts), giving the
 * predicted end-to-end latency percentiles with bootstrap intervals, cold starts per hour and base
 * cost. Under the recorded clustering it reproduces the recorded latencies exactly.
 */
import type { Catalog } from "../model/catalog.ts";
import { bootstrapQuantiles, type Interval, quantileSorted } from "./bootstrap.ts";
import { unitSpec } from "./catalog.ts";
import { type Clustering, complete, groupIndex } from "./clustering.ts";
import type { TraceColumns } from "./compact-trace.ts";
import { baseCostPerHour } from "./cost/base-cost.ts";
import { coldStartCount, poissonInterval } from "./cost/cold-starts.ts";
import { computeCostPerHour } from "./cost/compute-cost.ts";
import { DEFAULT_IN_PROCESS_US } from "./cost/in-process-call.ts";
import { isSingleWorker } from "./cost/parallelism.ts";
import type { PlanData } from "./plan-data.ts";
import { type RetimeModel, retime } from "./retime.ts";

export interface WhatIfOptions {
  inProcessUs: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_WHAT_IF: WhatIfOptions = { inProcessUs: DEFAULT_IN_PROCESS_US, resamples: 200, seed: 1 };

export interface Figures {
  p50Us: number;
  p95Us: number;
  p99Us: number;
  meanUs: number;
  ci: { p50Us: Interval; p95Us: Interval; p99Us: Interval };
  coldStartsPerHour: number;
  coldStartsCi: Interval;
  baseCostPerHour: number;
  computeCostPerHour: number;
  groups: number;
}

export function retimeModel(
  data: PlanData,
  clustering: Clustering,
  catalog: Catalog,
  inProcessUs: number,
): RetimeModel {
  const index = groupIndex(clustering);
  const names = data.units.names;
  const groupOf = new Int32Array(names.length);
  names.forEach((name, u) => {
    groupOf[u] = index.get(name) ?? clustering.length + u;
  });
  const singleWorker = new Uint8Array(clustering.length + names.length);
  clustering.forEach((group, g) => {
    singleWorker[g] = isSingleWorker(catalog, group) ? 1 : 0;
  });
  return { groupOf, singleWorker, inProcessUs, splitNetworkUs: data.splitNetworkUs() };
}

/** The predicted end-to-end latency of each trace (the longest of its roots), in the given order of trace indices. */
export function predictLatencies(
  traces: TraceColumns,
  order: ArrayLike<number>,
  model: RetimeModel,
): Float64Array {
  let size = 0;
  for (let i = 0; i < order.length; i++) size = Math.max(size, traces.size(order[i]));
  const start = new Float64Array(size);
  const end = new Float64Array(size);
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const t = order[i];
    const durations = retime(traces, t, model, start, end);
    // The longest root (every head when the trace has no root), without a copy per trace.
    const heads = traces.rootCount[t] > 0 ? traces.rootCount[t] : durations.length;
    let longest = Number.NEGATIVE_INFINITY;
    for (let h = 0; h < heads; h++) longest = Math.max(longest, durations[h]);
    out[i] = longest;
  }
  return out;
}

/** Cold starts of one group, re-simulated from its members' recorded invocations. */
export function groupColdStarts(data: PlanData, group: readonly string[], catalog: Catalog): number {
  const keepAliveUs = Math.min(...group.map((u) => unitSpec(catalog, u).keepAliveSeconds)) * 1e6;
  return coldStartCount(
    group.map((u) => data.sortedInvocations(data.units.id(u))),
    keepAliveUs,
  );
}

/** `clustering` must be complete (every unit of the data in a group). */
export function coldStartsPerHour(
  data: PlanData,
  clustering: Clustering,
  catalog: Catalog,
  countOf = (group: readonly string[]) => groupColdStarts(data, group, catalog),
): { count: number; perHour: number } {
  const count = clustering.reduce((sum, group) => sum + countOf(group), 0);
  return { count, perHour: count / data.hours() };
}

export function whatIf(
  data: PlanData,
  clustering: Clustering,
  catalog: Catalog,
  options: Partial<WhatIfOptions> = {},
): Figures {
  const { inProcessUs, resamples, seed } = { ...DEFAULT_WHAT_IF, ...options };
  clustering = complete(clustering, data.units.names);
  const model = retimeModel(data, clustering, catalog, inProcessUs);
  const latencies = predictLatencies(data.traces, data.sortedTraces(), model);
  const sorted = Float64Array.from(latencies).sort();
  const [p50, p95, p99] = bootstrapQuantiles(latencies, [0.5, 0.95, 0.99], { resamples, seed });
  const cold = coldStartsPerHour(data, clustering, catalog);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0;
  return {
    p50Us: quantileSorted(sorted, 0.5),
    p95Us: quantileSorted(sorted, 0.95),
    p99Us: quantileSorted(sorted, 0.99),
    meanUs: Math.round(mean),
    ci: { p50Us: p50, p95Us: p95, p99Us: p99 },
    coldStartsPerHour: cold.perHour,
    coldStartsCi: poissonInterval(cold.count, data.hours()),
    baseCostPerHour: baseCostPerHour(catalog, clustering),
    computeCostPerHour: computeCostPerHour(
      data.busy.values(),
      model.groupOf,
      clustering,
      catalog,
      data.hours(),
    ),
    groups: clustering.length,
  };
}

/**
 * The daemon's windows as an AnalysisResult, so the report functions of `nanofuse analyse` print
 * them. Cold starts are left out: inferring them needs every invocation of a unit, and a unit's
 * invocations are spread over partitions and daemons (the planner will read them from the store).
 */
import type { WindowedAggregates } from "../analyse/aggregates.ts";
import { type AnalysisResult, withServiceGraph } from "../analyse/analyser.ts";

export function analysisOf(windows: WindowedAggregates): AnalysisResult {
  const total = windows.total();
  return withServiceGraph({ windows, total, paths: [], coldStarts: 0 });
}

/** Aggregates of real fixture traces, and a plain view of them that tests compare. */
import type { DDSketch } from "@datadog/sketches-js";
import type { WindowAggregate } from "../../src/analyse/aggregates.ts";
import { Analyser, type AnalysisResult } from "../../src/analyse/analyser.ts";
import { replayFiles } from "../../src/pipeline/replay.ts";

export const SHOP_CHECKOUT = new URL(
  "../fixtures/synthetic/shop-checkout-baseline.otlp.jsonl.gz",
  import.meta.url,
).pathname;

export async function analyseFiles(files: string[], windowUs: number): Promise<AnalysisResult> {
  const analyser = new Analyser({ windowUs });
  await replayFiles(files, (tree) => analyser.add(tree));
  return analyser.finish();
}

const QUANTILES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
const sketchView = (s: DDSketch) => ({
  count: s.count,
  zeros: s.zeroCount,
  quantiles: s.count ? QUANTILES.map((q) => s.getValueAtQuantile(q)) : [],
});

/** Everything a window holds, sketches as their counts and quantiles, in a stable order. */
export function windowView(w: WindowAggregate) {
  return {
    startUs: w.startUs,
    traces: w.traces,
    spans: w.spans,
    rootDurationUs: w.rootDurationUs,
    criticalPathUs: w.criticalPathUs,
    latency: sketchView(w.latency),
    edges: [...w.edges.values()]
      .map((e) => ({
        ...e,
        network: sketchView(e.network),
        criticalPathNetwork: sketchView(e.criticalPathNetwork),
      }))
      .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1)),
    units: [...w.units.values()].sort((a, b) => (a.unit < b.unit ? -1 : 1)),
    operations: [...w.operations].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
  };
}

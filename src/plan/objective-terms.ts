/**
 * The objective's terms for one set of figures: each term's value and its weighted share of the
 * score, so a reader sees what a proposal trades (e.g. base cost falling while compute cost rises)
 * and the total, not one term. The same sum as objective.ts, on the figures of all traces.
 */
import type { Weights } from "./objective.ts";
import type { Figures } from "./what-if.ts";

export interface ObjectiveTerm {
  name: "mean latency" | "cold starts" | "base cost" | "compute cost";
  /** ms, cold starts per hour, $ per hour. */
  value: number;
  unit: "ms" | "/h" | "$/h";
  /** The term's share of the score: value × weight. */
  weighted: number;
}

export function objectiveTerms(f: Figures, w: Weights): { terms: ObjectiveTerm[]; score: number } {
  const terms: ObjectiveTerm[] = [
    {
      name: "mean latency",
      value: f.meanUs / 1000,
      unit: "ms",
      weighted: (w.latencyPerMs * f.meanUs) / 1000,
    },
    {
      name: "cold starts",
      value: f.coldStartsPerHour,
      unit: "/h",
      weighted: w.coldStartPerHour * f.coldStartsPerHour,
    },
    {
      name: "base cost",
      value: f.baseCostPerHour,
      unit: "$/h",
      weighted: w.costPerDollarHour * f.baseCostPerHour,
    },
    {
      name: "compute cost",
      value: f.computeCostPerHour,
      unit: "$/h",
      weighted: w.costPerDollarHour * f.computeCostPerHour,
    },
  ];
  return { terms, score: terms.reduce((sum, t) => sum + t.weighted, 0) };
}

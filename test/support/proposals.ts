/** Proposals shaped as the planner writes them, built from a clustering (for store tests). */
import { canonical } from "../../src/plan/clustering.ts";
import { buildProposal, type Proposal, reasonFor } from "../../src/plan/proposal.ts";
import type { Figures } from "../../src/plan/what-if.ts";

const figures = (p50Us: number, groups: number): Figures => ({
  p50Us,
  p95Us: p50Us * 2,
  p99Us: p50Us * 3,
  meanUs: p50Us * 1.1,
  ci: {
    p50Us: { low: p50Us * 0.9, high: p50Us * 1.1 },
    p95Us: { low: p50Us * 1.8, high: p50Us * 2.2 },
    p99Us: { low: p50Us * 2.7, high: p50Us * 3.3 },
  },
  coldStartsPerHour: 1.5,
  coldStartsCi: { low: 0.5, high: 3 },
  baseCostPerHour: 0.125,
  computeCostPerHour: 0.0625,
  groups,
});

export const TRACE_A = "0af7651916cd43dd8448eb211c80319c";
export const TRACE_B = "4bf92f3577b34da6a3ce929d0e0e4736";

/** A proposal that merges the given units into one group, everything else alone. */
export function proposalMerging(units: string[], others: string[] = ["cart", "payment"]): Proposal {
  const current = canonical([...units, ...others].map((u) => [u]));
  const groups = canonical([units, ...others.map((u) => [u])]);
  const step = {
    kind: "merge" as const,
    units: units.slice(0, 1),
    into: units.slice(1),
    gain: 1.25,
    meanLatencyChangeUs: -1500,
    edges: [
      {
        from: units[0],
        to: units[1],
        calls: 42,
        criticalPathNetworkUs: 63_000,
        networkP50Us: 1500,
        exemplarTraceIds: [TRACE_B, TRACE_A],
      },
    ],
  };
  return buildProposal({
    groups,
    current,
    predicted: {
      baseline: figures(12_000, current.length),
      proposed: figures(10_500, groups.length),
      traces: 280,
    },
    merges: [{ ...step, reason: reasonFor(step) }],
    currentViolations: [],
  });
}

import { describe, expect, it } from "vitest";
import { DEFAULT_WEIGHTS } from "../plan/objective.ts";
import { buildProposal } from "../plan/proposal.ts";
import type { Figures } from "../plan/what-if.ts";
import { planText } from "./plan-text.ts";

const interval = (x: number) => ({ low: x, high: x });
const figures = (f: Partial<Figures>): Figures => ({
  p50Us: 50_000,
  p95Us: 90_000,
  p99Us: 99_000,
  meanUs: 60_000,
  ci: { p50Us: interval(50_000), p95Us: interval(90_000), p99Us: interval(99_000) },
  coldStartsPerHour: 10,
  coldStartsCi: interval(10),
  baseCostPerHour: 0.2,
  computeCostPerHour: 0.1,
  groups: 2,
  ...f,
});

/** Base cost falls by 0.05 $/h, compute cost rises by 0.2 $/h: the total rises. */
const proposal = buildProposal({
  groups: [["a", "b"]],
  current: [["a"], ["b"]],
  predicted: {
    baseline: figures({}),
    proposed: figures({
      meanUs: 59_000,
      baseCostPerHour: 0.15,
      computeCostPerHour: 0.3,
      coldStartsPerHour: 4,
    }),
    traces: 100,
  },
  merges: [],
  currentViolations: [],
});
const lineOf = (text: string, start: string) =>
  text.split("\n").find((l) => l.trimStart().startsWith(start)) ?? "";

describe("the plan text", () => {
  it("shows every term of the objective before and after, so a rising compute cost is not hidden by a falling base cost", () => {
    const text = planText(proposal, DEFAULT_WEIGHTS);
    expect(lineOf(text, "mean latency")).toMatch(/60\.00 ms\s+59\.00 ms\s+−1\.00/);
    expect(lineOf(text, "cold starts")).toMatch(/10\.0\/h\s+4\.0\/h\s+−6\.0/);
    expect(lineOf(text, "base cost")).toMatch(/\$0\.200\/h\s+\$0\.150\/h\s+−0\.050/);
    expect(lineOf(text, "compute cost")).toMatch(/\$0\.100\/h\s+\$0\.300\/h\s+\+0\.200/);
    expect(lineOf(text, "total cost")).toMatch(/\$0\.300\/h\s+\$0\.450\/h\s+\+0\.150/);
    expect(text).toContain("the proposal costs more: +0.150 $/h");
  });

  it("ends the objective with the total score, the weighted sum of the terms, before and after", () => {
    // Before: 60 + 0.01 × 10 + 10 × 0.3 = 63.10; after: 59 + 0.04 + 10 × 0.45 = 63.54, a worse plan.
    expect(lineOf(planText(proposal, DEFAULT_WEIGHTS), "total score")).toMatch(/63\.10\s+63\.54\s+\+0\.44$/);
  });
});

import { describe, expect, it } from "vitest";
import { ecdf, quantile, sortedCopy } from "./distribution.ts";

describe("latency distributions of a rollout", () => {
  it("takes nearest-rank quantiles", () => {
    const sorted = sortedCopy([5, 1, 4, 2, 3]);
    expect(quantile(sorted, 0.5)).toBe(3);
    expect(quantile(sorted, 0.95)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("draws the ECDF up to 1 with at most the points asked for, plus the last", () => {
    const sorted = sortedCopy(Array.from({ length: 1000 }, (_, i) => i));
    const steps = ecdf(sorted, 100);
    expect(steps.length).toBe(100);
    expect(steps[steps.length - 1]).toEqual([999, 1]);
    expect(ecdf([7], 100)).toEqual([[7, 1]]);
  });
});

import { describe, expect, it } from "vitest";
import { normalQuantile } from "./normal.ts";
import { proportionDifference, wilson } from "./proportions.ts";

const z95 = normalQuantile(0.975);

describe("intervals for error rates", () => {
  it("give Newcombe's (1998) method-10 intervals for his worked examples", () => {
    // Newcombe, Statistics in Medicine 17:873–890, Table II, method 10 (95%).
    const examples: [number, number, number, number, number, number][] = [
      [56, 70, 48, 80, 0.0524, 0.3339],
      [9, 10, 3, 10, 0.1705, 0.809],
      [6, 7, 2, 7, 0.0582, 0.8062],
      [5, 56, 0, 29, -0.0381, 0.1926],
      [0, 10, 0, 20, -0.1611, 0.2775],
      [0, 10, 0, 10, -0.2775, 0.2775],
    ];
    for (const [x1, n1, x2, n2, low, high] of examples) {
      const interval = proportionDifference(x1, n1, x2, n2, z95);
      expect(interval.low).toBeCloseTo(low, 4);
      expect(interval.high).toBeCloseTo(high, 4);
    }
  });

  it("keep a zero count's Wilson interval inside [0, 1] and away from a single point", () => {
    const none = wilson(0, 10, z95);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    const all = wilson(10, 10, z95);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(1 - 0.2775, 4);
    expect(wilson(0, 0, z95)).toEqual({ low: 0, high: 1 });
  });

  it("narrow as the counts grow", () => {
    const small = proportionDifference(2, 100, 1, 100, z95);
    const large = proportionDifference(200, 10_000, 100, 10_000, z95);
    expect(large.high - large.low).toBeLessThan((small.high - small.low) / 5);
    expect(large.low).toBeGreaterThan(0);
  });
});

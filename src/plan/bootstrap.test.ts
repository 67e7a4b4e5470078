import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { bootstrapQuantiles, quantileSorted } from "./bootstrap.ts";

/** The textbook bootstrap: sort each resample. */
function naive(values: Float64Array, qs: number[], resamples: number, seed: number) {
  const random = seededRandom(seed);
  const n = values.length;
  const estimates = qs.map(() => new Float64Array(resamples));
  const sample = new Float64Array(n);
  const sorted = Float64Array.from(values).sort();
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = sorted[Math.floor(random() * n)];
    sample.sort();
    qs.forEach((q, k) => {
      estimates[k][r] = quantileSorted(sample, q);
    });
  }
  return estimates.map((e) => {
    e.sort();
    return { low: quantileSorted(e, 0.025), high: quantileSorted(e, 0.975) };
  });
}

describe("bootstrap intervals", () => {
  it("equal the textbook bootstrap that sorts every resample", () => {
    const random = seededRandom(7);
    const values = Float64Array.from({ length: 501 }, () => Math.round(random() * 1000));
    expect(bootstrapQuantiles(values, [0.5, 0.95, 0.99], { resamples: 50, seed: 3 })).toEqual(
      naive(values, [0.5, 0.95, 0.99], 50, 3),
    );
  });

  it("contain the sample's quantile and are the same on every run", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i);
    const [p50] = bootstrapQuantiles(values, [0.5]);
    expect(p50.low).toBeLessThanOrEqual(499);
    expect(p50.high).toBeGreaterThanOrEqual(499);
    expect(bootstrapQuantiles(values, [0.5])).toEqual([p50]);
  });
});

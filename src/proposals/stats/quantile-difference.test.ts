import { describe, expect, it } from "vitest";
import { quantileSorted } from "../../plan/bootstrap.ts";
import { seededRandom } from "../../random.ts";
import { quantileDifferences } from "./quantile-difference.ts";

const sortedSample = (random: () => number, n: number, shiftUs: number) =>
  Float64Array.from({ length: n }, () => Math.round(Math.exp(9 + 0.5 * random()) + shiftUs)).sort();

describe("bootstrap intervals of quantile differences", () => {
  it("equal the textbook two-sample bootstrap that sorts every resample", () => {
    const random = seededRandom(3);
    const control = sortedSample(random, 301, 0);
    const candidate = sortedSample(random, 250, -500);
    const resamples = 80;
    const fast = quantileDifferences(control, candidate, [0.5, 0.95], { resamples, seed: 9 });
    // The same draws, in the same order, resampled and sorted the slow way.
    const draw = seededRandom(9);
    const differences = [new Float64Array(resamples), new Float64Array(resamples)];
    for (let r = 0; r < resamples; r++) {
      const a = Float64Array.from(control, () => control[Math.floor(draw() * control.length)]).sort();
      const b = Float64Array.from(candidate, () => candidate[Math.floor(draw() * candidate.length)]).sort();
      differences[0][r] = quantileSorted(b, 0.5) - quantileSorted(a, 0.5);
      differences[1][r] = quantileSorted(b, 0.95) - quantileSorted(a, 0.95);
    }
    differences.forEach((d, k) => {
      d.sort();
      expect(fast[k].low).toBe(quantileSorted(d, 0.025));
      expect(fast[k].high).toBe(quantileSorted(d, 0.975));
    });
  });

  it("cover a known shift of the median and exclude zero when the shift is large", () => {
    const random = seededRandom(4);
    const control = sortedSample(random, 2000, 0);
    const candidate = sortedSample(random, 2000, -2000);
    const [p50] = quantileDifferences(control, candidate, [0.5]);
    expect(p50.estimate).toBeLessThan(0);
    expect(p50.low).toBeLessThanOrEqual(-2000 + 800);
    expect(p50.high).toBeGreaterThanOrEqual(-2000 - 800);
    expect(p50.high).toBeLessThan(0);
  });

  it("are the same for the same seed", () => {
    const random = seededRandom(5);
    const control = sortedSample(random, 400, 0);
    const candidate = sortedSample(random, 400, 0);
    expect(quantileDifferences(control, candidate, [0.5, 0.95], { seed: 2 })).toEqual(
      quantileDifferences(control, candidate, [0.5, 0.95], { seed: 2 }),
    );
  });
});

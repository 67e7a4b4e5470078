import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.ts";
import { standardNormal } from "../judge/simulate.ts";
import { obrienFlemingSpending, spendingBoundaries } from "./group-sequential.ts";
import { normalQuantile } from "./normal.ts";

describe("O'Brien-Fleming-type alpha spending", () => {
  it("gives the tabulated two-sided bounds for five equal looks at alpha 0.05", () => {
    // As ldbounds and gsDesign (sfLDOF, alpha 0.025 per side) print them.
    const { z } = spendingBoundaries(0.05, [0.2, 0.4, 0.6, 0.8, 1]);
    [4.8769, 3.3569, 2.6803, 2.2898, 2.031].forEach((expected, k) => {
      expect(z[k]).toBeCloseTo(expected, 3);
    });
  });

  it("is the fixed-sample test when there is a single look", () => {
    const { z, nominalAlpha, spent } = spendingBoundaries(0.05, [1]);
    expect(z[0]).toBeCloseTo(normalQuantile(0.975), 8);
    expect(nominalAlpha[0]).toBeCloseTo(0.05, 8);
    expect(spent).toEqual([0.05]);
  });

  it("spends nothing at the start, all of alpha at the end, and more at every step", () => {
    expect(obrienFlemingSpending(0.05, 0)).toBe(0);
    expect(obrienFlemingSpending(0.05, 1)).toBeCloseTo(0.05, 12);
    let previous = 0;
    for (let t = 0.05; t <= 1; t += 0.05) {
      const spent = obrienFlemingSpending(0.05, t);
      expect(spent).toBeGreaterThan(previous);
      previous = spent;
    }
  });

  it("keeps very early looks finite and ever stricter when the looks are many", () => {
    const { z } = spendingBoundaries(
      0.05,
      Array.from({ length: 20 }, (_, i) => (i + 1) / 20),
    );
    expect(z[0]).toBeGreaterThan(9);
    expect(z[0]).toBeLessThan(11);
    for (let k = 1; k < z.length; k++) expect(z[k]).toBeLessThan(z[k - 1]);
  });

  it("stops a simulated Brownian motion by each look as often as the spending function says", () => {
    const fractions = [0.1, 0.325, 0.55, 0.775, 1];
    const bounds = spendingBoundaries(0.05, fractions);
    const random = seededRandom(5);
    const paths = 200_000;
    const stoppedBy = new Array(fractions.length).fill(0);
    for (let p = 0; p < paths; p++) {
      let s = 0;
      let previous = 0;
      for (let k = 0; k < fractions.length; k++) {
        s += standardNormal(random) * Math.sqrt(fractions[k] - previous);
        previous = fractions[k];
        if (Math.abs(s / Math.sqrt(fractions[k])) >= bounds.z[k]) {
          for (let j = k; j < fractions.length; j++) stoppedBy[j]++;
          break;
        }
      }
    }
    // Binomial standard error at 0.05 over 200,000 paths is 0.0005: allow four of them.
    stoppedBy.forEach((count, k) => {
      expect(Math.abs(count / paths - bounds.spent[k])).toBeLessThan(0.002);
    });
  });
});

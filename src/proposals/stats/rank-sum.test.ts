import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.ts";
import { rankSum } from "./rank-sum.ts";
import { uDistribution } from "./u-distribution.ts";

// Hollander & Wolfe (1973), p. 69f, as in R's ?wilcox.test: permeability constants of the human
// chorioamnion at term (x) and at 12–26 weeks (y). R reports W = 35, exact two-sided p = 0.2544
// (0.1272 one-sided), and p = 0.2207 for the normal approximation without continuity correction.
const term = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const early = [1.15, 0.88, 0.9, 0.74, 1.21];

// R's ?wilcox.test: wilcox.test(Ozone ~ Month, data = airquality, subset = Month %in% c(5, 8)) gives
// W = 127.5, p-value = 0.0001208 (ties, normal approximation with continuity correction). The Ozone
// readings of May and August 1973, missing days left out as R's formula method does.
const may = [
  41, 36, 12, 18, 28, 23, 19, 8, 7, 16, 11, 14, 18, 14, 34, 6, 30, 11, 1, 11, 4, 32, 23, 45, 115, 37,
];
const august = [
  39, 9, 16, 78, 35, 66, 122, 89, 110, 44, 28, 65, 22, 59, 23, 31, 44, 21, 9, 45, 168, 73, 76, 118, 84, 85,
];

// Student's (1908) sleep data, R's `sleep`: extra hours of sleep under two drugs. wilcox.test(extra ~
// group) gives W = 25.5, p-value = 0.06933 (ties).
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0, 2];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

function randomSample(random: () => number, n: number, scale: number, ties = false) {
  return Array.from({ length: n }, () => {
    const v = Math.exp(random() * 2) * scale;
    return ties ? Math.round(v) : v;
  });
}

/** P(U = u) by listing every way to choose which m of the m + n ranks belong to the first sample. */
function enumerated(m: number, n: number): number[] {
  const counts = new Array(m * n + 1).fill(0);
  let total = 0;
  const choose = (start: number, left: number, u: number, taken: number) => {
    if (left === 0) {
      counts[u]++;
      total++;
      return;
    }
    for (let r = start; r <= m + n - left; r++) {
      // A first-sample value at rank r (0-based) exceeds the r − taken second-sample values below it.
      choose(r + 1, left - 1, u + (r - taken), taken + 1);
    }
  };
  choose(0, m, 0, 0);
  return counts.map((c) => c / total);
}

describe("the Mann-Whitney U test", () => {
  it("gives Hollander & Wolfe's U = 35 and exact two-sided p = 0.2544 for the chorioamnion data", () => {
    const result = rankSum(term, early);
    expect(result.ux).toBe(35);
    expect(result.uy).toBe(15);
    expect(result.method).toBe("exact");
    expect(result.pValue).toBeCloseTo(0.2544, 4);
  });

  it("gives R's p = 0.2207 for the same data by the normal approximation without continuity correction", () => {
    const result = rankSum(term, early, { exactBelow: 0, continuity: false });
    expect(result.method).toBe("normal");
    expect(result.pValue).toBeCloseTo(0.2207, 4);
  });

  it("gives R's W = 127.5 and p = 0.0001208 for May against August ozone, which has ties", () => {
    const result = rankSum(may, august);
    expect(result.ties).toBe(true);
    expect(result.method).toBe("normal");
    expect(result.ux).toBe(127.5);
    expect(result.pValue).toBeCloseTo(0.0001208, 7);
  });

  it("gives R's W = 25.5 and p = 0.06933 for Student's sleep data, which has ties", () => {
    const result = rankSum(drug1, drug2);
    expect(result.ux).toBe(25.5);
    expect(result.pValue).toBeCloseTo(0.06933, 5);
  });

  it("reads the effect sizes from U: A = U/(mn), Cliff's delta = 2A − 1", () => {
    const result = rankSum(term, early);
    expect(result.probabilityXGreater).toBeCloseTo(35 / 50, 12);
    expect(result.cliffsDelta).toBeCloseTo(0.4, 12);
    expect(rankSum([5, 6, 7], [1, 2])).toMatchObject({ ux: 6, probabilityXGreater: 1, cliffsDelta: 1 });
  });

  it("mirrors U, keeps p and negates the effect when the samples are swapped", () => {
    const random = seededRandom(11);
    for (let trial = 0; trial < 50; trial++) {
      const x = randomSample(random, 5 + Math.floor(random() * 80), 1000, trial % 2 === 0);
      const y = randomSample(random, 5 + Math.floor(random() * 80), 1100, trial % 2 === 0);
      const forward = rankSum(x, y);
      const backward = rankSum(y, x);
      expect(backward.ux).toBe(forward.uy);
      expect(backward.pValue).toBeCloseTo(forward.pValue, 12);
      expect(backward.cliffsDelta).toBeCloseTo(-forward.cliffsDelta, 12);
    }
  });

  it("does not change under a strictly increasing transform of both samples", () => {
    const random = seededRandom(12);
    for (let trial = 0; trial < 30; trial++) {
      const x = randomSample(random, 10 + trial * 3, 500, true);
      const y = randomSample(random, 12 + trial * 2, 600, true);
      const transform = (v: number) => Math.log1p(v) * 7 + v ** 3;
      const plain = rankSum(x, y);
      const transformed = rankSum(x.map(transform), y.map(transform));
      expect(transformed).toEqual(plain);
    }
  });

  it("gives p-values in [0, 1], including for identical and fully tied samples", () => {
    const random = seededRandom(13);
    for (let trial = 0; trial < 200; trial++) {
      const x = randomSample(random, 1 + Math.floor(random() * 60), 100, trial % 3 === 0);
      const y = randomSample(random, 1 + Math.floor(random() * 60), 100 + trial, trial % 3 === 0);
      const { pValue } = rankSum(x, y);
      expect(pValue).toBeGreaterThanOrEqual(0);
      expect(pValue).toBeLessThanOrEqual(1);
    }
    expect(rankSum([3, 3, 3], [3, 3]).pValue).toBe(1);
    expect(rankSum([1, 2, 3], [1, 2, 3]).pValue).toBe(1);
  });

  it("gives nearly the same p-value exactly and by the normal approximation for 40 against 45 values", () => {
    const random = seededRandom(14);
    for (let trial = 0; trial < 10; trial++) {
      const x = randomSample(random, 40, 1000);
      const y = randomSample(random, 45, 1000 + trial * 150);
      const exact = rankSum(x, y);
      const normal = rankSum(x, y, { exactBelow: 0 });
      expect(exact.method).toBe("exact");
      expect(Math.abs(exact.pValue - normal.pValue)).toBeLessThan(0.005);
    }
  });
});

describe("the exact distribution of U", () => {
  it("equals the enumeration of every assignment of ranks to the two samples", () => {
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [4, 5],
      [6, 3],
    ]) {
      const exact = Array.from(uDistribution(m, n));
      enumerated(m, n).forEach((p, u) => {
        expect(exact[u]).toBeCloseTo(p, 14);
      });
    }
  });

  it("sums to 1 and is symmetric about mn/2 for 49 against 49 values", () => {
    const p = uDistribution(49, 49);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let u = 0; u < p.length; u++) expect(p[u]).toBeCloseTo(p[p.length - 1 - u], 14);
  });
});

/**
 * The Mann-Whitney U (Wilcoxon rank-sum) test, two-sided (Mann & Whitney 1947; Hollander & Wolfe,
 * "Nonparametric Statistical Methods", §4.1), with the effect sizes read from the same U.
 *
 * Defaults, as R's wilcox.test: the exact null distribution when both samples have fewer than 50 values
 * and no value occurs twice in the combined sample; otherwise the normal approximation with the
 * tie-corrected variance  mn/12 · ((N + 1) − Σ(t³ − t) / (N(N − 1)))  and a continuity correction of ½
 * towards the mean. The two-sided exact p-value doubles the smaller tail (capped at 1), as R does.
 *
 * U is computed by one merge walk over the two sorted samples (no rank vector): U_x counts the pairs
 * (x_i, y_j) with x_i > y_j plus half the tied pairs, which is R's W for wilcox.test(x, y).
 *
 * Effect sizes: the probability of superiority P(X > Y) + ½P(X = Y) = U_x / (mn) (McGraw & Wong 1992's
 * common-language effect size, Vargha & Delaney 2000's A), and Cliff's delta (Cliff 1993)
 * P(X > Y) − P(X < Y) = 2A − 1.
 */
import { normalCdf, normalUpperTail } from "./normal.ts";
import { lowerTail, uDistribution } from "./u-distribution.ts";

export interface RankSumOptions {
  /** Exact p-value when both samples are smaller than this and there are no ties (default 50). */
  exactBelow?: number;
  /** Continuity correction in the normal approximation (default true). */
  continuity?: boolean;
}

export interface RankSumResult {
  nx: number;
  ny: number;
  /** Pairs with x > y plus half the ties: R's W. */
  ux: number;
  /** Pairs with y > x plus half the ties; ux + uy = nx·ny. */
  uy: number;
  /** The standardised statistic of the normal approximation (continuity-corrected); 0 when exact. */
  z: number;
  pValue: number;
  method: "exact" | "normal";
  /** Some value occurs more than once in the combined sample. */
  ties: boolean;
  /** P(X > Y) + ½P(X = Y) = ux / (nx·ny). */
  probabilityXGreater: number;
  /** P(X > Y) − P(X < Y). */
  cliffsDelta: number;
}

/** Counts U_x and the tie term Σ(t³ − t) over groups of equal values in the combined sample. */
function countPairs(xs: Float64Array, ys: Float64Array): { ux: number; tieTerm: number } {
  let ux = 0;
  let tieTerm = 0;
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    const v = j >= ys.length || (i < xs.length && xs[i] <= ys[j]) ? xs[i] : ys[j];
    const yBelow = j;
    let cx = 0;
    let cy = 0;
    while (i < xs.length && xs[i] === v) {
      i++;
      cx++;
    }
    while (j < ys.length && ys[j] === v) {
      j++;
      cy++;
    }
    ux += cx * yBelow + 0.5 * cx * cy;
    const t = cx + cy;
    tieTerm += t * t * t - t;
  }
  return { ux, tieTerm };
}

function exactPValue(ux: number, nx: number, ny: number): number {
  const distribution = uDistribution(nx, ny);
  // U is symmetric about nx·ny/2: the tail on the side of the observed U, doubled.
  const tail = ux > (nx * ny) / 2 ? lowerTail(distribution, nx * ny - ux) : lowerTail(distribution, ux);
  return Math.min(1, 2 * tail);
}

/** Two-sided Mann-Whitney U test of x against y. Both samples must be non-empty. */
export function rankSum(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: RankSumOptions = {},
): RankSumResult {
  return rankSumSorted(new Float64Array(x).sort(), new Float64Array(y).sort(), options);
}

/** rankSum of samples already sorted ascending. */
export function rankSumSorted(
  xs: Float64Array,
  ys: Float64Array,
  options: RankSumOptions = {},
): RankSumResult {
  const { exactBelow = 50, continuity = true } = options;
  const nx = xs.length;
  const ny = ys.length;
  if (nx === 0 || ny === 0) throw new RangeError("rankSum needs two non-empty samples");
  const { ux, tieTerm } = countPairs(xs, ys);
  const mn = nx * ny;
  const ties = tieTerm > 0;
  const effect = { probabilityXGreater: ux / mn, cliffsDelta: (2 * ux) / mn - 1 };
  if (!ties && nx < exactBelow && ny < exactBelow) {
    return {
      nx,
      ny,
      ux,
      uy: mn - ux,
      z: 0,
      pValue: exactPValue(ux, nx, ny),
      method: "exact",
      ties,
      ...effect,
    };
  }
  const n = nx + ny;
  const variance = (mn / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const centred = ux - mn / 2;
  const correction = continuity ? 0.5 * Math.sign(centred) : 0;
  const z = variance > 0 ? (centred - correction) / Math.sqrt(variance) : 0;
  const pValue = Math.min(1, 2 * Math.min(normalCdf(z), normalUpperTail(z)));
  return { nx, ny, ux, uy: mn - ux, z, pValue, method: "normal", ties, ...effect };
}

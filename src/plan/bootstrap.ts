/**
 * Percentile bootstrap confidence intervals (Efron & Tibshirani, "An Introduction to the Bootstrap",
 * ch. 13): resample the traces with replacement, recompute the statistic, and take the 2.5th and
 * 97.5th percentiles of the results. Seeded, so the same input gives the same interval.
 *
 * Defaults: 200 resamples, 95% level.
 */
import { seededRandom } from "../random.ts";

/** The q-quantile of sorted values, nearest rank (as Prometheus and DDSketch report observed values). */
export function quantileSorted(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Intervals for several quantiles of `values`, from the same resamples. A resample's quantile is read
 * by counting how often each rank of the sorted values was drawn (no sort per resample), which gives
 * the same result as sorting the resample and is linear in its size.
 */
export function bootstrapQuantiles(
  values: Float64Array,
  quantiles: number[],
  options: { resamples?: number; seed?: number; level?: number } = {},
): Interval[] {
  const { resamples = 200, seed = 1, level = 0.95 } = options;
  const n = values.length;
  if (n === 0) return quantiles.map(() => ({ low: 0, high: 0 }));
  const sorted = Float64Array.from(values).sort();
  const random = seededRandom(seed);
  const estimates = quantiles.map(() => new Float64Array(resamples));
  // The rank quantileSorted reads for q in a sample of n.
  const ranks = quantiles.map((q) => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1)));
  const drawn = new Uint32Array(n);
  for (let r = 0; r < resamples; r++) {
    drawn.fill(0);
    for (let i = 0; i < n; i++) drawn[Math.floor(random() * n)]++;
    let seen = 0;
    let k = 0;
    const order = ranks.map((rank, i) => ({ rank, i })).sort((a, b) => a.rank - b.rank);
    for (let v = 0; v < n && k < order.length; v++) {
      seen += drawn[v];
      while (k < order.length && order[k].rank < seen) estimates[order[k++].i][r] = sorted[v];
    }
  }
  const tail = (1 - level) / 2;
  return estimates.map((e) => {
    e.sort();
    return { low: quantileSorted(e, tail), high: quantileSorted(e, 1 - tail) };
  });
}

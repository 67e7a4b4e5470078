/**
 * Percentile-bootstrap intervals of the difference of quantiles (candidate − control) between two
 * independent samples (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, §8.3 two-sample
 * bootstrap and ch. 13 percentile intervals): each resample draws each sample with replacement on its
 * own, the statistic is q(candidate*) − q(control*), and the interval is the percentiles of those.
 * Quantiles are nearest-rank, as everywhere in nanofuse (plan/bootstrap.ts quantileSorted).
 *
 * Defaults: 1000 resamples, 95% level, seed 1 (mulberry32, src/random.ts).
 */
import { quantileSorted } from "../../plan/bootstrap.ts";
import { seededRandom } from "../../random.ts";

export interface QuantileDifference {
  quantile: number;
  control: number;
  candidate: number;
  /** candidate − control on the samples themselves. */
  estimate: number;
  low: number;
  high: number;
}

export interface QuantileDifferenceOptions {
  resamples?: number;
  level?: number;
  seed?: number;
}

const rankOf = (q: number, n: number) => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));

/**
 * One resample's quantiles, read by counting how often each rank of the sorted sample is drawn: the
 * same values as sorting the resample, in linear time.
 */
function resampleQuantiles(sorted: Float64Array, ranks: number[], random: () => number, drawn: Uint32Array) {
  const n = sorted.length;
  drawn.fill(0);
  for (let i = 0; i < n; i++) drawn[Math.floor(random() * n)]++;
  const out = new Array<number>(ranks.length);
  const order = ranks.map((rank, i) => ({ rank, i })).sort((a, b) => a.rank - b.rank);
  let seen = 0;
  let k = 0;
  for (let v = 0; v < n && k < order.length; v++) {
    seen += drawn[v];
    while (k < order.length && order[k].rank < seen) out[order[k++].i] = sorted[v];
  }
  return out;
}

/** Both samples sorted ascending and non-empty. */
export function quantileDifferences(
  control: Float64Array,
  candidate: Float64Array,
  quantiles: number[],
  options: QuantileDifferenceOptions = {},
): QuantileDifference[] {
  const { resamples = 1000, level = 0.95, seed = 1 } = options;
  const random = seededRandom(seed);
  const controlRanks = quantiles.map((q) => rankOf(q, control.length));
  const candidateRanks = quantiles.map((q) => rankOf(q, candidate.length));
  const controlDrawn = new Uint32Array(control.length);
  const candidateDrawn = new Uint32Array(candidate.length);
  const differences = quantiles.map(() => new Float64Array(resamples));
  for (let r = 0; r < resamples; r++) {
    const a = resampleQuantiles(control, controlRanks, random, controlDrawn);
    const b = resampleQuantiles(candidate, candidateRanks, random, candidateDrawn);
    for (let k = 0; k < quantiles.length; k++) differences[k][r] = b[k] - a[k];
  }
  // (1 − 0.95) / 2 is 0.025000000000000022 in doubles, which moves the nearest rank of 1000 resamples.
  const tail = Number(((1 - level) / 2).toPrecision(12));
  return quantiles.map((quantile, k) => {
    const d = differences[k].sort();
    const controlQ = quantileSorted(control, quantile);
    const candidateQ = quantileSorted(candidate, quantile);
    return {
      quantile,
      control: controlQ,
      candidate: candidateQ,
      estimate: candidateQ - controlQ,
      low: resamples > 0 ? quantileSorted(d, tail) : Number.NaN,
      high: resamples > 0 ? quantileSorted(d, 1 - tail) : Number.NaN,
    };
  });
}

/**
 * The standard normal distribution, from @stdlib (erfc-based CDF, erfinv-based quantile): accurate far
 * into the tails, where sequential boundaries and small p-values live.
 */
import cdf from "@stdlib/stats-base-dists-normal-cdf";
import quantile from "@stdlib/stats-base-dists-normal-quantile";

/** P(Z ≤ z). */
export const normalCdf = (z: number): number => cdf(z, 0, 1);

/** P(Z > z), computed as Φ(−z) so that it keeps its precision for large z. */
export const normalUpperTail = (z: number): number => cdf(-z, 0, 1);

/** The z with P(Z ≤ z) = p. */
export const normalQuantile = (p: number): number => quantile(p, 0, 1);

/** The density φ(z). */
export const normalDensity = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

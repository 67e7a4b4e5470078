/**
 * Intervals for proportions that stay honest at zero counts, where error rates usually sit: Wilson's
 * score interval for one proportion (Wilson 1927) and Newcombe's hybrid score interval for the
 * difference of two independent proportions (Newcombe 1998, "Interval estimation for the difference
 * between independent proportions", Statistics in Medicine 17:873–890, method 10). The Wald interval
 * p ± z·√(p(1−p)/n) collapses to a point at 0 errors and would call any increase significant.
 */

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval for `successes` of `n` at two-sided normal quantile z. */
export function wilson(successes: number, n: number, z: number): Interval {
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Exactly 0 (or 1) at the ends, where the formula gives it up to rounding.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  };
}

/** Newcombe's interval for p1 − p2, with p1 = x1/n1 and p2 = x2/n2. */
export function proportionDifference(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  z: number,
): Interval & { estimate: number } {
  const p1 = n1 === 0 ? 0 : x1 / n1;
  const p2 = n2 === 0 ? 0 : x2 / n2;
  const a = wilson(x1, n1, z);
  const b = wilson(x2, n2, z);
  const estimate = p1 - p2;
  return {
    estimate,
    low: estimate - Math.hypot(p1 - a.low, b.high - p2),
    high: estimate + Math.hypot(a.high - p1, p2 - b.low),
  };
}

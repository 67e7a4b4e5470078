/**
 * Two-sided group-sequential boundaries from the O'Brien-Fleming-type alpha-spending function of
 * Lan & DeMets (1983, "Discrete sequential boundaries for clinical trials", Biometrika 70:659–663),
 * applied to each side's a = α/2 as ldbounds and gsDesign's sfLDOF do:
 *   a*(t) = 2 − 2Φ(z_{1−a/2} / √t),  t = information fraction (here: sample size / planned maximum).
 * At look k the boundary c_k is chosen so that the probability, under no difference, of crossing one
 * side first at look k equals a*(t_k) − a*(t_{k−1}); so however many planned looks there are, the
 * chance of ever crossing is α (α/2 on each side). O'Brien-Fleming spending keeps early boundaries very
 * high (4.877 at the first of five equal looks for α = 0.05) and the last one close to the
 * fixed-sample 1.96 (2.031).
 *
 * The first-crossing probabilities are computed by the recursive numerical integration of Armitage,
 * McPherson & Rowe (1969, JRSS A 132:235–244), as in Jennison & Turnbull ("Group Sequential Methods
 * with Applications to Clinical Trials", 2000, ch. 19): on the score scale S_k = Z_k √t_k the
 * statistics are a Brownian motion (independent normal increments of variance t_k − t_{k−1}), and the
 * density of S_k on the continuation region is carried from look to look on a grid (Simpson's rule).
 * The Mann-Whitney statistics of nested samples have this joint distribution asymptotically, which is
 * what lets the judge test a growing sample at planned looks; the A/A simulation checks it.
 *
 * Defaults: 201 grid points per look (101 already gives the tabulated bounds to 5 decimals); boundaries solved by bisection to 1e-10 in z.
 */
import { normalCdf, normalDensity, normalQuantile, normalUpperTail } from "./normal.ts";

export interface Boundaries {
  /** Information fraction of each look, increasing, the last one 1. */
  fractions: number[];
  /** |Z| at or above which look k stops. */
  z: number[];
  /** The two-sided p-value at or below which look k stops: 2(1 − Φ(z_k)). */
  nominalAlpha: number[];
  /** 2·a*(t_k): the chance, with no difference, of having stopped (on either side) by look k. */
  spent: number[];
}

/** Two-sided α spent by information fraction t: both sides' a*(t) with a = α/2. */
export function obrienFlemingSpending(alpha: number, t: number): number {
  if (t <= 0) return 0;
  return Math.min(alpha, 4 * normalUpperTail(-normalQuantile(alpha / 4) / Math.sqrt(t)));
}

/** Densities beyond this many standard deviations are dropped from the grid (they carry < 1e-15). */
const GRID_SD = 8.5;
const MAX_Z = 40;

interface Density {
  s: Float64Array;
  /** density × Simpson weight: the integral of g against it is Σ g(s_i)·weighted_i. */
  weighted: Float64Array;
}

function simpsonGrid(half: number, points: number): { s: Float64Array; w: Float64Array } {
  const s = new Float64Array(points);
  const w = new Float64Array(points);
  const h = (2 * half) / (points - 1);
  for (let i = 0; i < points; i++) {
    s[i] = -half + i * h;
    w[i] = ((i === 0 || i === points - 1 ? 1 : i % 2 === 1 ? 4 : 2) * h) / 3;
  }
  return { s, w };
}

/** Solved in the tail (erfc) rather than through the quantile, which loses probabilities below 1e-16. */
const firstLook = (c: number) => 2 * normalUpperTail(c);

/** P(first crossing at this look) for boundary c, given the density at the previous look. */
function crossing(previous: Density, c: number, t: number, dt: number): number {
  const b = c * Math.sqrt(t);
  const sd = Math.sqrt(dt);
  let p = 0;
  for (let i = 0; i < previous.s.length; i++) {
    const u = previous.s[i];
    p += previous.weighted[i] * (normalCdf((-b - u) / sd) + normalUpperTail((b - u) / sd));
  }
  return p;
}

/** The density of S on the continuation region |S| < c√t, carried forward from the previous look. */
function carry(previous: Density | undefined, c: number, t: number, dt: number, points: number): Density {
  const half = Math.min(c, GRID_SD) * Math.sqrt(t);
  const { s, w } = simpsonGrid(half, points);
  const weighted = new Float64Array(points);
  const sd = Math.sqrt(dt);
  for (let i = 0; i < points; i++) {
    let f = 0;
    if (previous === undefined) f = normalDensity(s[i] / sd) / sd;
    else {
      for (let j = 0; j < previous.s.length; j++)
        f += previous.weighted[j] * (normalDensity((s[i] - previous.s[j]) / sd) / sd);
    }
    weighted[i] = f * w[i];
  }
  return { s, weighted };
}

function solve(target: number, probability: (c: number) => number): number {
  if (target <= 0) return MAX_Z;
  let low = 0;
  let high = MAX_Z;
  while (high - low > 1e-10) {
    const mid = (low + high) / 2;
    if (probability(mid) > target) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

export function spendingBoundaries(
  alpha: number,
  fractions: readonly number[],
  options: { gridPoints?: number } = {},
): Boundaries {
  const points = options.gridPoints ?? 201;
  if (points % 2 === 0) throw new RangeError("gridPoints must be odd (Simpson's rule)");
  const out: Boundaries = { fractions: [...fractions], z: [], nominalAlpha: [], spent: [] };
  let density: Density | undefined;
  let previousT = 0;
  let previousSpent = 0;
  for (const t of fractions) {
    const spent = obrienFlemingSpending(alpha, t);
    const increment = spent - previousSpent;
    const dt = t - previousT;
    const c = solve(
      increment,
      density === undefined ? firstLook : (z) => crossing(density as Density, z, t, dt),
    );
    density = carry(density, c, t, dt, points);
    out.z.push(c);
    out.nominalAlpha.push(2 * normalUpperTail(c));
    out.spent.push(spent);
    previousT = t;
    previousSpent = spent;
  }
  return out;
}

/**
 * The rollout judge: compares the candidate layout's latencies and errors with the control's and says
 * promote, roll back or keep collecting, with every number it used. Pure: no I/O, no clock (the
 * caller passes the elapsed time), the same input gives the same verdict.
 *
 * Latency: a two-sided Mann-Whitney U test (stats/rank-sum.ts) of the control against the candidate,
 * with Cliff's delta as the effect size (positive: candidate requests are faster more often than not).
 * The candidate is promoted when it is significantly faster and delta ≥ minEffect; rolled back when
 * it is significantly slower, whatever the size.
 *
 * Sequential looks. The judge is called again and again as observations arrive, and testing a
 * growing sample each time at level α would promote an equal layout far more often than α (five
 * looks at 0.05 reject ≈ 14% of the time; Armitage, McPherson & Rowe 1969). The guard is a group-
 * sequential design: the test is done only at `looks` planned sample sizes, evenly spaced from
 * minSamplePerVariant to maxSamplePerVariant, on the first n_k latencies of each variant in arrival
 * order, against boundaries from the O'Brien-Fleming-type alpha-spending function of Lan & DeMets
 * (1983; stats/group-sequential.ts), so the chance of ever crossing with no difference is α in total.
 * Every call replays the looks reached so far and reports the first that crossed, so calling between
 * looks, or many times, or skipping looks, adds no chance of a false decision, and a verdict once
 * reached does not change. After the last look (or maxDurationMs) without a decision the rollout is
 * exhausted and the policy says what happens (roll back, or hold for a person).
 *
 * Errors: the guard rolls back when even the lower end of a one-sided (1 − errorAlpha) interval of
 * the error-rate increase (candidate − control, Newcombe's hybrid score interval,
 * stats/proportions.ts) lies above maxErrorRateIncrease. It reads the counts as of the call, so it
 * can act before the first look; repeated calls make it trip a little more easily with no real
 * increase, which errs on the safe side (a roll back), and the A/A simulation measures how often.
 *
 * The p50 and p95 differences (candidate − control) come with percentile-bootstrap intervals
 * (stats/quantile-difference.ts); they are reported, not used for the decision.
 */
import { NanofuseError, type Problem, problem } from "../../errors.ts";
import { type Boundaries, spendingBoundaries } from "../stats/group-sequential.ts";
import { normalQuantile } from "../stats/normal.ts";
import { proportionDifference } from "../stats/proportions.ts";
import { type QuantileDifference, quantileDifferences } from "../stats/quantile-difference.ts";
import { rankSumSorted } from "../stats/rank-sum.ts";
import { explain } from "./explain.ts";
import { type JudgePolicy, lookSizes, resolvePolicy } from "./policy.ts";

export interface VariantObservations {
  /** Latencies of the requests that succeeded, µs, in arrival order: look k uses the first n_k. */
  latenciesUs: ArrayLike<number>;
  /** Failed requests, and all requests including the failed ones, as of now. */
  errors: number;
  requests: number;
}

export interface JudgeInput {
  control: VariantObservations;
  candidate: VariantObservations;
  /** Time since the rollout started, measured by the caller (the judge has no clock). */
  elapsedMs?: number;
}

export type Verdict = "promote" | "roll_back" | "keep_collecting";
export type Reason =
  | "candidate_faster"
  | "candidate_slower"
  | "error_rate"
  | "exhausted"
  | "before_first_look"
  | "no_boundary_crossed";

export interface LookReport {
  /** 1-based. */
  index: number;
  of: number;
  samplePerVariant: number;
  /** |z| needed at this look, and the same as a two-sided p-value. */
  boundaryZ: number;
  nominalAlpha: number;
  /** Of alpha, how much is spent by this look. */
  spentAlpha: number;
}

export interface LatencyReport {
  /** Pairs in which the control request is slower (+ half the ties): the candidate's wins. */
  uControl: number;
  uCandidate: number;
  z: number;
  pValue: number;
  method: "exact" | "normal";
  ties: boolean;
  probabilityCandidateFaster: number;
  /** P(candidate faster) − P(candidate slower) for a random pair of requests. */
  cliffsDelta: number;
  crossed: boolean;
  /** Candidate − control, µs, with bootstrap intervals (NaN bounds when bootstrapResamples is 0). */
  p50: QuantileDifference;
  p95: QuantileDifference;
}

export interface ErrorReport {
  control: { errors: number; requests: number; rate: number };
  candidate: { errors: number; requests: number; rate: number };
  /** Candidate rate − control rate, with a two-sided interval at level 1 − 2·errorAlpha. */
  increase: { estimate: number; low: number; high: number };
  allowed: number;
  tripped: boolean;
}

export interface Judgement {
  verdict: Verdict;
  reason: Reason;
  /** Plain words with the numbers. */
  explanation: string;
  /** The look the latency figures are from: the deciding one, else the latest reached. */
  look: LookReport | null;
  /** Latencies per variant the next planned look needs; null after the last. */
  nextLookAt: number | null;
  latency: LatencyReport | null;
  errors: ErrorReport;
  samples: { control: number; candidate: number };
  exhausted: boolean;
  elapsedMs: number | null;
  policy: Readonly<JudgePolicy>;
  problems: Problem[];
}

const boundaryCache = new Map<string, Boundaries>();

function boundariesFor(alpha: number, fractions: number[]): Boundaries {
  const key = `${alpha}|${fractions.join(",")}`;
  let bounds = boundaryCache.get(key);
  if (bounds === undefined) {
    bounds = spendingBoundaries(alpha, fractions);
    if (boundaryCache.size > 64) boundaryCache.clear();
    boundaryCache.set(key, bounds);
  }
  return bounds;
}

const invalid = (detail: string): never => {
  throw new NanofuseError("NF_JUDGE_INPUT_INVALID", detail);
};

/** The usable latencies of one variant; anything else is left out and reported once per variant. */
function clean(name: string, observations: VariantObservations, problems: Problem[]): Float64Array {
  const { latenciesUs: values, errors, requests } = observations ?? ({} as VariantObservations);
  if (values === null || typeof values !== "object" || typeof values.length !== "number")
    invalid(`${name}.latenciesUs must be an array of numbers`);
  if (
    !Number.isInteger(requests) ||
    requests < 0 ||
    !Number.isInteger(errors) ||
    errors < 0 ||
    errors > requests
  )
    invalid(`${name}: errors (${errors}) and requests (${requests}) must be counts with errors ≤ requests`);
  const out = new Float64Array(values.length);
  let kept = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[kept++] = v;
    else if (first < 0) first = i;
  }
  const dropped = values.length - kept;
  if (dropped > 0) {
    const detail = `${dropped} of ${values.length} ${name} latencies, the first ${String(values[first])}`;
    problems.push(problem("NF_JUDGE_BAD_SAMPLE", detail, { path: `${name}.latenciesUs[${first}]` }));
  }
  return out.subarray(0, kept);
}

/** The error-rate guard alone, on the counts as of now. */
export function errorGuard(input: JudgeInput, policy: Readonly<JudgePolicy>): ErrorReport {
  const rate = (v: VariantObservations) => ({
    errors: v.errors,
    requests: v.requests,
    rate: v.requests === 0 ? 0 : v.errors / v.requests,
  });
  const { candidate, control } = input;
  const z = normalQuantile(1 - policy.errorAlpha);
  const increase = proportionDifference(
    candidate.errors,
    candidate.requests,
    control.errors,
    control.requests,
    z,
  );
  return {
    control: rate(control),
    candidate: rate(candidate),
    increase,
    allowed: policy.maxErrorRateIncrease,
    tripped: increase.low > policy.maxErrorRateIncrease,
  };
}

/** The first n values sorted: `sorted` (the first sorted.length of them) with the next ones merged in. */
function extendSorted(sorted: Float64Array, values: Float64Array, n: number): Float64Array {
  const segment = values.slice(sorted.length, n).sort();
  const merged = new Float64Array(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    merged[k] =
      j >= segment.length || (i < sorted.length && sorted[i] <= segment[j]) ? sorted[i++] : segment[j++];
  }
  return merged;
}

interface LookResult {
  k: number;
  test: ReturnType<typeof rankSumSorted>;
  /** The first n_k latencies of each variant, sorted. */
  control: Float64Array;
  candidate: Float64Array;
  crossed: boolean;
  decision?: { verdict: Verdict; reason: Reason };
}

/** Tests the looks reached, in order, and stops at the first that decides; returns the last tested. */
function replayLooks(
  control: Float64Array,
  candidate: Float64Array,
  sizes: number[],
  bounds: Boundaries,
  policy: Readonly<JudgePolicy>,
): LookResult | undefined {
  let result: LookResult | undefined;
  let controlSorted: Float64Array = new Float64Array(0);
  let candidateSorted: Float64Array = new Float64Array(0);
  for (let k = 0; k < sizes.length; k++) {
    controlSorted = extendSorted(controlSorted, control, sizes[k]);
    candidateSorted = extendSorted(candidateSorted, candidate, sizes[k]);
    const test = rankSumSorted(controlSorted, candidateSorted, { exactBelow: policy.exactBelow });
    const crossed = test.pValue <= bounds.nominalAlpha[k];
    result = { k, test, control: controlSorted, candidate: candidateSorted, crossed };
    if (crossed && test.cliffsDelta < 0)
      return { ...result, decision: { verdict: "roll_back", reason: "candidate_slower" } };
    if (crossed && test.cliffsDelta >= policy.minEffect)
      return { ...result, decision: { verdict: "promote", reason: "candidate_faster" } };
  }
  return result;
}

function latencyReport(look: LookResult, policy: Readonly<JudgePolicy>): LatencyReport {
  const { test } = look;
  const [p50, p95] = quantileDifferences(look.control, look.candidate, [0.5, 0.95], {
    resamples: policy.bootstrapResamples,
    level: policy.bootstrapLevel,
    seed: policy.seed,
  });
  return {
    uControl: test.ux,
    uCandidate: test.uy,
    z: test.z,
    pValue: test.pValue,
    method: test.method,
    ties: test.ties,
    probabilityCandidateFaster: test.probabilityXGreater,
    cliffsDelta: test.cliffsDelta,
    crossed: look.crossed,
    p50,
    p95,
  };
}

function lookReport(k: number, sizes: number[], bounds: Boundaries): LookReport {
  return {
    index: k + 1,
    of: sizes.length,
    samplePerVariant: sizes[k],
    boundaryZ: bounds.z[k],
    nominalAlpha: bounds.nominalAlpha[k],
    spentAlpha: bounds.spent[k],
  };
}

export function judge(input: JudgeInput, policyOverrides: Partial<JudgePolicy> = {}): Judgement {
  const policy = resolvePolicy(policyOverrides);
  const elapsedMs = input.elapsedMs ?? null;
  if (elapsedMs !== null && !(Number.isFinite(elapsedMs) && elapsedMs >= 0))
    invalid(`elapsedMs must be a non-negative number, got ${elapsedMs}`);
  const problems: Problem[] = [];
  const control = clean("control", input.control, problems);
  const candidate = clean("candidate", input.candidate, problems);
  const errors = errorGuard(input, policy);
  const sizes = lookSizes(policy);
  const bounds = boundariesFor(
    policy.alpha,
    sizes.map((n) => n / policy.maxSamplePerVariant),
  );
  const available = Math.min(control.length, candidate.length);
  const reached = sizes.filter((n) => n <= available).length;

  const last = replayLooks(control, candidate, sizes.slice(0, reached), bounds, policy);
  const decision = last?.decision;
  const exhausted =
    decision === undefined && (reached === sizes.length || (elapsedMs ?? 0) >= policy.maxDurationMs);
  let verdict: Verdict;
  let reason: Reason;
  if (errors.tripped) [verdict, reason] = ["roll_back", "error_rate"];
  else if (decision) ({ verdict, reason } = decision);
  else if (exhausted)
    [verdict, reason] = [policy.onExhausted === "roll_back" ? "roll_back" : "keep_collecting", "exhausted"];
  else [verdict, reason] = ["keep_collecting", reached === 0 ? "before_first_look" : "no_boundary_crossed"];

  const judgement: Omit<Judgement, "explanation"> = {
    verdict,
    reason,
    look: last ? lookReport(last.k, sizes, bounds) : null,
    nextLookAt: reached < sizes.length ? sizes[reached] : null,
    latency: last ? latencyReport(last, policy) : null,
    errors,
    samples: { control: control.length, candidate: candidate.length },
    exhausted,
    elapsedMs,
    policy,
    problems,
  };
  return { ...judgement, explanation: explain(judgement) };
}

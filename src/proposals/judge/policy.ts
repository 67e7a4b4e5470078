/**
 * The policy a rollout is judged by, with its defaults in one place. Unknown fields are refused, so a
 * misspelt option cannot silently fall back to a default (as the unit catalog does).
 */
import { NanofuseError } from "../../errors.ts";

export interface JudgePolicy {
  /**
   * Two-sided chance, over all looks, that the latency test promotes or rolls back when the two
   * layouts do not differ (about half of it each way).
   */
  alpha: number;
  /** Latencies per variant at the first look. */
  minSamplePerVariant: number;
  /** Latencies per variant at the last look: the planned maximum. */
  maxSamplePerVariant: number;
  /** Planned looks, evenly spaced from the minimum to the maximum sample (1: one look at the maximum). */
  looks: number;
  /**
   * Smallest Cliff's delta (how much more often a candidate request is faster than a control one than
   * the other way round) worth promoting. 0.147 is where Romano et al. (2006) end "negligible".
   */
  minEffect: number;
  /** Allowed increase of the candidate's error rate over the control's, absolute (0.01 = 1 point). */
  maxErrorRateIncrease: number;
  /** One-sided level of the error guard's interval of the increase. */
  errorAlpha: number;
  /** Elapsed time (passed in by the caller) after which an undecided rollout is exhausted. */
  maxDurationMs: number;
  /** Exhausted without a decision: roll back (no proof it helps), or hold for a person to decide. */
  onExhausted: "roll_back" | "hold";
  /** Exact Mann-Whitney p-values below this many latencies per variant, when there are no ties. */
  exactBelow: number;
  /** Bootstrap resamples for the p50/p95 difference intervals; 0 leaves the intervals out. */
  bootstrapResamples: number;
  bootstrapLevel: number;
  seed: number;
}

export const defaultPolicy: Readonly<JudgePolicy> = Object.freeze({
  alpha: 0.05,
  minSamplePerVariant: 200,
  maxSamplePerVariant: 2000,
  looks: 5,
  minEffect: 0.147,
  maxErrorRateIncrease: 0.01,
  errorAlpha: 0.01,
  maxDurationMs: 24 * 3600 * 1000,
  onExhausted: "roll_back",
  exactBelow: 50,
  bootstrapResamples: 1000,
  bootstrapLevel: 0.95,
  seed: 1,
});

type Check = (v: unknown) => boolean;
const between =
  (low: number, high: number): Check =>
  (v) =>
    typeof v === "number" && v > low && v < high;
const integer =
  (min: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min;
const checks: Record<keyof JudgePolicy, [Check, string]> = {
  alpha: [between(0, 1), "a number between 0 and 1"],
  minSamplePerVariant: [integer(2), "an integer of at least 2"],
  maxSamplePerVariant: [integer(2), "an integer of at least 2"],
  looks: [integer(1), "an integer of at least 1"],
  minEffect: [(v) => typeof v === "number" && v >= 0 && v < 1, "a number in [0, 1)"],
  maxErrorRateIncrease: [(v) => typeof v === "number" && v >= 0 && v < 1, "a number in [0, 1)"],
  errorAlpha: [between(0, 1), "a number between 0 and 1"],
  maxDurationMs: [(v) => typeof v === "number" && v > 0, "a positive number (Infinity for none)"],
  onExhausted: [(v) => v === "roll_back" || v === "hold", '"roll_back" or "hold"'],
  exactBelow: [integer(0), "an integer of at least 0"],
  bootstrapResamples: [integer(0), "an integer of at least 0"],
  bootstrapLevel: [between(0, 1), "a number between 0 and 1"],
  seed: [integer(0), "a non-negative integer"],
};

const refuse = (detail: string): never => {
  throw new NanofuseError("NF_JUDGE_POLICY_INVALID", detail);
};

/** The defaults overridden by `overrides`, checked. */
export function resolvePolicy(overrides: Partial<JudgePolicy> = {}): Readonly<JudgePolicy> {
  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(checks, key)) refuse(`unknown field ${JSON.stringify(key)}`);
  }
  const given = Object.entries(overrides).filter(([, v]) => v !== undefined);
  const policy: JudgePolicy = { ...defaultPolicy, ...Object.fromEntries(given) };
  for (const [key, [ok, expected]] of Object.entries(checks)) {
    const value = policy[key as keyof JudgePolicy];
    if (!ok(value)) refuse(`${key} must be ${expected}, got ${JSON.stringify(value)}`);
  }
  if (policy.maxSamplePerVariant < policy.minSamplePerVariant)
    refuse("maxSamplePerVariant must be at least minSamplePerVariant");
  if (policy.looks > 1 && policy.maxSamplePerVariant - policy.minSamplePerVariant < policy.looks - 1)
    refuse(`${policy.looks} looks need maxSamplePerVariant − minSamplePerVariant ≥ ${policy.looks - 1}`);
  return Object.freeze(policy);
}

/** The latencies per variant at each planned look. */
export function lookSizes(
  policy: Pick<JudgePolicy, "minSamplePerVariant" | "maxSamplePerVariant" | "looks">,
) {
  const { minSamplePerVariant: min, maxSamplePerVariant: max, looks } = policy;
  if (looks === 1) return [max];
  return Array.from({ length: looks }, (_, k) => Math.round(min + ((max - min) * k) / (looks - 1)));
}

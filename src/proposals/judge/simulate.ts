/**
 * Simulated rollouts through the judge: how often it promotes, rolls back or runs out when the two
 * layouts are the same (A/A: every promotion is a false one) or differ by a known amount. Seeded and
 * pure, so a measured rate is reproducible; used by the A/A test and scripts/judge-aa.ts.
 *
 * A run sends requests to both variants in steps of `checkEvery` each; a request fails with the
 * variant's error rate (no latency recorded) or adds a latency drawn from its shape. After every step
 * the rollout is judged as a live caller would judge it. The judge's latency test changes only when a
 * new planned look is reached (between looks it replays the same prefixes), so between looks the
 * simulation asks only the error guard, which is what the judge's answer then depends on; a test
 * checks that this gives the verdicts of calling the judge at every step.
 */
import { seededRandom } from "../../random.ts";
import { normalQuantile } from "../stats/normal.ts";
import { wilson } from "../stats/proportions.ts";
import { errorGuard, type JudgeInput, type Judgement, judge, type Reason, type Verdict } from "./judge.ts";
import { type JudgePolicy, lookSizes, resolvePolicy } from "./policy.ts";

/** Draws one latency, µs. */
export type Shape = (random: () => number) => number;

/** A standard normal draw by Box-Muller from a (seeded) uniform generator. */
export function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A log-normal body with a Pareto tail, rounded to whole µs as recorded spans are (so ties occur):
 * the shape of end-to-end latencies of the demo shop (p50 ≈ 90 ms, a p95 several times the median).
 */
export function heavyTailed(
  options: { medianUs?: number; sigma?: number; tailShare?: number; tailIndex?: number } = {},
): Shape {
  const { medianUs = 90_000, sigma = 0.35, tailShare = 0.08, tailIndex = 1.5 } = options;
  const mu = Math.log(medianUs);
  return (random) => {
    const body = Math.exp(mu + sigma * standardNormal(random));
    const tail = random() < tailShare ? (1 - random()) ** (-1 / tailIndex) : 1;
    return Math.round(body * tail);
  };
}

/** Draws from recorded latencies with replacement. */
export function fromRecording(latenciesUs: ArrayLike<number>): Shape {
  return (random) => latenciesUs[Math.floor(random() * latenciesUs.length)];
}

/** The same shape, every latency multiplied by `factor` (0.9: the candidate is 10% faster). */
export function scaled(shape: Shape, factor: number): Shape {
  return (random) => Math.round(shape(random) * factor);
}

export interface SimulationOptions {
  runs: number;
  policy?: Partial<JudgePolicy>;
  control: Shape;
  candidate: Shape;
  /** Share of failed requests per variant (default 0.01 each). */
  errorRate?: { control: number; candidate: number };
  /** Requests per variant between two calls of the judge (default 50). */
  checkEvery?: number;
  seed?: number;
  /** Call the whole judge at every step instead of only the error guard between looks (slow). */
  judgeEveryStep?: boolean;
}

export interface Rate {
  count: number;
  rate: number;
  /** 95% Wilson interval of the rate. */
  low: number;
  high: number;
}

export interface SimulationResult {
  runs: number;
  promoted: Rate;
  rolledBackSlower: Rate;
  rolledBackErrors: Rate;
  exhausted: Rate;
  /** Mean latencies per variant (the smaller of the two) when the run ended. */
  meanSamplesAtEnd: number;
  /** Every run's verdict and reason, in run order. */
  outcomes: { verdict: Verdict; reason: Reason }[];
}

interface Variant {
  latencies: number[];
  errors: number;
  requests: number;
}

function step(variant: Variant, shape: Shape, errorRate: number, requests: number, random: () => number) {
  for (let i = 0; i < requests; i++) {
    variant.requests++;
    if (random() < errorRate) variant.errors++;
    else variant.latencies.push(shape(random));
  }
}

const input = (control: Variant, candidate: Variant): JudgeInput => ({
  control: { latenciesUs: control.latencies, errors: control.errors, requests: control.requests },
  candidate: { latenciesUs: candidate.latencies, errors: candidate.errors, requests: candidate.requests },
});

function runOnce(options: SimulationOptions, policy: Readonly<JudgePolicy>, random: () => number) {
  const { checkEvery = 50, errorRate = { control: 0.01, candidate: 0.01 } } = options;
  const sizes = lookSizes(policy);
  const control: Variant = { latencies: [], errors: 0, requests: 0 };
  const candidate: Variant = { latencies: [], errors: 0, requests: 0 };
  let looksJudged = 0;
  for (;;) {
    step(control, options.control, errorRate.control, checkEvery, random);
    step(candidate, options.candidate, errorRate.candidate, checkEvery, random);
    const available = Math.min(control.latencies.length, candidate.latencies.length);
    const reached = sizes.filter((n) => n <= available).length;
    const observations = input(control, candidate);
    let judgement: Pick<Judgement, "verdict" | "reason"> | undefined;
    if (options.judgeEveryStep || reached > looksJudged) {
      looksJudged = reached;
      judgement = judge(observations, policy);
    } else if (errorGuard(observations, policy).tripped) {
      judgement = { verdict: "roll_back", reason: "error_rate" };
    }
    if (judgement && (judgement.verdict !== "keep_collecting" || judgement.reason === "exhausted"))
      return { verdict: judgement.verdict, reason: judgement.reason, samples: available };
  }
}

function rate(count: number, runs: number): Rate {
  const { low, high } = wilson(count, runs, normalQuantile(0.975));
  return { count, rate: count / runs, low, high };
}

export function simulateRollouts(options: SimulationOptions): SimulationResult {
  // Bootstrap intervals do not change a verdict; leave them out unless asked for.
  const policy = resolvePolicy({ bootstrapResamples: 0, ...options.policy });
  const random = seededRandom(options.seed ?? 1);
  const outcomes: SimulationResult["outcomes"] = [];
  let samples = 0;
  for (let run = 0; run < options.runs; run++) {
    const outcome = runOnce(options, policy, random);
    outcomes.push({ verdict: outcome.verdict, reason: outcome.reason });
    samples += outcome.samples;
  }
  const counted = (test: (o: (typeof outcomes)[number]) => boolean) =>
    rate(outcomes.filter(test).length, options.runs);
  return {
    runs: options.runs,
    promoted: counted((o) => o.verdict === "promote"),
    rolledBackSlower: counted((o) => o.reason === "candidate_slower"),
    rolledBackErrors: counted((o) => o.reason === "error_rate"),
    exhausted: counted((o) => o.reason === "exhausted"),
    meanSamplesAtEnd: samples / options.runs,
    outcomes,
  };
}

/**
 * The judge's verdict in plain words, every number it rests on stated, so a reviewer can check the
 * sentence against the figures beside it.
 */
import type { ErrorReport, Judgement, LatencyReport, LookReport } from "./judge.ts";

const count = (n: number) => n.toLocaleString("en-US");
const ms = (us: number) => `${(us / 1000).toFixed(Math.abs(us) < 10_000 ? 2 : 1)} ms`;
/** `digits` decimals with a sign, decided after rounding so that nothing reads "+0.0". */
function signed(value: number, digits: number): string {
  const text = Math.abs(value).toFixed(digits);
  return Number(text) === 0 ? text : `${value > 0 ? "+" : "−"}${text}`;
}
const signedMs = (us: number) => `${signed(us / 1000, Math.abs(us) < 10_000 ? 2 : 1)} ms`;
const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const points = (rate: number) => `${signed(rate * 100, 1)} points`;
const pValue = (p: number) => (p >= 0.001 ? p.toPrecision(2) : p.toExponential(1));
const hours = (msValue: number) => `${(msValue / 3_600_000).toFixed(1)} h`;

function quantile(name: string, d: LatencyReport["p50"], level: number) {
  const interval = Number.isNaN(d.low)
    ? ""
    : `, ${Math.round(level * 100)}% interval ${signedMs(d.low)} to ${signedMs(d.high)}`;
  return `${name} ${ms(d.candidate)} against ${ms(d.control)} (${signedMs(d.estimate)}${interval})`;
}

function latencySentence(
  look: LookReport,
  latency: LatencyReport,
  judgement: Omit<Judgement, "explanation">,
) {
  const { policy } = judgement;
  const where = `At look ${look.index} of ${look.of} (${count(look.samplePerVariant)} latencies per variant)`;
  const quantiles = `${quantile("p50", latency.p50, policy.bootstrapLevel)}, ${quantile("p95", latency.p95, policy.bootstrapLevel)}`;
  const pairs = `a candidate request is faster than a control request in ${percent(latency.probabilityCandidateFaster)} of pairs (Cliff's delta ${signed(latency.cliffsDelta, 3)}; promoting needs at least ${policy.minEffect})`;
  const method =
    latency.method === "exact" ? "exact" : `normal approximation${latency.ties ? ", ties corrected" : ""}`;
  const test = `Mann-Whitney U = ${count(latency.uControl)}, p = ${pValue(latency.pValue)} (${method}) against this look's boundary ${pValue(look.nominalAlpha)} (O'Brien-Fleming-type alpha spending of ${policy.alpha} over ${look.of} looks)`;
  return `${where}: candidate ${quantiles}; ${pairs}; ${test}.`;
}

function errorSentence(errors: ErrorReport, errorAlpha: number) {
  const side = (v: ErrorReport["control"]) =>
    `${percent(v.rate)} (${count(v.errors)} of ${count(v.requests)})`;
  const confidence = `${Math.round((1 - errorAlpha) * 1000) / 10}% confidence`;
  const bound = errors.tripped
    ? `at least ${points(errors.increase.low)} with ${confidence}, above the allowed ${points(errors.allowed)}`
    : `at least ${points(errors.increase.low)} with ${confidence}; allowed up to ${points(errors.allowed)}`;
  return `Errors: candidate ${side(errors.candidate)}, control ${side(errors.control)}; the increase is ${points(errors.increase.estimate)}, ${bound}.`;
}

function headline(j: Omit<Judgement, "explanation">): string {
  const { policy } = j;
  const spent =
    j.nextLookAt === null
      ? `all ${j.look?.of ?? policy.looks} planned looks are done`
      : `the maximum duration of ${hours(policy.maxDurationMs)} has passed (${hours(j.elapsedMs ?? 0)})`;
  const unproven =
    j.latency?.crossed && j.latency.cliffsDelta > 0
      ? "the candidate is faster, but by less than the minimum effect"
      : "the candidate did not prove faster";
  switch (j.reason) {
    case "candidate_faster":
      return "Promote: the candidate is faster.";
    case "candidate_slower":
      return "Roll back: the candidate is slower.";
    case "error_rate":
      return "Roll back: the candidate fails more often.";
    case "exhausted":
      return j.verdict === "roll_back"
        ? `Roll back: ${spent} and ${unproven}.`
        : `Hold for a person to decide: ${spent} and ${unproven}.`;
    case "before_first_look":
      return `Keep collecting: the first look needs ${count(j.nextLookAt ?? 0)} latencies per variant; there are ${count(j.samples.control)} (control) and ${count(j.samples.candidate)} (candidate).`;
    case "no_boundary_crossed":
      return `Keep collecting: no difference is clear yet; the next look is at ${count(j.nextLookAt ?? 0)} latencies per variant (now ${count(j.samples.control)} and ${count(j.samples.candidate)}).`;
  }
}

export function explain(judgement: Omit<Judgement, "explanation">): string {
  const parts = [headline(judgement)];
  if (judgement.look && judgement.latency)
    parts.push(latencySentence(judgement.look, judgement.latency, judgement));
  parts.push(errorSentence(judgement.errors, judgement.policy.errorAlpha));
  if (judgement.problems.length) parts.push(judgement.problems.map((p) => `${p.message}.`).join(" "));
  return parts.join(" ");
}

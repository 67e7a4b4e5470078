/**
 * `nanofuse plan`'s text: the groups, the predicted latency with intervals, every term of the
 * objective before and after with the total (a plan whose total rises must not read as cheaper
 * because one term falls, issue 16.2), and the evidence of every step.
 */
import type { Weights } from "../plan/objective.ts";
import { type ObjectiveTerm, objectiveTerms } from "../plan/objective-terms.ts";
import type { Proposal } from "../plan/proposal.ts";
import type { Figures } from "../plan/what-if.ts";

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const range = (i: { low: number; high: number }) => `[${ms(i.low)} – ${ms(i.high)}]`;

function figuresLine(name: string, f: Figures): string {
  return `  ${name.padEnd(9)} p50 ${ms(f.p50Us)} ${range(f.ci.p50Us)}   p95 ${ms(f.p95Us)} ${range(f.ci.p95Us)}   p99 ${ms(f.p99Us)}   ${f.groups} groups`;
}

function value(t: ObjectiveTerm): string {
  if (t.unit === "ms") return `${t.value.toFixed(2)} ms`;
  if (t.unit === "/h") return `${t.value.toFixed(1)}/h`;
  return `$${t.value.toFixed(3)}/h`;
}

const signed = (x: number, digits: number) =>
  `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x).toFixed(digits)}`;

function weightOf(t: ObjectiveTerm, w: Weights): string {
  if (t.unit === "ms") return `× ${w.latencyPerMs} per ms`;
  if (t.unit === "/h") return `× ${w.coldStartPerHour} per cold start/h`;
  return `× ${w.costPerDollarHour} per $/h`;
}

/** The objective's terms before and after, each with its weight and share of the score, and the total. */
export function objectiveLines(p: Proposal, weights: Weights): string[] {
  const before = objectiveTerms(p.predicted.baseline, weights);
  const after = objectiveTerms(p.predicted.proposed, weights);
  const row = (cells: string[]) =>
    `  ${cells[0].padEnd(14)}${cells[1].padStart(13)}${cells[2].padStart(13)}${cells[3].padStart(12)}   ${cells[4].padEnd(24)}${cells[5].padStart(9)}${cells[6].padStart(9)}${cells[7].padStart(9)}`.trimEnd();
  const lines = [
    `objective (lower is better), on all ${p.predicted.traces} traces`,
    row(["term", "current", "proposed", "change", "weight", "score", "after", "change"]),
  ];
  before.terms.forEach((b, i) => {
    const a = after.terms[i];
    const digits = b.unit === "ms" ? 2 : b.unit === "/h" ? 1 : 3;
    lines.push(
      row([
        b.name,
        value(b),
        value(a),
        signed(a.value - b.value, digits),
        weightOf(b, weights),
        b.weighted.toFixed(2),
        a.weighted.toFixed(2),
        signed(a.weighted - b.weighted, 2),
      ]),
    );
  });
  const cost = (t: ObjectiveTerm[]) => t.filter((x) => x.unit === "$/h").reduce((s, x) => s + x.value, 0);
  const [costBefore, costAfter] = [cost(before.terms), cost(after.terms)];
  lines.push(
    row([
      "total cost",
      `$${costBefore.toFixed(3)}/h`,
      `$${costAfter.toFixed(3)}/h`,
      signed(costAfter - costBefore, 3),
      "",
      "",
      "",
      "",
    ]),
    row([
      "total score",
      "",
      "",
      "",
      "",
      before.score.toFixed(2),
      after.score.toFixed(2),
      signed(after.score - before.score, 2),
    ]),
  );
  if (costAfter > costBefore + 5e-4)
    lines.push(
      `  the proposal costs more: ${signed(costAfter - costBefore, 3)} $/h, for what it gains in latency.`,
    );
  return lines;
}

export function planText(p: Proposal, weights: Weights): string {
  const lines = [
    `proposal ${p.contentHash.slice(0, 12)}: ${p.groups.length} groups (from ${p.current.length}), based on ${p.predicted.traces} traces`,
    "",
    "groups",
    ...p.groups.map((g) => `  [${g.join(", ")}]`),
    "",
    "predicted end-to-end latency (95% bootstrap intervals)",
    figuresLine("current", p.predicted.baseline),
    figuresLine("proposed", p.predicted.proposed),
    "",
    ...objectiveLines(p, weights),
  ];
  if (p.merges.length === 0) lines.push("", "no change is worth making: the current clustering stays.");
  for (const m of p.merges) {
    lines.push("", `${m.kind} [${m.units.join(", ")}] → [${m.into.join(", ")}]`, `  ${m.reason}`);
    for (const e of m.edges) {
      lines.push(
        `  ${e.from} → ${e.to}: ${e.calls} calls, p50 network ${ms(e.networkP50Us)}, on critical paths ${ms(e.criticalPathNetworkUs)}; e.g. ${e.exemplarTraceIds.join(", ")}`,
      );
    }
  }
  if (p.currentViolations.length)
    lines.push("", "the current clustering breaks constraints:", ...p.currentViolations.map((v) => `  ${v}`));
  return `${lines.join("\n")}\n`;
}

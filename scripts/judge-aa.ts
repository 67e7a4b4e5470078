/**
 * `npx tsx scripts/judge-aa.ts`: measures how often the rollout judge promotes, rolls back or runs out
 * over many simulated rollouts (src/proposals/judge/simulate.ts), with the default policy:
 * - A/A, the same latency shape for both variants, so every promotion is a false one: synthetic
 *   heavy-tailed latencies, and the end-to-end latencies of the recorded baseline shop drawn with
 *   replacement; each also with minEffect 0, which measures the sequential test alone;
 * - A/B on the recordings: the fused-checkout layout against the baseline (the real gain nanofuse
 *   proposes), and the baseline made 10% slower against itself.
 * Both variants fail requests at the recorded baseline's error rate (1% when it recorded none),
 * checked every 50 requests per variant. Rates come with 95% Wilson intervals. Not timed.
 *
 * Options: --runs 10000, --seed 2026, --write (rewrites this script's block of README.md).
 */
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { replayFiles } from "../src/pipeline/replay.ts";
import { defaultPolicy, lookSizes } from "../src/proposals/judge/policy.ts";
import {
  fromRecording,
  heavyTailed,
  type Rate,
  type Shape,
  type SimulationResult,
  scaled,
  simulateRollouts,
} from "../src/proposals/judge/simulate.ts";
import { normalQuantile } from "../src/proposals/stats/normal.ts";
import { wilson } from "../src/proposals/stats/proportions.ts";
import { writeReadmeBlock } from "./readme-block.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BEGIN = "<!-- judge-aa:begin -->";
const END = "<!-- judge-aa:end -->";

interface Recorded {
  latenciesUs: number[];
  errors: number;
  requests: number;
}

/** End-to-end latency of every recorded request (its root span) and how many failed. */
async function recorded(file: string): Promise<Recorded> {
  const out: Recorded = { latenciesUs: [], errors: 0, requests: 0 };
  await replayFiles([join(ROOT, "fixtures", file)], (tree) => {
    for (const root of tree.roots) {
      out.requests++;
      if (root.span.status === "error") out.errors++;
      else out.latenciesUs.push(root.span.endUs - root.span.startUs);
    }
  });
  return out;
}

interface Scenario {
  name: string;
  control: Shape;
  candidate: Shape;
  minEffect?: number;
}

const pct = (r: Rate) =>
  `${(r.rate * 100).toFixed(2)}% [${(r.low * 100).toFixed(2)}, ${(r.high * 100).toFixed(2)}]`;

function row(s: Scenario, r: SimulationResult): string {
  const effect = s.minEffect ?? defaultPolicy.minEffect;
  return `| ${s.name} | ${effect} | ${pct(r.promoted)} | ${pct(r.rolledBackSlower)} | ${pct(r.rolledBackErrors)} | ${pct(r.exhausted)} | ${Math.round(r.meanSamplesAtEnd)} |`;
}

/** One sentence per A/A row: its false promotions, and its false decisions either way, against alpha. */
function summary(s: Scenario, r: SimulationResult, alpha: number): string {
  const decided = r.promoted.count + r.rolledBackSlower.count;
  const either = wilson(decided, r.runs, normalQuantile(0.975));
  const interval = (x: { low: number; high: number }) =>
    `95% interval ${(x.low * 100).toFixed(2)}–${(x.high * 100).toFixed(2)}%`;
  const runs = r.runs.toLocaleString("en-US");
  return `- ${s.name}, minEffect ${s.minEffect ?? defaultPolicy.minEffect}: ${r.promoted.count} false promotions in ${runs} runs, ${(r.promoted.rate * 100).toFixed(2)}% (${interval(r.promoted)}; aim ≤ alpha/2 = ${(alpha / 2) * 100}%); promoted or rolled back on latency ${decided}, ${((decided / r.runs) * 100).toFixed(2)}% (${interval(either)}; aim ≤ alpha = ${alpha * 100}%).`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "10000" },
      seed: { type: "string", default: "2026" },
      write: { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  const seed = Number(values.seed);
  const baseline = await recorded("shop-baseline.otlp.jsonl.gz");
  const fused = await recorded("shop-fused-checkout.otlp.jsonl.gz");
  const errorRate = baseline.errors > 0 ? baseline.errors / baseline.requests : 0.01;
  const synthetic = heavyTailed();
  const shop = fromRecording(baseline.latenciesUs);
  const scenarios: Scenario[] = [
    { name: "A/A, synthetic heavy-tailed", control: synthetic, candidate: synthetic },
    { name: "A/A, synthetic heavy-tailed", control: synthetic, candidate: synthetic, minEffect: 0 },
    { name: "A/A, recorded baseline shop", control: shop, candidate: shop },
    { name: "A/A, recorded baseline shop", control: shop, candidate: shop, minEffect: 0 },
    {
      name: "A/B, recorded fused-checkout vs baseline",
      control: shop,
      candidate: fromRecording(fused.latenciesUs),
    },
    { name: "A/B, baseline 10% slower vs baseline", control: shop, candidate: scaled(shop, 1.1) },
  ];
  const started = Date.now();
  const load = os.loadavg()[0];
  const rows: string[] = [];
  const aa: { scenario: Scenario; result: SimulationResult }[] = [];
  for (const scenario of scenarios) {
    const policy = scenario.minEffect === undefined ? {} : { minEffect: scenario.minEffect };
    const result = simulateRollouts({
      runs,
      policy,
      control: scenario.control,
      candidate: scenario.candidate,
      errorRate: { control: errorRate, candidate: errorRate },
      seed,
    });
    rows.push(row(scenario, result));
    if (scenario.control === scenario.candidate) aa.push({ scenario, result });
    console.log(rows[rows.length - 1]);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const p = defaultPolicy;
  const lines = [
    `Measured by \`npx tsx scripts/judge-aa.ts --runs ${runs} --seed ${seed}\`: ${runs.toLocaleString("en-US")} simulated rollouts per row, the default policy (alpha ${p.alpha}, ${p.looks} looks at ${lookSizes(p).join(", ")} latencies per variant, error guard +${p.maxErrorRateIncrease * 100} points at ${p.errorAlpha}), both variants failing ${(errorRate * 100).toFixed(2)}% of requests, the judge consulted every 50 requests per variant. Rates with 95% Wilson intervals; samples: mean latencies per variant when the rollout ended.`,
    "",
    "| scenario | minEffect | promoted | rolled back: slower | rolled back: errors | exhausted (rolled back) | samples |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    ...aa.map(({ scenario, result }) => summary(scenario, result, p.alpha)),
    "",
    `(${seconds} s on ${os.cpus().length} cores, load average ${load.toFixed(1)} at the start; not a timed measurement.)`,
  ];
  console.log(lines.join("\n"));
  if (values.write) await writeReadmeBlock(join(ROOT, "README.md"), BEGIN, END, lines, "# nanofuse\n");
}

await main();

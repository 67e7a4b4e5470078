/**
 * The small-traces section of `npm run bench` (issue 8.7): replay spans/s of traces of 5, 50 and 500
 * spans (bench/sized.ts, the same shape at every size), and the 5-span rate against the 50-span one.
 * Two layouts of the same traces: one ExportTraceServiceRequest per trace (an SDK that exports each
 * trace as it ends; the resource is repeated per trace, so small traces also carry more bytes per
 * span) and requests batched to ≥ 500 spans (a Collector's batch processor), which leaves the
 * per-trace cost of the replay alone. Runs are interleaved (every size once, then again), so that
 * the ratios compare runs close in time on a shared machine.
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { batchedJsonLines, sizedTraces } from "./sized.ts";
import { toOtlpJsonLine } from "./synth.ts";

export const SIZES = [5, 50, 500] as const;
const LAYOUTS = ["per trace", "batched"] as const;
type Layout = (typeof LAYOUTS)[number];

export interface SmallTracesInput {
  dir: string;
  spans: number;
  runs: number;
  seed: number;
}

export interface ReplayRun {
  spans: number;
  traces: number;
  seconds: number;
  cpuSeconds?: number;
}

interface Cell {
  layout: Layout;
  size: number;
  file: string;
  bytes: number;
  runs: ReplayRun[];
}

async function ensureFile(input: SmallTracesInput, layout: Layout, size: number): Promise<Cell> {
  await mkdir(input.dir, { recursive: true });
  const file = join(
    input.dir,
    `sized-${size}-${layout === "batched" ? "batched" : "per-trace"}-${input.spans}-seed${input.seed}.otlp.jsonl`,
  );
  const traces = () => sizedTraces({ traces: Math.ceil(input.spans / size), size, seed: input.seed });
  // Small enough (a few hundred MiB at most) to write in one go; regenerated every run: it is cheap.
  const lines = layout === "batched" ? batchedJsonLines(traces(), 500) : [...traces()].map(toOtlpJsonLine);
  await writeFile(file, `${lines.join("\n")}\n`);
  return { layout, size, file, bytes: (await stat(file)).size, runs: [] };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const rate = (r: ReplayRun) => r.spans / r.seconds;
const cpuRate = (r: ReplayRun) => r.spans / (r.cpuSeconds ?? r.seconds);
const best = (c: Cell, of = rate) => Math.max(...c.runs.map(of));

export async function smallTracesSection(
  title: string,
  input: SmallTracesInput,
  replay: (file: string) => Promise<ReplayRun>,
  machine: () => string[],
): Promise<string> {
  const cells: Cell[] = [];
  for (const layout of LAYOUTS) for (const size of SIZES) cells.push(await ensureFile(input, layout, size));
  for (let run = 1; run <= input.runs; run++) {
    for (const cell of cells) {
      const r = await replay(cell.file);
      if (r.spans !== Math.ceil(input.spans / cell.size) * cell.size)
        throw new Error(`replay of ${cell.file} read ${r.spans} spans`);
      cell.runs.push(r);
      process.stderr.write(
        `small traces ${cell.layout} ${cell.size}-span run ${run}: ${fmt(rate(r))} spans/s, ${fmt(cpuRate(r))} per CPU second, ${fmt(r.traces)} traces\n`,
      );
    }
  }
  const lines = [
    `## ${title}`,
    "",
    ...machine(),
    `- input: ${fmt(input.spans)} spans per file in traces of exactly 5, 50 and 500 spans (bench/sized.ts, seed ${input.seed}): a call tree through 8 units, SERVER → CLIENT → SERVER hops and some INTERNAL spans, the shop's HTTP attributes; OTLP JSON lines, one request per trace or batched to ≥ 500 spans per request`,
    `- replay: \`replayFiles\` + \`Inventory\`, as in the replay section; each run in its own child process, runs interleaved across the files, best of ${input.runs} by spans/s`,
    "- aim (issue 8.7): 5-span traces within 1.2× of the 50-span rate (ratio = 50-span spans/s ÷ 5-span spans/s); spans per CPU second (the child's user + system time) beside wall-clock spans/s, as it is the steadier of the two when other processes share the cores",
    "",
    "| layout | spans per trace | file MiB | best spans/s | all runs (spans/s) | best spans per CPU s | all runs (per CPU s) | traces |",
    "|---|---:|---:|---:|---|---:|---|---:|",
  ];
  for (const c of cells) {
    lines.push(
      `| ${c.layout} | ${c.size} | ${(c.bytes / 2 ** 20).toFixed(0)} | ${fmt(best(c))} | ${c.runs.map((r) => fmt(rate(r))).join(" / ")} | ${fmt(best(c, cpuRate))} | ${c.runs.map((r) => fmt(cpuRate(r))).join(" / ")} | ${fmt(c.runs[0].traces)} |`,
    );
  }
  lines.push(
    "",
    "| layout | clock | 50-span ÷ 5-span (best runs) | per run | aim ≤ 1.2× |",
    "|---|---|---:|---|---|",
  );
  for (const layout of LAYOUTS) {
    const of = (size: number) => cells.find((c) => c.layout === layout && c.size === size) as Cell;
    const five = of(5);
    const fifty = of(50);
    for (const [clock, by] of [
      ["wall", rate],
      ["CPU", cpuRate],
    ] as const) {
      const ratio = best(fifty, by) / best(five, by);
      const perRun = five.runs.map((r, i) => (by(fifty.runs[i]) / by(r)).toFixed(2)).join(" / ");
      lines.push(
        `| ${layout} | ${clock} | ${ratio.toFixed(2)}× | ${perRun} | ${ratio <= 1.2 ? "met" : "not met"} |`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * `npm run bench`: replay and analysis throughput and memory on synthetic traces.
 *
 * Generates (once, streamed to disk; reused while the generator and options are unchanged) a file of
 * ≥ 1,000,000 shop spans (bench/synth.ts) as OTLP JSON lines and the same traces as framed OTLP
 * protobuf, plus a chain of 100,000 spans in one trace (bench/chain.ts) as OTLP JSON lines, under
 * bench/data/. Measurements:
 * - replay section (issue 2), on the shop files: bare decode (readTraceFile into a sink that only
 *   counts) and the replay pipeline (replayFiles + Inventory);
 * - analysis section (issue 3), on the shop files and the chain: bare decode and what
 *   `nanofuse analyse --format json` does (replayFiles + Analyser, finish(), the JSON report);
 * - planning section (issue 5), on a synthetic system built in the child (bench/plan-scale.ts: 1,000
 *   units, 10,000 edges, 100,000 traces): `plan()` as `nanofuse plan` runs it, and with a minimum gain
 *   low enough that the search runs to its own limits; one `whatIf()` on all traces;
 * - store section (issue 9, bench/store.ts): aggregate writes on PGlite and PostgreSQL, size on disk;
 * - api section (issue 11, bench/api.ts): GET /api/proposals latency under load, receiver spans/s
 *   beside the analyse child on the same file;
 * - units, analyse-memory and plan-traces sections (issues 8.6, 15.1, 15.2; bench/scale.ts): analysis
 *   with 10 to 10,000 units, analysis RSS at 0.1×, 1× and 5× --spans, `plan()` at --plan-traces and 10×.
 * Every measurement runs in its own child process, so peak RSS is that process's `maxRSS` and no run
 * inherits another's heap or JIT state; the best of the runs is reported with all of them. Results are
 * printed and written to bench/RESULTS.md, each section between its own markers, leaving others alone.
 *
 * Options (defaults): --spans 1000000, --chain-spans 100000, --plan-traces 100000, --runs 3, --seed 42,
 * --only replay|analysis|planning|kafka|startup|store|api|units|analyse-memory|plan-traces|smalltraces
 * (default all; smalltraces: bench/small-traces.ts, a fifth of --spans per file; kafka: bench/kafka.ts, with half of --spans; a decode run of a shop file serves both the replay and
 * the analysis section), --write (default only when every section runs at full size, spans ≥ 1,000,000
 * and plan traces ≥ 100,000, so quick checks do not overwrite recorded figures), --no-write, --profile
 * (children also write V8 CPU profiles to bench/data/profiles/; see bench/profile-summary.ts).
 * Child mode (internal): --child decode|replay|analyse|baseline|baseline-analyse|reference <file> [max spans per
 * trace], --child planning <units> <edges> <traces> <seed>.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeReadmeBlock } from "../scripts/readme-block.ts";
// Types only: every child loads this file, and decode and replay children load no planning modules.
import type { PlanScaleMeasurement } from "./plan-scale.ts";
import type { ScaleMeasurement } from "./scale.ts";
import { measureStartup, startupSection } from "./startup.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const DATA = join(HERE, "data");
const RESULTS = join(HERE, "RESULTS.md");
const SECTIONS = {
  replay: { id: "replay", title: "Replay (issue 2)" },
  analysis: { id: "analysis", title: "Analysis (issue 3)" },
  planning: { id: "planning", title: "Planning (issue 5)" },
  kafka: { id: "kafka", title: "Kafka daemon (issue 10)" },
  startup: { id: "startup", title: "Start-up (issue 8)" },
  store: { id: "store", title: "Store (issue 9)" },
  api: { id: "api", title: "API and receiver (issue 11)" },
  units: { id: "units", title: "Many units (issue 8.6)" },
  "analyse-memory": { id: "analyse-memory", title: "Analysis memory by input size (issue 15.1)" },
  "plan-traces": { id: "plan-traces", title: "Planning by number of traces (issue 15.2)" },
  smalltraces: { id: "smalltraces", title: "Small traces (issue 8.7)" },
} as const;
type SectionId = keyof typeof SECTIONS;
const FULL_RUN_SPANS = 1_000_000;
/** The planning section's system (issue 5): units, call edges, traces (--plan-traces). */
const PLAN_UNITS = 1_000;
const PLAN_EDGES = 10_000;
const FULL_RUN_PLAN_TRACES = 100_000;
/** Issue 5's aim for the whole `plan()` call, seconds on one core. */
const PLAN_AIM_SECONDS = 10;
/** The replay's default `maxSpansPerTrace` (100,000) would split the chain; the bench lifts it. */
const CHAIN_MAX_SPANS_PER_TRACE = 200_000;
const CHAIN_UNITS = 4;
/**
 * The chain is written in batches, one ExportTraceServiceRequest per line as a Collector writes them:
 * a single line longer than the file sniffer's 1 MiB window is taken for a JSON document and streamed
 * through stream-json, a different (and much slower) decoder than the shop files'.
 */
const CHAIN_SPANS_PER_LINE = 1_000;
let loadBefore = 0;

interface Options {
  spans: number;
  chainSpans: number;
  planTraces: number;
  sections: SectionId[];
  runs: number;
  seed: number;
  write: boolean;
  profile: boolean;
}

type Mode = "decode" | "replay" | "analyse" | "baseline" | "baseline-analyse" | "reference";

interface Measurement {
  mode: Mode;
  format: string;
  spans: number;
  traces: number;
  hops: number;
  problems: number;
  seconds: number;
  /** User + system CPU time of the measurement (all threads): steadier than wall time on a shared machine. */
  cpuSeconds?: number;
  maxRssBytes: number;
  /** analyse: seconds in finish() and in building the JSON report (the rest is replay + add). */
  finishSeconds?: number;
  reportSeconds?: number;
  reportBytes?: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    spans: FULL_RUN_SPANS,
    chainSpans: 100_000,
    planTraces: FULL_RUN_PLAN_TRACES,
    sections: [
      "replay",
      "analysis",
      "planning",
      "kafka",
      "startup",
      "store",
      "api",
      "units",
      "analyse-memory",
      "plan-traces",
      "smalltraces",
    ],
    runs: 3,
    seed: 42,
    write: true,
    profile: false,
  };
  let write: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const int = () => {
      const value = Number(argv[++i]);
      if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${arg} needs a positive integer`);
      return value;
    };
    if (arg === "--spans") options.spans = int();
    else if (arg === "--chain-spans") options.chainSpans = int();
    else if (arg === "--plan-traces") options.planTraces = int();
    else if (arg === "--runs") options.runs = int();
    else if (arg === "--only") {
      const id = argv[++i];
      if (!(id in SECTIONS)) throw new Error(`--only needs one of ${Object.keys(SECTIONS).join(", ")}`);
      options.sections = [id as SectionId];
    } else if (arg === "--seed") options.seed = int();
    else if (arg === "--write") write = true;
    else if (arg === "--no-write") write = false;
    else if (arg === "--profile") options.profile = true;
    else throw new Error(`unknown option ${arg}`);
  }
  options.write =
    write ??
    options.sections.every((id) =>
      id === "planning" || id === "plan-traces"
        ? options.planTraces >= FULL_RUN_PLAN_TRACES
        : options.spans >= FULL_RUN_SPANS,
    );
  return options;
}

// ---------------------------------------------------------------------------------------------------
// Child: one measurement, reported as one JSON line on stdout.

async function child(mode: string, file: string, maxSpansPerTrace?: string): Promise<void> {
  const { readTraceFile } = await import("../src/ingest/sources/file.ts");
  const { replayFiles } = await import("../src/pipeline/replay.ts");
  const { Inventory } = await import("../src/analyse/inventory.ts");
  // The analysis modules (graphology, sketches) only where they are used, so decode and replay
  // children stay as they were measured for issue 2.
  const analysing = mode === "analyse" || mode === "baseline-analyse";
  const { Analyser } = analysing ? await import("../src/analyse/analyser.ts") : { Analyser: undefined };
  const report = analysing ? await import("../src/analyse/report.ts") : undefined;
  const buffer = maxSpansPerTrace ? { maxSpansPerTrace: Number(maxSpansPerTrace) } : undefined;
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const out: Measurement = {
    mode: mode as Mode,
    format: "",
    spans: 0,
    traces: 0,
    hops: 0,
    problems: 0,
    seconds: 0,
    maxRssBytes: 0,
  };
  if (mode === "reference") {
    // The floor under any decoder of the file: JSON.parse of each line, or protobufjs's decode of
    // each frame, with nothing done with the result but counting its spans.
    const { referenceDecode } = await import("./reference-decode.ts");
    out.format = file.endsWith(".pb") ? "protobufjs" : "JSON.parse";
    out.spans = await referenceDecode(file);
  } else if (mode === "decode") {
    out.format = await readTraceFile(file, {
      span: () => void out.spans++,
      problem: () => void out.problems++,
    });
  } else if (mode === "replay") {
    const inventory = new Inventory();
    const result = await replayFiles([file], (tree) => inventory.add(tree), { buffer });
    const summary = inventory.summary();
    out.format = result.files[0]?.format ?? "";
    out.spans = result.spansRead;
    out.traces = summary.traces;
    out.hops = summary.hops;
    out.problems = result.problems.total();
  } else if (mode === "analyse" && Analyser && report) {
    // As `nanofuse analyse --format json` (src/cli/analyse.ts) without --per-trace, minus the write.
    const analyser = new Analyser({ perTrace: false });
    const result = await replayFiles([file], (tree) => analyser.add(tree), { buffer });
    const replayed = performance.now();
    const analysis = analyser.finish();
    const finished = performance.now();
    const doc = {
      summary: {
        ...report.analysisSummary(analysis),
        rejected: result.problems.bySeverity("reject"),
        warnings: result.problems.bySeverity("warn"),
      },
      edges: report.edgeReports(analysis),
      units: report.unitReports(analysis),
      operations: report.operationReports(analysis),
    };
    const json = JSON.stringify(doc);
    out.finishSeconds = (finished - replayed) / 1000;
    out.reportSeconds = (performance.now() - finished) / 1000;
    out.reportBytes = json.length;
    out.format = result.files[0]?.format ?? "";
    out.spans = result.spansRead;
    out.traces = doc.summary.traces;
    out.hops = doc.summary.hops;
    out.problems = result.problems.total();
  } else if (mode !== "baseline" && mode !== "baseline-analyse")
    throw new Error(`unknown child mode ${mode}`);
  out.seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  out.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Child: the planning measurement of bench/plan-scale.ts, as one JSON line on stdout. */
async function planningChild(args: string[]): Promise<void> {
  const { measurePlanning } = await import("./plan-scale.ts");
  const [units, edges, traces, seed] = args.map(Number);
  process.stdout.write(`${JSON.stringify(measurePlanning({ units, edges, traces, seed }))}\n`);
}

function runChild<T = Measurement>(
  mode: Mode | "planning" | `scale-${string}`,
  childArgs: string[],
  options: Options,
): Promise<T> {
  const args = ["--expose-gc", "--import", "tsx"];
  if (options.profile) {
    args.push(
      "--cpu-prof",
      `--cpu-prof-dir=${join(DATA, "profiles")}`,
      `--cpu-prof-name=${mode}-${childArgs[0].split("/").pop()}-${process.hrtime.bigint()}.cpuprofile`,
    );
  }
  args.push(fileURLToPath(import.meta.url), "--child", mode, ...childArgs);
  const [file] = childArgs;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    proc.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`child ${mode} ${file} exited with ${code}`));
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? ""));
      } catch (error) {
        reject(error);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Data

interface DataFile {
  label: string;
  file: string;
  bytes: number;
  spans: number;
  traces: number;
  /** Passed to the replay as `buffer.maxSpansPerTrace` (the chain), else its default. */
  maxSpansPerTrace?: number;
}

const hashOf = async (...files: string[]) => {
  const hash = createHash("sha256");
  for (const f of files) hash.update(await readFile(join(HERE, f)));
  return hash.digest("hex").slice(0, 16);
};

/** Reuses `file` while its meta matches `key` and its size, else writes it with `make` (to a .partial first). */
async function cached(
  file: string,
  key: object,
  make: (partial: string) => Promise<{ spans: number; traces: number; bytes: number }>,
): Promise<{ spans: number; traces: number; bytes: number }> {
  const metaFile = `${file}.meta.json`;
  const meta = await readFile(metaFile, "utf8").then(JSON.parse, () => undefined);
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (meta && JSON.stringify(meta.key) === JSON.stringify(key) && meta.bytes === size)
    return { spans: meta.spans, traces: meta.traces, bytes: size };
  process.stderr.write(`generating ${relative(ROOT, file)} … `);
  const started = performance.now();
  const partial = `${file}.partial`;
  const result = await make(partial);
  await rename(partial, file);
  await writeFile(metaFile, JSON.stringify({ key, ...result }));
  process.stderr.write(
    `${fmt(result.spans)} spans, ${mib(result.bytes)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return result;
}

/** The chain of bench/chain.ts as OTLP JSON lines of `CHAIN_SPANS_PER_LINE` spans each. */
async function ensureChain(options: Options): Promise<DataFile> {
  const { chainTrace } = await import("./chain.ts");
  const { toOtlpJsonLine } = await import("./synth.ts");
  await mkdir(DATA, { recursive: true });
  const file = join(DATA, `chain-${options.chainSpans}-seed${options.seed}.otlp.jsonl`);
  const key = {
    generator: await hashOf("chain.ts", "synth.ts"),
    spans: options.chainSpans,
    units: CHAIN_UNITS,
    spansPerLine: CHAIN_SPANS_PER_LINE,
    seed: options.seed,
    format: "otlp-json",
  };
  const result = await cached(file, key, async (partial) => {
    const trace = chainTrace({ spans: options.chainSpans, seed: options.seed, units: CHAIN_UNITS });
    const lines: string[] = [];
    for (let i = 0; i < trace.spans.length; i += CHAIN_SPANS_PER_LINE) {
      const spans = trace.spans.slice(i, i + CHAIN_SPANS_PER_LINE);
      lines.push(`${toOtlpJsonLine({ traceId: trace.traceId, spans })}\n`);
    }
    const bytes = Buffer.from(lines.join(""));
    await writeFile(partial, bytes);
    return { spans: trace.spans.length, traces: 1, bytes: bytes.length };
  });
  return {
    label: "chain, OTLP JSON lines",
    file,
    ...result,
    maxSpansPerTrace: Math.max(CHAIN_MAX_SPANS_PER_TRACE, 2 * options.chainSpans),
  };
}

/** Files are reused while this matches: the generator's source, its options and the output sizes. */
async function ensureData(options: Options): Promise<DataFile[]> {
  const { writeSyntheticFile } = await import("./synth.ts");
  await mkdir(DATA, { recursive: true });
  const generator = await hashOf("synth.ts");
  const out: DataFile[] = [];
  for (const [label, format, ext] of [
    ["OTLP JSON lines", "otlp-json", "otlp.jsonl"],
    ["OTLP protobuf (framed)", "otlp-proto", "otlp-proto.pb"],
  ] as const) {
    const file = join(DATA, `shop-${options.spans}-seed${options.seed}.${ext}`);
    const key = { generator, spans: options.spans, seed: options.seed, format };
    const result = await cached(file, key, (partial) =>
      writeSyntheticFile(partial, { format, seed: options.seed, spans: options.spans }),
    );
    out.push({ label, file, ...result });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Report

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const rate = (m: Measurement) => m.spans / m.seconds;
/** Spans per CPU second of the child (user + system): steadier than wall time when the cores are shared. */
const cpuRate = (m: Measurement) => m.spans / (m.cpuSeconds ?? m.seconds);

interface Row {
  data: DataFile;
  mode: "decode" | "replay" | "analyse" | "reference";
  runs: Measurement[];
}

const bestOf = (row: Row) => row.runs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
const secs = (s: number) => s.toFixed(s < 10 ? 2 : 1);

function machine(since = loadBefore): string[] {
  const cpus = os.cpus();
  return [
    `- machine: ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.platform()} ${os.release()}`,
    `- node ${process.version}, recorded ${new Date().toISOString().slice(0, 10)}`,
    `- load average (1 min) before / after the runs: ${since.toFixed(1)} / ${os.loadavg()[0].toFixed(1)} (above 0 means other processes shared the cores: expect noise)`,
  ];
}

/**
 * Each pipeline figure beside the bare parse of the same file in the same run (issue 8.9): JSON.parse
 * of every line for OTLP JSON, protobufjs's ExportTraceServiceRequest.decode of every frame for OTLP
 * protobuf (bench/reference-decode.ts), best runs, as ratios.
 */
function referenceLines(rows: Row[]): string[] {
  const lines = [
    "",
    "| input | reference | reference spans/s | measurement | spans/s | ÷ reference | ÷ reference, by CPU time | aim (issue 8.9) |",
    "|---|---|---:|---|---:|---:|---:|---|",
  ];
  for (const data of rows.map((r) => r.data).filter((d, i, a) => a.indexOf(d) === i)) {
    const reference = rows.find((r) => r.data === data && r.mode === "reference");
    if (!reference) continue;
    const ref = bestOf(reference);
    const proto = ref.format === "protobufjs";
    for (const row of rows.filter((r) => r.data === data && r.mode !== "reference")) {
      const m = bestOf(row);
      const aim =
        !proto && row.mode === "replay"
          ? `150,000 spans/s: ${rate(m) >= 150_000 ? "met" : "not met"}`
          : proto && row.mode === "analyse"
            ? "≥ 50% of decode: see the analysis table"
            : "–";
      lines.push(
        `| ${data.label} | ${ref.format} | ${fmt(rate(ref))} | ${row.mode} | ${fmt(rate(m))} | ${(rate(m) / rate(ref)).toFixed(2)} | ${(cpuRate(m) / cpuRate(ref)).toFixed(2)} | ${aim} |`,
      );
    }
  }
  return lines;
}

function replaySection(options: Options, rows: Row[], baseline: Measurement): string {
  const lines = [
    `## ${SECTIONS.replay.title}`,
    "",
    ...machine(),
    `- input: synthetic shop traces (bench/synth.ts, seed ${options.seed}), ${fmt(rows[0]?.data.spans ?? 0)} spans in ${fmt(rows[0]?.data.traces ?? 0)} traces per file`,
    `- each measurement in its own child process, best of ${options.runs} runs by spans/s; peak RSS is the child's maxRSS (a child that only loads the modules peaks at ${mib(baseline.maxRssBytes)} MiB)`,
    "- decode: `readTraceFile` into a sink that only counts spans; replay: `replayFiles` + `Inventory` (decode, assemble, call trees, hops)",
    "",
    "| input | file MiB | measurement | best spans/s | all runs (spans/s) | peak RSS MiB (best run) | peak RSS MiB (all runs) | traces | hops |",
    "|---|---:|---|---:|---|---:|---|---:|---:|",
  ];
  for (const row of rows) {
    const best = row.runs.reduce((a, b) => (rate(b) > rate(a) ? b : a));
    lines.push(
      `| ${row.data.label} | ${mib(row.data.bytes)} | ${row.mode} | ${fmt(rate(best))} | ${row.runs.map((m) => fmt(rate(m))).join(" / ")} | ${mib(best.maxRssBytes)} | ${row.runs.map((m) => mib(m.maxRssBytes)).join(" / ")} | ${row.mode === "replay" ? fmt(best.traces) : "–"} | ${row.mode === "replay" ? fmt(best.hops) : "–"} |`,
    );
  }
  const ratio = (label: string) => {
    const decode = rows.find((r) => r.data.label === label && r.mode === "decode");
    const replay = rows.find((r) => r.data.label === label && r.mode === "replay");
    if (!decode || !replay) return undefined;
    const best = (r: Row) => Math.max(...r.runs.map(rate));
    return `${label} ${((100 * best(replay)) / best(decode)).toFixed(0)}%`;
  };
  lines.push(
    "",
    `Full pipeline as a share of bare decode: ${rows
      .map((r) => r.data.label)
      .filter((l, i, a) => a.indexOf(l) === i)
      .map(ratio)
      .filter(Boolean)
      .join(", ")}.`,
    ...referenceLines(rows),
  );
  return lines.join("\n");
}

function analysisSection(options: Options, rows: Row[], baseline: Measurement, chain: DataFile): string {
  const shop = rows.find((r) => r.data !== chain)?.data;
  const lines = [
    `## ${SECTIONS.analysis.title}`,
    "",
    ...machine(),
    `- inputs: the synthetic shop traces of the replay section (bench/synth.ts, seed ${options.seed}), ${fmt(shop?.spans ?? 0)} spans in ${fmt(shop?.traces ?? 0)} traces per file; and a chain (bench/chain.ts): one trace of ${fmt(chain.spans)} spans, each the only child of the one before, SERVER and CLIENT spans alternating through ${CHAIN_UNITS} units (every other link a CLIENT → SERVER hop), as OTLP JSON lines of ${fmt(CHAIN_SPANS_PER_LINE)} spans (one ExportTraceServiceRequest per line, as a Collector batches them), replayed with \`maxSpansPerTrace\` ${fmt(chain.maxSpansPerTrace ?? 0)} so that it stays one trace`,
    `- each measurement in its own child process, best of ${options.runs} runs by spans/s; peak RSS is the child's maxRSS (a child that only loads the modules, analysis included, peaks at ${mib(baseline.maxRssBytes)} MiB)`,
    `- decode: \`readTraceFile\` into a sink that only counts spans${options.sections.includes("replay") ? " (for the shop files, the same runs as in the replay section)" : ""}; analyse: what \`nanofuse analyse --format json\` does, without --per-trace and without writing the document out: \`replayFiles\` + \`Analyser.add\` (decode, assemble, call trees, hops, critical paths, hop costs, barrier waits, windowed aggregates), \`finish()\` (cold starts, totals, service graph) and the JSON report (\`analysisSummary\`, \`edgeReports\`, \`unitReports\`, \`operationReports\`, \`JSON.stringify\`)`,
    "- target (issue 3): the whole analyse command at no less than half the speed of bare decoding of the same file",
    "",
    "| input | file MiB | measurement | best spans/s | all runs (spans/s) | peak RSS MiB (best run) | peak RSS MiB (all runs) | traces | hops |",
    "|---|---:|---|---:|---|---:|---|---:|---:|",
  ];
  for (const row of rows) {
    const best = bestOf(row);
    const counted = row.mode !== "decode" && row.mode !== "reference";
    lines.push(
      `| ${row.data.label} | ${mib(row.data.bytes)} | ${row.mode} | ${fmt(rate(best))} | ${row.runs.map((m) => fmt(rate(m))).join(" / ")} | ${mib(best.maxRssBytes)} | ${row.runs.map((m) => mib(m.maxRssBytes)).join(" / ")} | ${counted ? fmt(best.traces) : "–"} | ${counted ? fmt(best.hops) : "–"} |`,
    );
  }
  lines.push(
    "",
    "| input | decode spans/s | analyse spans/s | analyse / decode | target ≥ 50% | analyse best run: replay + add / finish / report (s) |",
    "|---|---:|---:|---:|---|---|",
  );
  for (const data of rows.map((r) => r.data).filter((d, i, a) => a.indexOf(d) === i)) {
    const decode = rows.find((r) => r.data === data && r.mode === "decode");
    const analyse = rows.find((r) => r.data === data && r.mode === "analyse");
    if (!decode || !analyse) continue;
    const d = bestOf(decode);
    const a = bestOf(analyse);
    const share = rate(a) / rate(d);
    const finish = a.finishSeconds ?? 0;
    const report = a.reportSeconds ?? 0;
    lines.push(
      `| ${data.label} | ${fmt(rate(d))} | ${fmt(rate(a))} | ${(100 * share).toFixed(0)}% | ${share >= 0.5 ? "met" : "not met"} | ${secs(a.seconds - finish - report)} / ${secs(finish)} / ${secs(report)} |`,
    );
  }
  lines.push(...referenceLines(rows));
  return lines.join("\n");
}

/** Replaces a section between its markers, or appends it; other sections stay as they are. */
async function writeResults(id: SectionId, body: string): Promise<void> {
  await writeReadmeBlock(
    RESULTS,
    `<!-- bench:${SECTIONS[id].id}:begin -->`,
    `<!-- bench:${SECTIONS[id].id}:end -->`,
    [body],
    "# Benchmark results\n\nRecorded by `npm run bench` (bench/run.ts). Each section sits between its own begin/end markers and is replaced only by the run that owns it.\n",
  );
}

async function measure(data: DataFile, mode: Row["mode"], options: Options): Promise<Row> {
  const row: Row = { data, mode, runs: [] };
  for (let run = 1; run <= options.runs; run++) {
    const max = mode === "decode" ? undefined : data.maxSpansPerTrace;
    const m = await runChild(mode, max ? [data.file, String(max)] : [data.file], options);
    if (m.spans !== data.spans)
      throw new Error(`${mode} of ${data.file} read ${m.spans} spans, expected ${data.spans}`);
    if (mode === "analyse" && m.traces !== data.traces)
      throw new Error(`analyse of ${data.file} found ${m.traces} traces, expected ${data.traces}`);
    if (m.problems)
      process.stderr.write(`warning: ${mode} of ${data.file} reported ${m.problems} problems\n`);
    const phases =
      mode === "analyse"
        ? ` (finish ${secs(m.finishSeconds ?? 0)} s, report ${secs(m.reportSeconds ?? 0)} s)`
        : "";
    process.stderr.write(
      `${data.label} ${mode} run ${run}: ${fmt(rate(m))} spans/s, ${m.seconds.toFixed(2)} s${phases}, peak RSS ${mib(m.maxRssBytes)} MiB\n`,
    );
    row.runs.push(m);
  }
  return row;
}

/** Planning runs: each child builds the system and plans it (bench/plan-scale.ts). */
async function measurePlanningRuns(options: Options): Promise<PlanScaleMeasurement[]> {
  const runs: PlanScaleMeasurement[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const m = await runChild<PlanScaleMeasurement>(
      "planning",
      [PLAN_UNITS, PLAN_EDGES, options.planTraces, options.seed].map(String),
      options,
    );
    const plans = m.plans
      .map(
        (p) =>
          `${p.scenario} ${secs(p.seconds)} s (${p.evaluations} evaluations, ${p.moves} moves${p.sameStepsAsPlan ? "" : ", search again differs!"})`,
      )
      .join(", ");
    process.stderr.write(
      `planning run ${run}: build ${secs(m.buildSeconds)} s; plan() ${plans}; whatIf ${secs(m.whatIf.seconds)} s; peak RSS ${mib(m.maxRssBytes)} MiB\n`,
    );
    runs.push(m);
  }
  return runs;
}

function planningSection(options: Options, runs: PlanScaleMeasurement[], since: number): string {
  const first = runs[0];
  const all = (f: (m: PlanScaleMeasurement) => number) => runs.map((m) => secs(f(m))).join(" / ");
  const best = (f: (m: PlanScaleMeasurement) => number) => Math.min(...runs.map(f));
  const bestRun = (f: (m: PlanScaleMeasurement) => number) => runs.reduce((a, b) => (f(b) < f(a) ? b : a));
  const ms = (us: number) => (us / 1000).toFixed(2);
  const setup = first.setup;
  const lines = [
    `## ${SECTIONS.planning.title}`,
    "",
    ...machine(since),
    `- input: a synthetic system (bench/plan-scale.ts, seed ${options.seed}): ${fmt(first.units)} units in teams of ${setup.team} that mostly call within their team, ${fmt(first.systemEdges)} call edges (10% asynchronous only; the analysis reports ${fmt(first.edges)} edges, ${fmt(first.syncEdges)} synchronous), ${fmt(first.traces)} traces of ${fmt(first.spans)} spans over one hour (depth ≤ 4, 1–3 calls per span, 30% of fan-outs parallel)`,
    `- catalog: the defaults, every ${setup.pythonEvery}th unit on python3.12, at most ${setup.maxGroupSize} units per group, every ${setup.pinEvery}th unit pinned; current clustering: as recorded (every unit alone)`,
    `- each run in its own child process: build the input, then \`plan()\` in each scenario below, in order, then one \`whatIf()\`; best of ${options.runs} runs per figure; peak RSS is the child's maxRSS, the build included`,
    "- build (not planning): the spans through `buildCallTree`, `PlanData.add`, `Analyser.add`, `finish()` and `edgeReports`, as `nanofuse plan` does while it reads traces",
    `- \`plan()\`: \`plan(data, edges, catalog, undefined, { minGain })\` as \`nanofuse plan\` calls it: search with \`makeEvaluator\` (${fmt(setup.sampleTraces)} sampled traces per evaluation; at most ${setup.maxMoves} moves and ${setup.maxEvaluations} evaluations), \`whatIf()\` of the current and of the proposed clustering on all ${fmt(first.traces)} traces with ${setup.resamples} bootstrap resamples, evidence per move. Evaluations, which \`plan()\` does not report, and the search's own time come from the same \`search()\` run again right after (set up as planner.ts does; same moves in every run: ${runs.every((m) => m.plans.every((p) => p.sameStepsAsPlan)) ? "yes" : "**no**"})`,
    "- scenarios: `defaults`, the minimum gain of `nanofuse plan` (1% of the current mean latency); `min gain 0.001` (1 µs of mean latency), so that the search goes on until its own limits stop it: the most search `plan()` does on this input",
    `- aim (issue 5): planning under ${PLAN_AIM_SECONDS} s on one core. The planning runs on Node's one main thread; CPU time is the process's user + system time during \`plan()\`, GC helper threads included`,
    "",
    "| `plan()` scenario | min gain (score units) | best s | all runs (s) | CPU s (best run) | search alone s (best run) | evaluations | moves (merge / move / split) | groups | predicted mean ms (current → proposed) | content hash | aim < 10 s |",
    "|---|---:|---:|---|---:|---:|---:|---|---:|---|---|---|",
  ];
  first.plans.forEach((plan, i) => {
    const seconds = (m: PlanScaleMeasurement) => m.plans[i].seconds;
    const b = bestRun(seconds).plans[i];
    const hashes = [...new Set(runs.map((m) => m.plans[i].contentHash))];
    lines.push(
      `| ${plan.scenario} | ${Number(b.minGain.toPrecision(3))} | ${secs(b.seconds)} | ${all(seconds)} | ${secs(b.cpuSeconds)} | ${secs(b.searchSeconds)} | ${b.evaluations} | ${b.moves} (${b.kinds.merge} / ${b.kinds.move} / ${b.kinds.split}) | ${fmt(b.groupsBefore)} → ${fmt(b.groupsAfter)} | ${ms(b.meanUsBefore)} → ${ms(b.meanUsAfter)} | ${hashes.length === 1 ? `${hashes[0]} (all runs)` : `differs: ${hashes.join(", ")}`} | ${b.seconds < PLAN_AIM_SECONDS ? "met" : "not met"} |`,
    );
  });
  const per100k = (m: PlanScaleMeasurement) => m.whatIf.secondsPer100kTraces;
  const rss = runs.map((m) => mib(m.maxRssBytes)).join(" / ");
  lines.push(
    "",
    "| measurement | best s | all runs (s) | per 100,000 traces (best, s) |",
    "|---|---:|---|---:|",
    `| build of the input (not planning), ${fmt(first.traces)} traces | ${secs(best((m) => m.buildSeconds))} | ${all((m) => m.buildSeconds)} | – |`,
    `| one \`whatIf()\` (proposed clustering of the last scenario) on all ${fmt(first.traces)} traces, ${first.whatIf.resamples} bootstrap resamples | ${secs(best((m) => m.whatIf.seconds))} | ${all((m) => m.whatIf.seconds)} | ${secs(best(per100k))} |`,
    "",
    `Peak RSS (child maxRSS, MiB, all runs): ${rss}. First run, after the build and a GC: V8 heap used ${mib(first.heapUsedWithAnalyserBytes)} MiB while the \`Analyser\` (windowed aggregates) is still referenced, ${mib(first.heapUsedAfterBuildBytes)} MiB once it is dropped (what planning holds: \`PlanData\`, the edge reports); RSS then ${mib(first.rssAfterBuildBytes)} MiB (V8 keeps the freed pages), and planning raised the peak above that by ${mib(first.maxRssBytes - first.rssAfterBuildBytes)} MiB.`,
  );
  return lines.join("\n");
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child" && argv[1].startsWith("scale-")) {
    const { scaleChild } = await import("./scale.ts");
    return scaleChild(argv[1], argv.slice(2));
  }
  if (argv[0] === "--child")
    return argv[1] === "planning" ? planningChild(argv.slice(2)) : child(argv[1], argv[2], argv[3]);
  const options = parseArgs(argv);
  const replay = options.sections.includes("replay");
  const analysis = options.sections.includes("analysis");
  const planning = options.sections.includes("planning");
  const store = options.sections.includes("store");
  const api = options.sections.includes("api");
  const data = replay || analysis || store || api ? await ensureData(options) : [];
  const chain = analysis ? await ensureChain(options) : undefined;
  loadBefore = os.loadavg()[0];
  const baseline = replay ? await runChild("baseline", [data[0].file], options) : undefined;
  const analysisBaseline = analysis ? await runChild("baseline-analyse", [data[0].file], options) : undefined;
  // Per file: decode, then the pipelines, so that each ratio compares runs close in time.
  const replayRows: Row[] = [];
  const analysisRows: Row[] = [];
  for (const d of data) {
    const reference = replay || analysis ? await measure(d, "reference", options) : undefined;
    if (reference && replay) replayRows.push(reference);
    if (reference && analysis) analysisRows.push(reference);
    const decode = await measure(d, "decode", options);
    if (replay) replayRows.push(decode, await measure(d, "replay", options));
    if (analysis) analysisRows.push(decode, await measure(d, "analyse", options));
  }
  if (chain)
    analysisRows.push(await measure(chain, "decode", options), await measure(chain, "analyse", options));
  const bodies: [SectionId, string][] = [];
  if (replay && baseline) bodies.push(["replay", replaySection(options, replayRows, baseline)]);
  if (chain && analysisBaseline)
    bodies.push(["analysis", analysisSection(options, analysisRows, analysisBaseline, chain)]);
  if (planning) {
    const since = os.loadavg()[0];
    bodies.push(["planning", planningSection(options, await measurePlanningRuns(options), since)]);
  }
  if (options.sections.includes("kafka")) {
    const { kafkaSection } = await import("./kafka.ts");
    const kafkaOptions = { spans: options.spans / 2, runs: options.runs, seed: options.seed };
    bodies.push(["kafka", await kafkaSection(kafkaOptions, SECTIONS.kafka.title)]);
  }
  if (options.sections.includes("startup")) {
    const since = os.loadavg()[0];
    bodies.push([
      "startup",
      startupSection(SECTIONS.startup.title, machine(since), await measureStartup(ROOT)),
    ]);
  }
  if (store) {
    const { storeSection } = await import("./store.ts");
    const shop = data.find((d) => d.file.endsWith(".pb")) ?? data[0];
    const input = { file: shop.file, spans: shop.spans, runs: options.runs, seed: options.seed };
    const since = os.loadavg()[0];
    bodies.push(["store", await storeSection(SECTIONS.store.title, input, () => machine(since))]);
  }
  if (api) {
    const { apiSection } = await import("./api.ts");
    const shop = data.find((d) => d.file.endsWith(".pb")) ?? data[0];
    const input = { file: shop.file, spans: shop.spans, runs: options.runs };
    const since = os.loadavg()[0];
    const replayRun = () => runChild("analyse", [shop.file], options);
    bodies.push(["api", await apiSection(SECTIONS.api.title, input, replayRun, () => machine(since))]);
  }
  const scaleRun = (mode: string, args: string[]) =>
    runChild<ScaleMeasurement>(mode as `scale-${string}`, args, options);
  const scale = { spans: options.spans, traces: options.planTraces, runs: options.runs, seed: options.seed };
  for (const id of ["units", "analyse-memory", "plan-traces"] as const) {
    if (!options.sections.includes(id)) continue;
    const sections = await import("./scale.ts");
    const since = os.loadavg()[0];
    const write =
      id === "units"
        ? sections.unitsSection
        : id === "analyse-memory"
          ? sections.analyseMemorySection
          : sections.planTracesSection;
    bodies.push([id, await write(SECTIONS[id].title, () => machine(since), scale, scaleRun)]);
  }
  if (options.sections.includes("smalltraces")) {
    const { smallTracesSection } = await import("./small-traces.ts");
    const input = { dir: DATA, spans: Math.ceil(options.spans / 5), runs: options.runs, seed: options.seed };
    const since = os.loadavg()[0];
    const replayRun = (file: string) => runChild("replay", [file], options);
    bodies.push([
      "smalltraces",
      await smallTracesSection(SECTIONS.smalltraces.title, input, replayRun, () => machine(since)),
    ]);
  }
  for (const [, body] of bodies) process.stdout.write(`\n${body}\n`);
  if (options.write) {
    for (const [id, body] of bodies) await writeResults(id, body);
    process.stdout.write(`\nwritten to ${relative(process.cwd(), RESULTS)}\n`);
  } else
    process.stdout.write("\n(not written to bench/RESULTS.md: a quick check; pass --write to record it)\n");
}

await main(process.argv.slice(2));

/**
 * `npm run bench`: replay throughput and memory on synthetic shop traces (bench/synth.ts).
 *
 * Generates (once, streamed to disk; reused while the generator and options are unchanged) a file of
 * ≥ 1,000,000 spans as OTLP JSON lines and the same traces as framed OTLP protobuf under bench/data/,
 * then measures each file twice: bare decode (readTraceFile into a sink that only counts) and the full
 * replay pipeline (replayFiles + Inventory). Every measurement runs in its own child process, so peak
 * RSS is that process's `maxRSS` and no run inherits another's heap or JIT state; the best of the runs
 * is reported with all of them. Results are printed and written to bench/RESULTS.md between this
 * section's markers, leaving other sections alone.
 *
 * Options (defaults): --spans 1000000, --runs 3, --seed 42, --write (default only when spans ≥
 * 1,000,000, so quick checks do not overwrite recorded figures), --no-write, --profile (children
 * also write V8 CPU profiles to bench/data/profiles/).
 * Child mode (internal): --child decode|replay|baseline <file>.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const DATA = join(HERE, "data");
const RESULTS = join(HERE, "RESULTS.md");
const SECTION = { id: "replay", title: "Replay (issue 2)" };
const FULL_RUN_SPANS = 1_000_000;
let loadBefore = 0;

interface Options {
  spans: number;
  runs: number;
  seed: number;
  write: boolean;
  profile: boolean;
}

interface Measurement {
  mode: "decode" | "replay" | "baseline";
  format: string;
  spans: number;
  traces: number;
  hops: number;
  problems: number;
  seconds: number;
  maxRssBytes: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { spans: FULL_RUN_SPANS, runs: 3, seed: 42, write: true, profile: false };
  let write: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const int = () => {
      const value = Number(argv[++i]);
      if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${arg} needs a positive integer`);
      return value;
    };
    if (arg === "--spans") options.spans = int();
    else if (arg === "--runs") options.runs = int();
    else if (arg === "--seed") options.seed = int();
    else if (arg === "--write") write = true;
    else if (arg === "--no-write") write = false;
    else if (arg === "--profile") options.profile = true;
    else throw new Error(`unknown option ${arg}`);
  }
  options.write = write ?? options.spans >= FULL_RUN_SPANS;
  return options;
}

// ---------------------------------------------------------------------------------------------------
// Child: one measurement, reported as one JSON line on stdout.

async function child(mode: string, file: string): Promise<void> {
  const { readTraceFile } = await import("../src/ingest/sources/file.ts");
  const { replayFiles } = await import("../src/pipeline/replay.ts");
  const { Inventory } = await import("../src/analyse/inventory.ts");
  (globalThis as { gc?: () => void }).gc?.();
  const started = performance.now();
  const out: Measurement = {
    mode: mode as Measurement["mode"],
    format: "",
    spans: 0,
    traces: 0,
    hops: 0,
    problems: 0,
    seconds: 0,
    maxRssBytes: 0,
  };
  if (mode === "decode") {
    out.format = await readTraceFile(file, {
      span: () => void out.spans++,
      problem: () => void out.problems++,
    });
  } else if (mode === "replay") {
    const inventory = new Inventory();
    const result = await replayFiles([file], (tree) => inventory.add(tree));
    const summary = inventory.summary();
    out.format = result.files[0]?.format ?? "";
    out.spans = result.spansRead;
    out.traces = summary.traces;
    out.hops = summary.hops;
    out.problems = result.problems.total();
  } else if (mode !== "baseline") throw new Error(`unknown child mode ${mode}`);
  out.seconds = (performance.now() - started) / 1000;
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runChild(mode: string, file: string, options: Options): Promise<Measurement> {
  const args = ["--expose-gc", "--import", "tsx"];
  if (options.profile) {
    args.push(
      "--cpu-prof",
      `--cpu-prof-dir=${join(DATA, "profiles")}`,
      `--cpu-prof-name=${mode}-${file.split("/").pop()}-${process.hrtime.bigint()}.cpuprofile`,
    );
  }
  args.push(fileURLToPath(import.meta.url), "--child", mode, file);
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
}

/** Files are reused while this matches: the generator's source, its options and the output sizes. */
async function ensureData(options: Options): Promise<DataFile[]> {
  const { writeSyntheticFile } = await import("./synth.ts");
  await mkdir(DATA, { recursive: true });
  const generator = createHash("sha256")
    .update(await readFile(join(HERE, "synth.ts")))
    .digest("hex")
    .slice(0, 16);
  const out: DataFile[] = [];
  for (const [label, format, ext] of [
    ["OTLP JSON lines", "otlp-json", "otlp.jsonl"],
    ["OTLP protobuf (framed)", "otlp-proto", "otlp-proto.pb"],
  ] as const) {
    const file = join(DATA, `shop-${options.spans}-seed${options.seed}.${ext}`);
    const metaFile = `${file}.meta.json`;
    const key = { generator, spans: options.spans, seed: options.seed, format };
    const meta = await readFile(metaFile, "utf8").then(JSON.parse, () => undefined);
    const size = await stat(file).then(
      (s) => s.size,
      () => -1,
    );
    if (meta && JSON.stringify(meta.key) === JSON.stringify(key) && meta.bytes === size) {
      out.push({ label, file, bytes: size, spans: meta.spans, traces: meta.traces });
      continue;
    }
    process.stderr.write(`generating ${relative(ROOT, file)} … `);
    const started = performance.now();
    const partial = `${file}.partial`;
    const result = await writeSyntheticFile(partial, { format, seed: options.seed, spans: options.spans });
    await rename(partial, file);
    await writeFile(metaFile, JSON.stringify({ key, ...result }));
    process.stderr.write(
      `${fmt(result.spans)} spans, ${mib(result.bytes)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
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

interface Row {
  data: DataFile;
  mode: "decode" | "replay";
  runs: Measurement[];
}

function machine(): string[] {
  const cpus = os.cpus();
  return [
    `- machine: ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.platform()} ${os.release()}`,
    `- node ${process.version}, recorded ${new Date().toISOString().slice(0, 10)}`,
    `- load average (1 min) before / after the runs: ${loadBefore.toFixed(1)} / ${os.loadavg()[0].toFixed(1)} (above 0 means other processes shared the cores: expect noise)`,
  ];
}

function section(options: Options, rows: Row[], baseline: Measurement): string {
  const lines = [
    `## ${SECTION.title}`,
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
  );
  return lines.join("\n");
}

/** Replaces this section between its markers, or appends it; other sections stay as they are. */
async function writeResults(body: string): Promise<void> {
  const begin = `<!-- bench:${SECTION.id}:begin -->`;
  const end = `<!-- bench:${SECTION.id}:end -->`;
  const block = `${begin}\n${body}\n${end}`;
  const current = await readFile(RESULTS, "utf8").catch(
    () =>
      "# Benchmark results\n\nRecorded by `npm run bench` (bench/run.ts). Each section sits between its own begin/end markers and is replaced only by the run that owns it.\n",
  );
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from !== -1 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${block}\n`;
  await writeFile(RESULTS, next);
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "--child") return child(argv[1], argv[2]);
  const options = parseArgs(argv);
  const data = await ensureData(options);
  loadBefore = os.loadavg()[0];
  const baseline = await runChild("baseline", data[0].file, options);
  const rows: Row[] = [];
  for (const d of data) {
    for (const mode of ["decode", "replay"] as const) {
      const row: Row = { data: d, mode, runs: [] };
      for (let run = 1; run <= options.runs; run++) {
        const m = await runChild(mode, d.file, options);
        if (m.spans !== d.spans)
          throw new Error(`${mode} of ${d.file} read ${m.spans} spans, expected ${d.spans}`);
        if (m.problems)
          process.stderr.write(`warning: ${mode} of ${d.file} reported ${m.problems} problems\n`);
        process.stderr.write(
          `${d.label} ${mode} run ${run}: ${fmt(rate(m))} spans/s, ${m.seconds.toFixed(2)} s, peak RSS ${mib(m.maxRssBytes)} MiB\n`,
        );
        row.runs.push(m);
      }
      rows.push(row);
    }
  }
  const body = section(options, rows, baseline);
  process.stdout.write(`\n${body}\n`);
  if (options.write) {
    await writeResults(body);
    process.stdout.write(`\nwritten to ${relative(process.cwd(), RESULTS)}\n`);
  } else
    process.stdout.write("\n(not written to bench/RESULTS.md: a quick check; pass --write to record it)\n");
}

await main(process.argv.slice(2));

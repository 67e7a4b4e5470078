/**
 * Scale sections of `npm run bench` (issues 8.6, 15.1, 15.2; bench/run.ts calls them):
 * - `units`: analysis of the same number of spans with 10, 100, 1,000 and 10,000 distinct units
 *   (time and peak RSS; aim: 10,000 units within 1.5× of 1,000);
 * - `analyse-memory`: peak RSS of the analysis at 0.1×, 1× and 5× the span count (100k, 1M, 5M at full
 *   size; aim: flat within 15%);
 * - `plan-traces`: `plan()` at 1,000 units × the planning traces and 10× as many (100k and 1M at full
 *   size; aim: under 10× the time), with the plan data's size per trace.
 * Spans come from the planning bench's synthetic system (bench/plan-scale.ts `system`, `traceSpans`),
 * made in the child one trace at a time and dropped once analysed, so the child's peak RSS is the
 * analysis's own. Each measurement runs in its own child process (`--child scale-…`).
 */
import { buildCallTree } from "../src/assemble/call-tree.ts";
import { seededRandom } from "../src/random.ts";

export interface ScaleMeasurement {
  units: number;
  spans: number;
  traces: number;
  /** Analysis (call trees, Analyser.add, finish, the JSON report), without making the spans. */
  seconds: number;
  finishSeconds: number;
  maxRssBytes: number;
  /** plan-traces only: plan() alone, RSS before it, plan data bytes per trace (heap and array-buffer growth). */
  planSeconds?: number;
  rssBeforePlanBytes?: number;
  planDataBytesPerTrace?: number;
}

const edgesFor = (units: number) => Math.min((units * (units - 1)) / 2, 10 * units);

/** The spans of the synthetic system as call trees, one at a time, until `spans` are made. */
async function* trees(units: number, spans: number, seed: number, traces = Number.POSITIVE_INFINITY) {
  const { system, traceSpans } = await import("./plan-scale.ts");
  const random = seededRandom(seed);
  const o = { units, edges: edgesFor(units), traces: Number.isFinite(traces) ? traces : spans, seed };
  const sys = system(random, o);
  let made = 0;
  for (let n = 0; made < spans && n < traces; n++) {
    const trace = traceSpans(n, random, sys, o.traces);
    made += trace.spans.length;
    yield buildCallTree({
      key: trace.traceId,
      traceIds: [trace.traceId],
      spans: trace.spans,
      cut: "flush",
      partial: false,
      duplicates: 0,
    });
  }
}

/** Child: analysis of `spans` spans over `units` units, as `nanofuse analyse --format json` does. */
async function analyseChild(units: number, spans: number, seed: number): Promise<ScaleMeasurement> {
  const { Analyser } = await import("../src/analyse/analyser.ts");
  const report = await import("../src/analyse/report.ts");
  (globalThis as { gc?: () => void }).gc?.();
  const analyser = new Analyser();
  let seconds = 0;
  let count = 0;
  let traces = 0;
  for await (const tree of trees(units, spans, seed)) {
    const started = performance.now();
    analyser.add(tree);
    seconds += performance.now() - started;
    count += tree.nodes.size;
    traces++;
  }
  const started = performance.now();
  const result = analyser.finish();
  const doc = {
    summary: report.analysisSummary(result),
    edges: report.edgeReports(result),
    units: report.unitReports(result),
    operations: report.operationReports(result),
  };
  JSON.stringify(doc);
  const finishSeconds = (performance.now() - started) / 1000;
  return {
    units: doc.summary.units,
    spans: count,
    traces,
    seconds: seconds / 1000 + finishSeconds,
    finishSeconds,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * A GC, a pause and another: array buffers dropped by the first are released by V8 in the background,
 * so without the pause `arrayBuffers` still counts the columns' outgrown copies.
 */
async function settled(gc: (() => void) | undefined): Promise<void> {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc?.();
}

/** Child: `plan()` at `units` units × `traces` traces, as `nanofuse plan` runs it. */
async function planChild(units: number, traces: number, seed: number): Promise<ScaleMeasurement> {
  const { Analyser } = await import("../src/analyse/analyser.ts");
  const { edgeReports } = await import("../src/analyse/report.ts");
  const { defaultCatalog } = await import("../src/plan/catalog.ts");
  const { PlanData } = await import("../src/plan/plan-data.ts");
  const { plan } = await import("../src/plan/planner.ts");
  const gc = (globalThis as { gc?: () => void }).gc;
  await settled(gc);
  // The heap and array buffers together: typed-array columns live outside the JS heap.
  const held = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const heapBefore = held();
  const data = new PlanData();
  let analyser: InstanceType<typeof Analyser> | undefined = new Analyser({
    windowUs: Number.MAX_SAFE_INTEGER,
  });
  let spans = 0;
  let started = performance.now();
  const { system, traceSpans } = await import("./plan-scale.ts");
  const random = seededRandom(seed);
  const sys = system(random, { units, edges: 10 * units, traces, seed });
  for (let n = 0; n < traces; n++) {
    const trace = traceSpans(n, random, sys, traces);
    spans += trace.spans.length;
    const tree = buildCallTree({
      key: trace.traceId,
      traceIds: [trace.traceId],
      spans: trace.spans,
      cut: "flush",
      partial: false,
      duplicates: 0,
    });
    analyser.add(tree);
    data.add(tree);
  }
  const edges = edgeReports(analyser.finish());
  const buildSeconds = (performance.now() - started) / 1000;
  // What planning holds: the plan data and the edge reports, the analyser's windows dropped.
  analyser = undefined;
  await settled(gc);
  const heapAfterBuild = held();
  const rssBeforePlanBytes = process.memoryUsage().rss;
  started = performance.now();
  plan(data, edges, defaultCatalog(), undefined, {});
  const planSeconds = (performance.now() - started) / 1000;
  return {
    units: data.units.names.length,
    spans,
    traces,
    seconds: buildSeconds,
    finishSeconds: 0,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    planSeconds,
    rssBeforePlanBytes,
    // Heap and array-buffer growth over the build with the analyser dropped: the plan data and the edge reports (per edge).
    planDataBytesPerTrace: (heapAfterBuild - heapBefore) / traces,
  };
}

export async function scaleChild(mode: string, args: string[]): Promise<void> {
  const [a, b, seed] = args.map(Number);
  const m =
    mode === "scale-analyse"
      ? await analyseChild(a, b, seed)
      : mode === "scale-plan"
        ? await planChild(a, b, seed)
        : undefined;
  if (!m) throw new Error(`unknown child mode ${mode}`);
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Sections

export type RunScaleChild = (mode: string, args: string[]) => Promise<ScaleMeasurement>;

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const secs = (s: number) => s.toFixed(s < 10 ? 2 : 1);
const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;

async function runs(run: RunScaleChild, mode: string, args: number[], count: number, label: string) {
  const out: ScaleMeasurement[] = [];
  for (let i = 1; i <= count; i++) {
    const m = await run(mode, args.map(String));
    process.stderr.write(
      `${label} run ${i}: ${secs(m.planSeconds ?? m.seconds)} s, peak RSS ${mib(m.maxRssBytes)} MiB\n`,
    );
    out.push(m);
  }
  // Best by time; RSS of every run is reported beside it.
  return out.reduce((x, y) => ((y.planSeconds ?? y.seconds) < (x.planSeconds ?? x.seconds) ? y : x));
}

export const UNIT_COUNTS = [10, 100, 1000, 10_000];

export async function unitsSection(
  title: string,
  machine: () => string[],
  o: { spans: number; runs: number; seed: number },
  run: RunScaleChild,
): Promise<string> {
  const rows: ScaleMeasurement[] = [];
  // Interleaved by run, so that a change of machine load hits every unit count alike.
  for (const units of UNIT_COUNTS)
    rows.push(await runs(run, "scale-analyse", [units, o.spans, o.seed], o.runs, `units ${units}`));
  const k = rows[UNIT_COUNTS.indexOf(1000)];
  const lines = [
    `## ${title}`,
    "",
    ...machine(),
    `- input: ${fmt(o.spans)} spans of the planning bench's synthetic system (bench/plan-scale.ts, seed ${o.seed}) with the given number of units and 10 call edges per unit, made in the child one trace at a time`,
    "- analysis: call trees, `Analyser.add`, `finish()` (cold starts, totals, service graph with betweenness: exact up to 1,000 units, sampled from 1,000 sources above, ±0.043 at 95%) and the JSON report; time excludes making the spans; best of " +
      `${o.runs} runs; peak RSS is the child's maxRSS`,
    "- aim (issue 8.6): 10,000 units within 1.5× the time and memory of 1,000 units",
    "",
    "| units | spans | traces | analysis s | of which finish + report s | peak RSS MiB | time vs 1,000 units | RSS vs 1,000 units |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (m) =>
        `| ${fmt(m.units)} | ${fmt(m.spans)} | ${fmt(m.traces)} | ${secs(m.seconds)} | ${secs(m.finishSeconds)} | ${mib(m.maxRssBytes)} | ${ratio(m.seconds, k.seconds)} | ${ratio(m.maxRssBytes, k.maxRssBytes)} |`,
    ),
  ];
  return lines.join("\n");
}

export async function analyseMemorySection(
  title: string,
  machine: () => string[],
  o: { spans: number; runs: number; seed: number },
  run: RunScaleChild,
): Promise<string> {
  const sizes = [o.spans / 10, o.spans, 5 * o.spans].map(Math.round);
  const rows: ScaleMeasurement[] = [];
  for (const spans of sizes)
    rows.push(await runs(run, "scale-analyse", [1000, spans, o.seed], o.runs, `analyse ${spans} spans`));
  const lines = [
    `## ${title}`,
    "",
    ...machine(),
    `- input: spans of the planning bench's synthetic system (bench/plan-scale.ts, seed ${o.seed}), 1,000 units, made in the child one trace at a time; the reference is the smallest run`,
    "- aim (issue 15.1): peak RSS of the analysis flat within 15% from the smallest to the largest input",
    "",
    "| spans | traces | analysis s | peak RSS MiB | RSS vs smallest |",
    "|---:|---:|---:|---:|---:|",
    ...rows.map(
      (m) =>
        `| ${fmt(m.spans)} | ${fmt(m.traces)} | ${secs(m.seconds)} | ${mib(m.maxRssBytes)} | ${ratio(m.maxRssBytes, rows[0].maxRssBytes)} |`,
    ),
  ];
  return lines.join("\n");
}

export async function planTracesSection(
  title: string,
  machine: () => string[],
  o: { traces: number; runs: number; seed: number },
  run: RunScaleChild,
): Promise<string> {
  const sizes = [o.traces, 10 * o.traces];
  const rows: ScaleMeasurement[] = [];
  for (const traces of sizes)
    rows.push(await runs(run, "scale-plan", [1000, traces, o.seed], o.runs, `plan ${traces} traces`));
  const lines = [
    `## ${title}`,
    "",
    ...machine(),
    `- input: the planning bench's synthetic system (bench/plan-scale.ts, seed ${o.seed}), 1,000 units, 10,000 call edges, the catalog's defaults; the reference is the smaller run`,
    "- `plan()` as `nanofuse plan` calls it, with its defaults; build: call trees, `PlanData.add` and `Analyser.add` as the replay feeds them (not planning)",
    "- plan data per trace: V8 heap and array-buffer growth over the build (typed-array columns are outside the heap), after a GC with the analyser dropped, per trace (the edge reports, per edge, are included and small)",
    "- aim (issue 15.2): `plan()` at 10× the traces under 10× the time",
    "",
    "| traces | spans | build s | `plan()` s | `plan()` vs smaller | RSS before `plan()` MiB | peak RSS MiB | plan data bytes per trace |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (m) =>
        `| ${fmt(m.traces)} | ${fmt(m.spans)} | ${secs(m.seconds)} | ${secs(m.planSeconds ?? 0)} | ${ratio(m.planSeconds ?? 0, rows[0].planSeconds ?? 1)} | ${mib(m.rssBeforePlanBytes ?? 0)} | ${mib(m.maxRssBytes)} | ${fmt(m.planDataBytesPerTrace ?? 0)} |`,
    ),
  ];
  return lines.join("\n");
}

/**
 * Planning at scale (issue 5): `npx tsx bench/plan-scale.ts [--units 1000] [--edges 10000]
 * [--traces 100000] [--seed 42]` prints the measurement as JSON; `npm run bench` runs the same in a
 * child process (bench/run.ts, `--only planning`) and records it in bench/RESULTS.md.
 *
 * Builds a synthetic system, deterministic for the seed: units in teams of 20 that mostly call within
 * their team, `edges` directed call edges (10% asynchronous only), per edge a network time of 0.3–3 ms,
 * per unit 0.2–5 ms of own time. Each trace starts at a random unit and walks its out-edges to depth 4,
 * 1–3 calls per span (1.5 on average), in sequence or (30%) in parallel; traces are spread over one
 * hour. The spans go through the pipeline `nanofuse plan` feeds (buildCallTree, PlanData, Analyser,
 * edgeReports); that build is timed on its own and is not planning. Then, timed, per scenario of
 * `PLAN_SCENARIOS` (the same data, one after the other):
 * - `plan()` as `nanofuse plan` calls it (search with `makeEvaluator` on 2,000 sampled traces, what-if
 *   of the current and the proposed clustering on all traces with 200 bootstrap resamples, evidence),
 *   wall and CPU time;
 * - the same `search()` once more, set up as planner.ts does, for the number of evaluations that
 *   `plan()` does not report (checked to reach the same clustering with the same steps);
 * and one `whatIf()` of the last proposed clustering on all traces.
 */
import { fileURLToPath } from "node:url";
import { Analyser } from "../src/analyse/analyser.ts";
import { type EdgeReport, edgeReports } from "../src/analyse/report.ts";
import { buildCallTree } from "../src/assemble/call-tree.ts";
import type { Catalog } from "../src/model/catalog.ts";
import type { Span, SpanKind } from "../src/model/span.ts";
import { defaultCatalog } from "../src/plan/catalog.ts";
import { canonical, complete } from "../src/plan/clustering.ts";
import { makeEvaluator } from "../src/plan/objective.ts";
import { PlanData } from "../src/plan/plan-data.ts";
import { DEFAULT_PLAN_OPTIONS, plan } from "../src/plan/planner.ts";
import type { Proposal } from "../src/plan/proposal.ts";
import { DEFAULT_SEARCH_OPTIONS, search } from "../src/plan/search.ts";
import { whatIf } from "../src/plan/what-if.ts";
import { seededRandom } from "../src/random.ts";

export interface PlanScaleOptions {
  units: number;
  edges: number;
  traces: number;
  seed: number;
}

export const DEFAULT_PLAN_SCALE: PlanScaleOptions = { units: 1000, edges: 10_000, traces: 100_000, seed: 42 };

/**
 * `plan()` as `nanofuse plan` runs it, whose minimum gain (1% of the current mean latency) no single
 * step reaches in this system, so its search stops early; and with a minimum gain of 1 µs of mean
 * latency, so that the search goes on until its own limits (50 moves, 400 evaluations) stop it.
 */
export const PLAN_SCENARIOS = [
  { id: "defaults", minGain: undefined },
  { id: "min gain 0.001", minGain: 0.001 },
] as const;

export const TEAM = 20;
export const PYTHON_EVERY = 10;
export const PIN_EVERY = 97;
export const MAX_GROUP_SIZE = 8;

export interface PlanRun {
  scenario: string;
  seconds: number;
  /** user + system CPU time of the process during `plan()` (GC helper threads included). */
  cpuSeconds: number;
  moves: number;
  kinds: Record<"merge" | "move" | "split", number>;
  groupsBefore: number;
  groupsAfter: number;
  contentHash: string;
  meanUsBefore: number;
  meanUsAfter: number;
  p95UsBefore: number;
  p95UsAfter: number;
  /** The search again, alone. */
  searchSeconds: number;
  evaluations: number;
  minGain: number;
  communities: number;
  sameStepsAsPlan: boolean;
}

export interface PlanScaleMeasurement {
  /** What the run was set up with, for the report. */
  setup: {
    team: number;
    pythonEvery: number;
    pinEvery: number;
    maxGroupSize: number;
    sampleTraces: number;
    resamples: number;
    maxMoves: number;
    maxEvaluations: number;
  };
  units: number;
  /** Call edges of the synthetic system, and the edges (all, synchronous) the analysis reports. */
  systemEdges: number;
  edges: number;
  syncEdges: number;
  traces: number;
  spans: number;
  buildSeconds: number;
  /** After the build (and a GC), before planning. */
  /** V8 heap used after the build (and a GC) while the Analyser is still referenced, and without it. */
  heapUsedWithAnalyserBytes: number;
  heapUsedAfterBuildBytes: number;
  /** After the build and a GC, the Analyser dropped, before planning. */
  rssAfterBuildBytes: number;
  plans: PlanRun[];
  whatIf: { seconds: number; traces: number; secondsPer100kTraces: number; resamples: number };
  maxRssBytes: number;
}

const elapsed = (since: number) => (performance.now() - since) / 1000;
const cpuSecondsSince = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

const BASE_US = 1_704_067_200_000_000;
const HOUR_US = 3_600_000_000;

interface Edge {
  to: number;
  netUs: number;
  async: boolean;
}

export function system(random: () => number, o: PlanScaleOptions) {
  const names = Array.from({ length: o.units }, (_, i) => `fn-${String(i).padStart(4, "0")}`);
  const selfUs = Array.from({ length: o.units }, () => 200 + Math.floor(random() * 4800));
  const out: Edge[][] = names.map(() => []);
  const seen = new Set<number>();
  let count = 0;
  while (count < o.edges) {
    const a = Math.floor(random() * o.units);
    const team = Math.floor(a / TEAM);
    const b =
      random() < 0.8
        ? Math.min(o.units - 1, team * TEAM + Math.floor(random() * TEAM))
        : Math.floor(random() * o.units);
    if (a === b || seen.has(a * o.units + b)) continue;
    seen.add(a * o.units + b);
    out[a].push({ to: b, netUs: 300 + Math.floor(random() * 2700), async: random() < 0.1 });
    count++;
  }
  return { names, selfUs, out };
}

export function traceSpans(
  n: number,
  random: () => number,
  sys: ReturnType<typeof system>,
  traces: number,
): { traceId: string; spans: Span[] } {
  const traceId = (n + 1).toString(16).padStart(32, "0");
  const spans: Span[] = [];
  const span = (unit: number, kind: SpanKind, startUs: number, parentSpanId?: string): Span => {
    const s: Span = {
      traceId,
      spanId: `${(n + 1).toString(16).padStart(8, "0")}${spans.length.toString(16).padStart(8, "0")}`,
      name: `${kind} ${sys.names[unit]}`,
      kind,
      startUs,
      endUs: startUs,
      unit: sys.names[unit],
      status: "unset",
      attributes: {},
      resource: { "service.name": sys.names[unit] },
    };
    if (parentSpanId !== undefined) s.parentSpanId = parentSpanId;
    spans.push(s);
    return s;
  };
  const jitter = () => 0.8 + 0.4 * random();
  /** A server (or consumer) span of `unit` from `start`, its calls, and its end. */
  const serve = (
    unit: number,
    kind: SpanKind,
    start: number,
    parent: string | undefined,
    depth: number,
  ): number => {
    const server = span(unit, kind, start, parent);
    const half = Math.round((sys.selfUs[unit] * jitter()) / 2);
    let t = start + half;
    const edges = sys.out[unit];
    if (depth < 4 && edges.length > 0) {
      const count = 1 + (random() < 0.4 ? 1 : 0) + (random() < 0.1 ? 1 : 0);
      const calls = Array.from({ length: count }, () => edges[Math.floor(random() * edges.length)]);
      const parallel = random() < 0.3;
      let latest = t;
      for (const edge of calls) {
        const net = Math.round(edge.netUs * jitter());
        if (edge.async) {
          const producer = span(unit, "producer", t, server.spanId);
          producer.endUs = t + 20;
          serve(edge.to, "consumer", t + net, producer.spanId, depth + 1);
          continue;
        }
        const client = span(unit, "client", t, server.spanId);
        const end =
          serve(edge.to, "server", t + Math.round(net / 2), client.spanId, depth + 1) +
          (net - Math.round(net / 2));
        client.endUs = end;
        latest = Math.max(latest, end);
        if (!parallel) t = end + 10;
      }
      t = Math.max(t, latest);
    }
    server.endUs = t + half;
    return server.endUs;
  };
  const root = Math.floor(random() * sys.names.length);
  serve(root, "server", BASE_US + Math.floor((n * HOUR_US) / traces), undefined, 0);
  return { traceId, spans };
}

/** The synthetic traces through the pipeline `nanofuse plan` uses, and the catalog of the run. */
export interface PlanningInput {
  data: PlanData;
  edges: EdgeReport[];
  catalog: Catalog;
  spans: number;
}

export function buildPlanningInput(o: PlanScaleOptions): PlanningInput & { analyser: Analyser } {
  const random = seededRandom(o.seed);
  const sys = system(random, o);
  const data = new PlanData();
  const analyser = new Analyser();
  let spans = 0;
  for (let n = 0; n < o.traces; n++) {
    const trace = traceSpans(n, random, sys, o.traces);
    spans += trace.spans.length;
    const tree = buildCallTree({
      key: trace.traceId,
      traceIds: [trace.traceId],
      spans: trace.spans,
      cut: "flush",
      partial: false,
      duplicates: 0,
    });
    data.add(tree);
    analyser.add(tree);
  }
  const edges = edgeReports(analyser.finish());
  const catalog: Catalog = defaultCatalog();
  sys.names.forEach((name, i) => {
    if (i % PYTHON_EVERY === 0) catalog.units[name] = { ...catalog.defaults, runtime: "python3.12" };
  });
  catalog.constraints.maxGroupSize = MAX_GROUP_SIZE;
  catalog.constraints.pinned = sys.names.filter((_, i) => i % PIN_EVERY === 0);
  return { data, edges, catalog, spans, analyser };
}

/** `plan()` timed, then its search again for the evaluations. */
function measurePlan(
  input: PlanningInput,
  scenario: (typeof PLAN_SCENARIOS)[number],
): { run: PlanRun; proposal: Proposal } {
  const { data, edges, catalog } = input;
  (globalThis as { gc?: () => void }).gc?.();
  let started = performance.now();
  const cpu = process.cpuUsage();
  const proposal = plan(data, edges, catalog, undefined, { minGain: scenario.minGain });
  const seconds = elapsed(started);
  const cpuSeconds = cpuSecondsSince(cpu);

  started = performance.now();
  const p = DEFAULT_PLAN_OPTIONS;
  const units = [...data.units.names].sort();
  const current = complete(canonical(data.recordedClustering()), units);
  const evaluate = makeEvaluator(data, catalog, {
    weights: p.weights,
    inProcessUs: p.inProcessUs,
    sampleTraces: p.sampleTraces,
  });
  const minGain = scenario.minGain ?? (0.01 * p.weights.latencyPerMs * evaluate(current).meanUs) / 1000;
  const result = search(current, units, edges, catalog, evaluate, { minGain, seed: p.seed });
  const searchSeconds = elapsed(started);

  const kinds = { merge: 0, move: 0, split: 0 };
  for (const m of proposal.merges) kinds[m.kind]++;
  const { baseline, proposed } = proposal.predicted;
  const run: PlanRun = {
    scenario: scenario.id,
    seconds,
    cpuSeconds,
    moves: proposal.merges.length,
    kinds,
    groupsBefore: proposal.current.length,
    groupsAfter: proposal.groups.length,
    contentHash: proposal.contentHash.slice(0, 12),
    meanUsBefore: baseline.meanUs,
    meanUsAfter: proposed.meanUs,
    p95UsBefore: baseline.p95Us,
    p95UsAfter: proposed.p95Us,
    searchSeconds,
    evaluations: result.evaluations,
    minGain,
    communities: result.communities,
    sameStepsAsPlan:
      JSON.stringify(result.clustering) === JSON.stringify(proposal.groups) &&
      result.moves.length === proposal.merges.length &&
      result.moves.every((m, i) => m.kind === proposal.merges[i].kind && m.gain === proposal.merges[i].gain),
  };
  return { run, proposal };
}

export function measurePlanning(options: Partial<PlanScaleOptions> = {}): PlanScaleMeasurement {
  const o = { ...DEFAULT_PLAN_SCALE, ...options };
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  let started = performance.now();
  let built: ReturnType<typeof buildPlanningInput> | undefined = buildPlanningInput(o);
  const buildSeconds = elapsed(started);
  gc?.();
  const heapUsedWithAnalyser = process.memoryUsage().heapUsed;
  const input: PlanningInput = {
    data: built.data,
    edges: built.edges,
    catalog: built.catalog,
    spans: built.spans,
  };
  built = undefined;
  gc?.();
  const memory = process.memoryUsage();
  const { data, edges, catalog, spans } = input;

  const plans: PlanRun[] = [];
  let last: Proposal | undefined;
  for (const scenario of PLAN_SCENARIOS) {
    const { run, proposal } = measurePlan(input, scenario);
    plans.push(run);
    last = proposal;
  }

  // One what-if on all traces, as plan() runs two.
  const p = DEFAULT_PLAN_OPTIONS;
  gc?.();
  started = performance.now();
  whatIf(data, last?.groups ?? [], catalog, {
    inProcessUs: p.inProcessUs,
    resamples: p.resamples,
    seed: p.seed,
  });
  const whatIfSeconds = elapsed(started);

  return {
    setup: {
      team: TEAM,
      pythonEvery: PYTHON_EVERY,
      pinEvery: PIN_EVERY,
      maxGroupSize: MAX_GROUP_SIZE,
      sampleTraces: p.sampleTraces,
      resamples: p.resamples,
      maxMoves: DEFAULT_SEARCH_OPTIONS.maxMoves,
      maxEvaluations: DEFAULT_SEARCH_OPTIONS.maxEvaluations,
    },
    units: data.units.names.length,
    systemEdges: o.edges,
    edges: edges.length,
    syncEdges: edges.filter((e) => e.calls > e.asyncCalls).length,
    traces: data.traces.count,
    spans,
    buildSeconds,
    heapUsedWithAnalyserBytes: heapUsedWithAnalyser,
    heapUsedAfterBuildBytes: memory.heapUsed,
    rssAfterBuildBytes: memory.rss,
    plans,
    whatIf: {
      seconds: whatIfSeconds,
      traces: data.traces.count,
      secondsPer100kTraces: (whatIfSeconds * 100_000) / data.traces.count,
      resamples: p.resamples,
    },
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

function parseArgs(argv: string[]): PlanScaleOptions {
  const o: PlanScaleOptions = { ...DEFAULT_PLAN_SCALE };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    const value = Number(argv[++i]);
    if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
    if (name === "units" || name === "edges" || name === "traces" || name === "seed") o[name] = value;
    else throw new Error(`unknown option --${name}`);
  }
  return o;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  process.stdout.write(`${JSON.stringify(measurePlanning(parseArgs(process.argv.slice(2))), null, 2)}\n`);

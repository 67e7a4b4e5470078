/**
 * Planning time at scale with the real evaluator: `npx tsx bench/plan-scale.ts [--units 1000]
 * [--edges 10000] [--traces 100000] [--seed 42] [--min-gain <score units>]`.
 *
 * Generates a synthetic system (deterministic for the seed): units in teams of 20 that mostly call
 * within their team, `edges` directed call edges (10% asynchronous only), per edge a network time of
 * 0.3–3 ms, per unit 0.2–5 ms of own time. Each trace starts at a random unit and walks its out-edges
 * to depth 4, 1–3 calls per span (1.5 on average), in sequence or (30%) in parallel; traces are spread over one hour.
 * Spans go through the real pipeline (buildCallTree, PlanData, Analyser, edgeReports), then
 * search() runs with makeEvaluator (2,000 sampled traces). Prints one JSON object per stage with
 * seconds; writes nothing.
 */
import { Analyser } from "../src/analyse/analyser.ts";
import { edgeReports } from "../src/analyse/report.ts";
import { buildCallTree } from "../src/assemble/call-tree.ts";
import type { Span, SpanKind } from "../src/model/span.ts";
import { seededRandom } from "../src/plan/bootstrap.ts";
import { defaultCatalog } from "../src/plan/catalog.ts";
import { complete, groupIndex } from "../src/plan/clustering.ts";
import { baseCostPerHour } from "../src/plan/cost/base-cost.ts";
import { coldStartCount } from "../src/plan/cost/cold-starts.ts";
import { splitNetworkByUnit } from "../src/plan/cost/in-process-call.ts";
import { isSingleWorker } from "../src/plan/cost/parallelism.ts";
import { DEFAULT_WEIGHTS, type Evaluator, makeEvaluator } from "../src/plan/objective.ts";
import { PlanData } from "../src/plan/plan-data.ts";
import type { RetimeModel } from "../src/plan/retime.ts";
import { type SearchEdge, search } from "../src/plan/search.ts";
import { predictLatencies } from "../src/plan/what-if.ts";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const UNITS = option("units", 1000);
const EDGES = option("edges", 10_000);
const TRACES = option("traces", 100_000);
const SEED = option("seed", 42);
const MIN_GAIN = process.argv.includes("--min-gain") ? option("min-gain", 0) : undefined;
const BASE_US = 1_704_067_200_000_000;
const HOUR_US = 3_600_000_000;

const seconds = (since: number) => Math.round((performance.now() - since) / 10) / 100;
const print = (stage: string, figures: Record<string, unknown>) =>
  console.log(JSON.stringify({ stage, ...figures }));

interface Edge {
  to: number;
  netUs: number;
  async: boolean;
}

function system(random: () => number) {
  const names = Array.from({ length: UNITS }, (_, i) => `fn-${String(i).padStart(4, "0")}`);
  const selfUs = Array.from({ length: UNITS }, () => 200 + Math.floor(random() * 4800));
  const out: Edge[][] = names.map(() => []);
  const seen = new Set<number>();
  let count = 0;
  while (count < EDGES) {
    const a = Math.floor(random() * UNITS);
    const team = Math.floor(a / 20);
    const b =
      random() < 0.8
        ? Math.min(UNITS - 1, team * 20 + Math.floor(random() * 20))
        : Math.floor(random() * UNITS);
    if (a === b || seen.has(a * UNITS + b)) continue;
    seen.add(a * UNITS + b);
    out[a].push({ to: b, netUs: 300 + Math.floor(random() * 2700), async: random() < 0.1 });
    count++;
  }
  return { names, selfUs, out };
}

function traceSpans(
  n: number,
  random: () => number,
  sys: ReturnType<typeof system>,
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
  const root = Math.floor(random() * UNITS);
  serve(root, "server", BASE_US + Math.floor((n * HOUR_US) / TRACES), undefined, 0);
  return { traceId, spans };
}

const random = seededRandom(SEED);
const sys = system(random);

let t = performance.now();
const data = new PlanData();
const analyser = new Analyser();
let spanCount = 0;
for (let n = 0; n < TRACES; n++) {
  const { traceId, spans } = traceSpans(n, random, sys);
  spanCount += spans.length;
  const tree = buildCallTree({
    key: traceId,
    traceIds: [traceId],
    spans,
    cut: "flush",
    partial: false,
    duplicates: 0,
  });
  data.add(tree);
  analyser.add(tree);
}
const edges: SearchEdge[] = edgeReports(analyser.finish()).map((e) => ({
  from: e.from,
  to: e.to,
  calls: e.calls,
  asyncCalls: e.asyncCalls,
  criticalPathNetworkUs: e.criticalPathNetworkUs,
}));
print("traces", {
  seconds: seconds(t),
  traces: TRACES,
  spans: spanCount,
  units: data.units.names.length,
  edges: edges.length,
  syncEdges: edges.filter((e) => e.calls > e.asyncCalls).length,
});

const catalog = defaultCatalog();
sys.names.forEach((name, i) => {
  if (i % 10 === 0) catalog.units[name] = { ...catalog.defaults, runtime: "python3.12" };
});
catalog.constraints.maxGroupSize = 8;
catalog.constraints.pinned = sys.names.filter((_, i) => i % 97 === 0);
const units = [...data.units.names].sort();
const current = units.map((u) => [u]);

t = performance.now();
const real = makeEvaluator(data, catalog, { inProcessUs: 50 });
print("evaluator", { seconds: seconds(t) });

/** Runs the search with an evaluator, timing the evaluator's share. */
function run(name: string, evaluate: Evaluator) {
  let evalMs = 0;
  const timed: Evaluator = (clustering) => {
    const start = performance.now();
    const score = evaluate(clustering);
    evalMs += performance.now() - start;
    return score;
  };
  const start = performance.now();
  const result = search(current, units, edges, catalog, timed, { seed: 1, minGain: MIN_GAIN });
  print(name, {
    seconds: seconds(start),
    evaluatorSeconds: Math.round(evalMs / 10) / 100,
    evaluations: result.evaluations,
    secondsPerEvaluation: result.evaluations ? Math.round(evalMs / result.evaluations) / 1000 : 0,
    moves: result.moves.length,
    kinds: Object.fromEntries(
      ["merge", "move", "split"].map((kind) => [kind, result.moves.filter((m) => m.kind === kind).length]),
    ),
    communities: result.communities,
    minGain: result.minGain,
    scoreBefore: result.initial.score,
    scoreAfter: result.final.score,
    meanUsBefore: result.initial.meanUs,
    meanUsAfter: result.final.meanUs,
    bestGain: Math.max(0, ...result.moves.map((m) => m.gain)),
  });
  return result;
}

const withReal = run("search (makeEvaluator as it is)", real);

/**
 * The same objective with the work that does not depend on the clustering done once (the split
 * network time per unit, medians over every recorded hop) and cold starts memoised per group (a step
 * changes one or two groups). Not used by the product: it measures what that change to
 * objective.ts/what-if.ts would save, and checks that it gives the same scores.
 */
function cachedEvaluator(): Evaluator {
  const all = data.sortedTraces();
  const step = all.length / Math.min(all.length, 2000);
  const sample = Array.from({ length: Math.min(all.length, 2000) }, (_, i) => all[Math.floor(i * step)]);
  const names = data.units.names;
  const splitNetworkUs = splitNetworkByUnit(data.hopNetwork, names.length);
  const coldByGroup = new Map<string, number>();
  return (clustering) => {
    const full = complete(clustering, names);
    const index = groupIndex(full);
    const model: RetimeModel = {
      groupOf: Int32Array.from(names, (name) => index.get(name) as number),
      singleWorker: Uint8Array.from(full, (group) => (isSingleWorker(catalog, group) ? 1 : 0)),
      inProcessUs: 50,
      splitNetworkUs,
    };
    const latencies = predictLatencies(sample, model);
    const meanUs = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0;
    let cold = 0;
    for (const group of full) {
      const key = group.join("\u0000");
      let count = coldByGroup.get(key);
      if (count === undefined) {
        const keepAliveUs =
          Math.min(...group.map((u) => (catalog.units[u] ?? catalog.defaults).keepAliveSeconds)) * 1e6;
        count = coldStartCount(
          group.map((u) => data.invocations[data.units.id(u)]),
          keepAliveUs,
        );
        coldByGroup.set(key, count);
      }
      cold += count;
    }
    const coldPerHour = cold / data.hours();
    const cost = baseCostPerHour(catalog, full);
    const w = DEFAULT_WEIGHTS;
    return {
      score: w.latencyPerMs * (meanUs / 1000) + w.coldStartPerHour * coldPerHour + w.costPerDollarHour * cost,
      meanUs,
      coldStartsPerHour: coldPerHour,
      baseCostPerHour: cost,
    };
  };
}

const cached = cachedEvaluator();
const withCached = run("search (evaluator with invariant work cached)", cached);
const same =
  JSON.stringify(withCached.clustering) === JSON.stringify(withReal.clustering) &&
  JSON.stringify(withCached.moves) === JSON.stringify(withReal.moves);
print("check", { sameResult: same });

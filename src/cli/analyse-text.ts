/**
 * `nanofuse analyse`'s text report. Sums over thousands of traces say little on their own, so every
 * time is shown per request (the sum over the traces' count) and as a share of the p50 and p95
 * end-to-end latency, with the sum beside it; the report ends with what to do next.
 */
import type { AnalysisResult } from "../analyse/analyser.ts";
import {
  analysisSummary,
  type EdgeReport,
  edgeReports,
  operationReports,
  traceReports,
  unitReports,
} from "../analyse/report.ts";
import { formatLocation } from "../errors.ts";
import type { ReplayResult } from "../pipeline/replay.ts";
import { ms, pct, report, table } from "./format.ts";
import { waterfall } from "./waterfall.ts";

export interface AnalyseTextOptions {
  top: number;
  perTrace: boolean;
  /** The command's paths, to spell out the `plan` command that comes next. */
  paths: string[];
}

/** Hops listed under "what to do next": at most this many. */
const NEXT_HOPS = 3;

const n = (value: number) => value.toLocaleString("en-US");

/** A hop fusing can remove: a synchronous call between two instrumented units that costs path time. */
const fusable = (e: EdgeReport) => !e.virtual && e.asyncCalls < e.calls && e.criticalPathNetworkUs > 0;

export function analyseText(result: AnalysisResult, replay: ReplayResult, o: AnalyseTextOptions): string {
  const s = analysisSummary(result);
  const edges = edgeReports(result);
  const units = unitReports(result);
  const perRequest = (sumUs: number) => (s.traces ? sumUs / s.traces : 0);
  /** Per request, then as shares of p50 and p95, then the sum. */
  const figures = (sumUs: number) => [
    ms(perRequest(sumUs)),
    pct(perRequest(sumUs), s.latencyUs.p50),
    pct(perRequest(sumUs), s.latencyUs.p95),
    ms(sumUs),
  ];
  const lines: string[] = [];
  if (o.perTrace) for (const trace of traceReports(result)) lines.push(...waterfall(trace), "");
  lines.push(
    `traces ${n(s.traces)}   spans ${n(s.spans)}   units ${n(s.units)}   hops ${n(s.hops)}   windows ${n(s.windows)}`,
    `end-to-end latency p50 ${ms(s.latencyUs.p50)}   p95 ${ms(s.latencyUs.p95)}   p99 ${ms(s.latencyUs.p99)}   (${n(s.latencyUs.count)} end-to-end durations of ${n(s.traces)} traces, ${s.latencyUs.method === "exact" ? "exact order statistics" : "DDSketch within 1%"})`,
    `per request: ${ms(perRequest(s.rootDurationUs))} end-to-end on average, ${ms(perRequest(s.criticalPathNetworkUs))} of it network on the critical path (${pct(s.criticalPathNetworkUs, s.rootDurationUs)}); over all traces ${ms(s.criticalPathNetworkUs)} of ${ms(s.rootDurationUs)}`,
    "",
    "Times below are per request (the sum over all traces divided by their number), that time as a share",
    "of the p50 and of the p95 end-to-end latency, and the sum over all traces.",
    "",
    "top critical-path units",
    ...table([
      ["unit", "per request", "of p50", "of p95", "sum"],
      ...units.slice(0, o.top).map((u) => [u.unit, ...figures(u.criticalPathUs)]),
    ]),
    "",
    "top critical-path operations",
    ...table([
      ["operation", "per request", "of p50", "of p95", "sum"],
      ...operationReports(result)
        .slice(0, o.top)
        .map((op) => [`${op.unit} ${op.operation}`, ...figures(op.criticalPathUs)]),
    ]),
    "",
    "top hops by critical-path network time",
    ...table([
      ["hop", "calls", "network p50", "on path per request", "of p50", "of p95", "sum"],
      ...edges
        .slice(0, o.top)
        .map((e) => [
          `${e.from} → ${e.to}`,
          n(e.calls),
          ms(e.networkUs.p50),
          ...figures(e.criticalPathNetworkUs),
        ]),
    ]),
  );
  const stragglers = edges
    .filter((e) => e.stragglerCount > 0)
    .sort((a, b) => b.barrierWaitUs - a.barrierWaitUs);
  if (stragglers.length)
    lines.push(
      "",
      "barrier stragglers (fan-out waits)",
      ...table([
        ["hop", "straggled", "wait per request", "of p50", "of p95", "sum"],
        ...stragglers
          .slice(0, o.top)
          .map((e) => [`${e.from} → ${e.to}`, `${n(e.stragglerCount)}×`, ...figures(e.barrierWaitUs)]),
      ]),
    );
  const cold = units.filter((u) => u.coldStarts > 0);
  lines.push("", `cold starts: ${n(s.coldStarts)}`);
  if (cold.length)
    lines.push(
      ...table([
        ["unit", "cold starts", "on path per request", "of p50", "of p95", "sum"],
        ...cold.slice(0, o.top).map((u) => [u.unit, n(u.coldStarts), ...figures(u.coldStartCriticalPathUs)]),
      ]),
    );
  const problems = replay.problems.firstExamples();
  if (problems.length) {
    lines.push("", "input problems (first of each kind; see `nanofuse replay` for counts)");
    for (const p of problems) lines.push(`  ${formatLocation(p.where)}: ${p.code}: ${p.message}`);
  }
  lines.push(
    "",
    ...nextSteps(edges.filter(fusable).slice(0, NEXT_HOPS), perRequest, s.latencyUs.p50, o.paths),
  );
  return report(lines);
}

function nextSteps(
  worth: EdgeReport[],
  perRequest: (sumUs: number) => number,
  p50Us: number,
  paths: string[],
): string[] {
  if (worth.length === 0)
    return [
      "what to do next",
      "  no synchronous hop between instrumented units costs critical-path time here: fusing units would not",
      "  shorten these requests. Look at the top units and operations above instead.",
    ];
  return [
    "what to do next",
    "  the hops worth fusing (synchronous, the most network time on the critical path):",
    ...table(
      worth.map((e) => [
        `${e.from} → ${e.to}`,
        `${ms(perRequest(e.criticalPathNetworkUs))} per request`,
        `${pct(perRequest(e.criticalPathNetworkUs), p50Us)} of p50`,
      ]),
    ).map((line) => `  ${line}`),
    "  see what deploying them together predicts, with its evidence and cost:",
    `    nanofuse plan ${paths.join(" ")} --catalog <your catalog.yaml>`,
  ];
}

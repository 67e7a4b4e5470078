import type { Inventory } from "../analyse/inventory.ts";
import { formatLocation } from "../errors.ts";
import type { ReplayResult } from "../pipeline/replay.ts";
import { ms, report, table } from "./format.ts";

const n = (value: number) => value.toLocaleString("en-US");

/** The `--format json` document. Its `summary` shape is a contract other tools read. */
export function replayJson(inventory: Inventory, result: ReplayResult): string {
  const doc = {
    summary: {
      ...inventory.summary(),
      rejected: result.problems.bySeverity("reject"),
      warnings: result.problems.bySeverity("warn"),
    },
    files: result.files,
    units: inventory.topUnits(),
    edges: inventory.topEdges("calls"),
    problems: result.problems.firstExamples(),
    ...(result.stoppedAt ? { stoppedAt: result.stoppedAt } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function counts(title: string, map: Record<string, number>): string[] {
  const rows = Object.entries(map);
  return rows.length ? [title, ...table(rows.map(([code, count]) => [code, n(count)]))] : [];
}

export function replayText(inventory: Inventory, result: ReplayResult, top: number, seconds: number): string {
  const s = inventory.summary();
  const rate = seconds > 0 ? ` (${n(Math.round(result.spansRead / seconds))} spans/s)` : "";
  const lines = [
    `read ${n(result.files.length)} file(s), ${n(result.spansRead)} spans in ${seconds.toFixed(2)} s${rate}`,
    `traces ${n(s.traces)}   spans ${n(s.spans)}   units ${n(s.units)}   hops ${n(s.hops)}`,
    `partial traces ${n(s.partialTraces)}   duplicate spans ${n(s.duplicateSpans)}   shared client/server spans ${n(s.sharedSpans)}   repeated span ids ${n(s.repeatedSpanIds)}`,
    `orphan spans ${n(s.orphanSpans)}   traces with several roots ${n(s.multiRootTraces)}   hops with clock skew ${n(s.skewedHops)}   estimated hops ${n(s.estimatedHops)}`,
    "",
    "top units by spans",
    ...table(inventory.topUnits(top).map((u) => [u.unit, n(u.spans)])),
  ];
  const edge = (e: ReturnType<Inventory["topEdges"]>[number]) => [
    `${e.from} → ${e.to}${e.virtual ? " (uninstrumented)" : ""}${e.asyncCalls ? " (async)" : ""}`,
    `${n(e.calls)} calls`,
    `network ${ms(e.networkUs)}`,
  ];
  if (s.hops > 0) {
    lines.push("", "top hops by calls", ...table(inventory.topEdges("calls", top).map(edge)));
    lines.push("", "top hops by network time", ...table(inventory.topEdges("networkUs", top).map(edge)));
  }
  const problems = [
    ...counts("rejected input", result.problems.bySeverity("reject")),
    ...counts("warnings", result.problems.bySeverity("warn")),
  ];
  if (problems.length) {
    lines.push("", ...problems, "", "first problems");
    for (const p of result.problems.firstExamples())
      lines.push(`  ${formatLocation(p.where)}: ${p.code}: ${p.message}`);
  }
  if (result.stoppedAt)
    lines.push(
      "",
      `stopped (--strict) at ${formatLocation(result.stoppedAt.where)}: ${result.stoppedAt.code}`,
    );
  return report(lines);
}

/**
 * One trace's critical path as a text waterfall (`analyse --per-trace`): a row per section with its
 * start and length relative to the root, a bar placed on the trace's time line, and who held the
 * trace up then. The sections tile the root, so the bars cover the line end to end.
 */
import { ms } from "./format.ts";

export interface TracePath {
  traceId: string;
  rootSpanId: string;
  orphan?: boolean;
  durationUs: number;
  criticalPath: { spanId: string; unit: string; operation: string; startUs: number; endUs: number }[];
}

/** Columns of the time line. */
export const BAR_WIDTH = 40;

function bar(startUs: number, endUs: number, durationUs: number): string {
  const at = (us: number) => (durationUs > 0 ? Math.round((us / durationUs) * BAR_WIDTH) : 0);
  const from = Math.min(at(startUs), BAR_WIDTH - 1);
  const to = Math.max(from + 1, at(endUs));
  return `|${" ".repeat(from)}${"█".repeat(to - from)}${" ".repeat(BAR_WIDTH - to)}|`;
}

export function waterfall(trace: TracePath): string[] {
  const kind = trace.orphan ? "orphan subtree" : "root";
  const starts = trace.criticalPath.map((s) => ms(s.startUs));
  const lengths = trace.criticalPath.map((s) => ms(s.endUs - s.startUs));
  const width = (column: string[]) => Math.max(0, ...column.map((c) => c.length));
  return [
    `trace ${trace.traceId} ${kind} ${trace.rootSpanId}: ${ms(trace.durationUs)} (start, length, who held it up)`,
    ...trace.criticalPath.map(
      (s, i) =>
        `  ${bar(s.startUs, s.endUs, trace.durationUs)}  ${starts[i].padStart(width(starts))}  ${lengths[i].padStart(width(lengths))}  ${s.unit} ${s.operation}`,
    ),
  ];
}

import { Command, Option } from "commander";
import { Analyser } from "../analyse/analyser.ts";
import { DEFAULT_KEEP_ALIVE_US } from "../analyse/cold-start.ts";
import {
  analysisSummary,
  edgeReports,
  operationReports,
  traceReports,
  unitReports,
} from "../analyse/report.ts";
import { formatLocation } from "../errors.ts";
import type { ReplayResult } from "../pipeline/replay.ts";
import { ms, table } from "./format.ts";
import { addInputOptions, exitCodeOf, type InputOptions, replayInput } from "./input.ts";
import type { CommandState } from "./main.ts";
import { positiveInteger } from "./numbers.ts";
import { addStoreOptions, type StoreOptions, writeWindows } from "./store-option.ts";

interface AnalyseOptions extends InputOptions, StoreOptions {
  perTrace: boolean;
  top: number;
  windowS: number;
  keepAliveS: number;
}

const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "-");

function text(result: ReturnType<Analyser["finish"]>, replay: ReplayResult, top: number): string {
  const s = analysisSummary(result);
  const edges = edgeReports(result);
  const lines = [
    `traces ${s.traces}   spans ${s.spans}   units ${s.units}   hops ${s.hops}   windows ${s.windows}`,
    `end-to-end latency p50 ${ms(s.latencyUs.p50)}   p95 ${ms(s.latencyUs.p95)}   p99 ${ms(s.latencyUs.p99)}`,
    `network on the critical path: ${ms(s.criticalPathNetworkUs)} of ${ms(s.rootDurationUs)} end-to-end (${pct(s.criticalPathNetworkUs, s.rootDurationUs)})`,
    "",
    "top critical-path units",
    ...table(
      unitReports(result)
        .slice(0, top)
        .map((u) => [u.unit, ms(u.criticalPathUs), pct(u.criticalPathUs, s.criticalPathUs)]),
    ),
    "",
    "top critical-path operations",
    ...table(
      operationReports(result)
        .slice(0, top)
        .map((o) => [`${o.unit} ${o.operation}`, ms(o.criticalPathUs)]),
    ),
    "",
    "top hops by critical-path network time",
    ...table(
      edges
        .slice(0, top)
        .map((e) => [
          `${e.from} → ${e.to}`,
          `${e.calls} calls`,
          `p50 ${ms(e.networkUs.p50)}`,
          `on path ${ms(e.criticalPathNetworkUs)}`,
        ]),
    ),
  ];
  const stragglers = edges
    .filter((e) => e.stragglerCount > 0)
    .sort((a, b) => b.barrierWaitUs - a.barrierWaitUs);
  if (stragglers.length) {
    lines.push("", "barrier stragglers (fan-out waits)");
    lines.push(
      ...table(
        stragglers
          .slice(0, top)
          .map((e) => [`${e.from} → ${e.to}`, `${e.stragglerCount}×`, `waited ${ms(e.barrierWaitUs)}`]),
      ),
    );
  }
  const cold = unitReports(result).filter((u) => u.coldStarts > 0);
  lines.push("", `cold starts: ${s.coldStarts}`);
  lines.push(
    ...table(
      cold.slice(0, top).map((u) => [u.unit, `${u.coldStarts}`, `on path ${ms(u.coldStartCriticalPathUs)}`]),
    ),
  );
  const problems = replay.problems.firstExamples();
  if (problems.length) {
    lines.push("", "input problems (first of each kind; see `nanofuse replay` for counts)");
    for (const p of problems) lines.push(`  ${formatLocation(p.where)}: ${p.code}: ${p.message}`);
  }
  return `${lines.join("\n")}\n`;
}

export function analyseCommand(state: CommandState): Command {
  const command = new Command("analyse")
    .alias("analyze")
    .description(
      "Critical paths, hop cost, barrier stragglers, cold starts and the service graph of recorded traces",
    );
  return addStoreOptions(addInputOptions(command))
    .option("--per-trace", "add each trace's critical path", false)
    .addOption(
      new Option("--top <n>", "rows in each top list of the text report")
        .argParser(positiveInteger)
        .default(10),
    )
    .addOption(new Option("--window-s <s>", "aggregation window").argParser(positiveInteger).default(60))
    .addOption(
      new Option("--keep-alive-s <s>", "idle time after which an invocation is a likely cold start")
        .argParser(positiveInteger)
        .default(DEFAULT_KEEP_ALIVE_US / 1e6),
    )
    .action(async (paths: string[], opts: AnalyseOptions) => {
      const analyser = new Analyser({
        windowUs: opts.windowS * 1e6,
        keepAliveUs: () => opts.keepAliveS * 1e6,
        perTrace: opts.perTrace,
      });
      const { result: replay } = await replayInput(paths, opts, (tree) => analyser.add(tree));
      const result = analyser.finish();
      await writeWindows(
        opts,
        replay.files.map((f) => f.file),
        result.windows,
      );
      if (opts.format === "json") {
        const doc = {
          summary: {
            ...analysisSummary(result),
            rejected: replay.problems.bySeverity("reject"),
            warnings: replay.problems.bySeverity("warn"),
          },
          ...(opts.perTrace ? { traces: traceReports(result) } : {}),
          edges: edgeReports(result),
          units: unitReports(result),
          operations: operationReports(result),
        };
        process.stdout.write(`${JSON.stringify(doc)}\n`);
      } else process.stdout.write(text(result, replay, opts.top));
      state.exitCode = exitCodeOf(replay);
    });
}

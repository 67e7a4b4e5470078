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
import { analyseText } from "./analyse-text.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { addInputOptions, exitCodeOf, type InputOptions, replayInput } from "./input.ts";
import { positiveInteger } from "./numbers.ts";
import { addStoreOptions, type StoreOptions, writeWindows } from "./store-option.ts";

interface AnalyseOptions extends InputOptions, StoreOptions {
  perTrace: boolean;
  top: number;
  windowS: number;
  keepAliveS: number;
}

export function analyseCommand(state: CommandState): Command {
  const command = new Command("analyse").alias("analyze").description(LISTINGS.analyse.description);
  return addStoreOptions(addInputOptions(command))
    .option("--per-trace", "add each trace's critical path (text: as a waterfall before the summary)", false)
    .addOption(
      new Option("--top <n>", "rows in each top list of the text report")
        .argParser(positiveInteger)
        .default(10),
    )
    .addOption(
      new Option(
        "--window-s <s>",
        "length of the aggregation windows; a trace counts in the window of its first span",
      )
        .argParser(positiveInteger)
        .default(60),
    )
    .addOption(
      new Option(
        "--keep-alive-s <s>",
        "idle gap after which an invocation is a likely cold start (where spans carry no faas.coldstart)",
      )
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
      } else
        process.stdout.write(analyseText(result, replay, { top: opts.top, perTrace: opts.perTrace, paths }));
      state.exitCode = exitCodeOf(replay);
    });
}

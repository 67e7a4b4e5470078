import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { Analyser } from "../analyse/analyser.ts";
import { edgeReports } from "../analyse/report.ts";
import { loadManifest } from "../host/manifest.ts";
import { defaultCatalog, loadCatalog } from "../plan/catalog.ts";
import { catalogWarnings, currentFromManifest, refuseDuplicateUnits } from "../plan/current-check.ts";
import { inputWarnings, LayoutCensus, warning } from "../plan/input-warnings.ts";
import { PlanData } from "../plan/plan-data.ts";
import { DEFAULT_PLAN_OPTIONS, plan } from "../plan/planner.ts";
import { toManifest } from "../plan/proposal.ts";
import type { CommandState } from "./command-state.ts";
import { printable } from "./format.ts";
import { addInputOptions, exitCodeOf, type InputOptions, replayInput } from "./input.ts";
import { nonNegative, positiveInteger } from "./numbers.ts";
import { planText } from "./plan-text.ts";
import { type PlanStoreOptions, writeProposal } from "./store-option.ts";

interface PlanCliOptions extends InputOptions, PlanStoreOptions {
  catalog?: string;
  current?: string;
  write?: string;
  minGain?: number;
  seed: number;
  inProcessUs: number;
  maxTraces: number;
}

/**
 * Traces a plan is made from at most: the planner keeps each one (compactly, for re-timing), so this
 * bounds its memory whatever the input's size (issue 17.7), as `serve --plan-max-traces` does.
 */
const DEFAULT_MAX_TRACES = 1_000_000;

export function planCommand(state: CommandState): Command {
  const command = new Command("plan").description(
    "Proposes which units to deploy together, with predicted effect and evidence",
  );
  return addInputOptions(command)
    .option("--catalog <file>", "unit catalog (YAML or JSON); defaults are inferred when absent")
    .option("--current <manifest>", "the current clustering manifest; default: as recorded in the traces")
    .option("--write <manifest>", "write the proposed clustering as a manifest that `nanofuse host` runs")
    .addOption(new Option("--min-gain <n>", "minimum objective gain of one step").argParser(nonNegative))
    .addOption(
      new Option("--seed <n>", "seed of the search and the bootstrap")
        .argParser(positiveInteger)
        .default(DEFAULT_PLAN_OPTIONS.seed),
    )
    .addOption(
      new Option("--in-process-us <us>", "cost of an in-process call")
        .argParser(nonNegative)
        .default(DEFAULT_PLAN_OPTIONS.inProcessUs),
    )
    .addOption(
      new Option(
        "--max-traces <n>",
        "plan from the first n traces at most (each is kept, about 2 KB); later ones are counted, not used",
      )
        .argParser(positiveInteger)
        .default(DEFAULT_MAX_TRACES),
    )
    .option(
      "--store <location>",
      "write the proposal as a new version in a store (postgres://…, a directory, :memory:)",
    )
    .option("--scope <name>", "what the proposal covers in the store: versions count per scope", "default")
    .action(async (paths: string[], opts: PlanCliOptions) => {
      const catalog = opts.catalog ? await loadCatalog(opts.catalog) : defaultCatalog();
      const manifest = opts.current ? await loadManifest(opts.current) : undefined;
      if (manifest && opts.current) refuseDuplicateUnits(manifest, opts.current);
      const data = new PlanData();
      const census = new LayoutCensus();
      // One window: planning needs only the totals per edge, not a time series of them.
      // With --store, each trace's critical paths are kept for the proposal's exemplar traces.
      const analyser = new Analyser({ windowUs: Number.MAX_SAFE_INTEGER, perTrace: Boolean(opts.store) });
      let leftOut = 0;
      const { result: replay } = await replayInput(paths, opts, (tree) => {
        // The analyser's edge totals and the plan data cover the same traces.
        if (data.traces.count >= opts.maxTraces) return void leftOut++;
        analyser.add(tree);
        data.add(tree);
        census.add(tree);
      });
      const analysis = analyser.finish();
      const units = [...data.units.names].sort();
      const warnings = inputWarnings({ catalogGiven: Boolean(opts.catalog), census });
      if (opts.catalog) warnings.push(...catalogWarnings(catalog, units, opts.catalog));
      if (leftOut > 0)
        warnings.push(
          warning(
            "NF_PLAN_TRACES_CAPPED",
            `planned from the first ${opts.maxTraces} traces; ${leftOut} later ones were read and left out (--max-traces)`,
          ),
        );
      let current: string[][] | undefined;
      if (manifest && opts.current) {
        const checked = currentFromManifest(manifest, units, opts.current);
        current = checked.clustering;
        warnings.push(...checked.warnings);
      }
      const proposal = plan(data, edgeReports(analysis), catalog, current, {
        minGain: opts.minGain,
        seed: opts.seed,
        inProcessUs: opts.inProcessUs,
      });
      await writeProposal(opts, proposal, {
        catalog: opts.catalog ? catalog : undefined,
        paths: analysis.paths,
        at: new Date(),
      });
      if (opts.write) await writeFile(opts.write, `${JSON.stringify(toManifest(proposal), null, 2)}\n`);
      // On stderr in both formats, so that --format json stays one document.
      for (const w of warnings)
        process.stderr.write(`${printable(`nanofuse: warning ${w.code}: ${w.message}`)}\n`);
      process.stdout.write(
        opts.format === "json"
          ? `${JSON.stringify(proposal, null, 2)}\n`
          : planText(proposal, DEFAULT_PLAN_OPTIONS.weights),
      );
      state.exitCode = exitCodeOf(replay);
    });
}

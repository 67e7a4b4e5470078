import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { Analyser } from "../analyse/analyser.ts";
import { edgeReports } from "../analyse/report.ts";
import { loadManifest } from "../host/manifest.ts";
import { defaultCatalog, loadCatalog } from "../plan/catalog.ts";
import { PlanData } from "../plan/plan-data.ts";
import { DEFAULT_PLAN_OPTIONS, plan } from "../plan/planner.ts";
import { type Proposal, toManifest } from "../plan/proposal.ts";
import type { Figures } from "../plan/what-if.ts";
import type { CommandState } from "./command-state.ts";
import { addInputOptions, exitCodeOf, type InputOptions, replayInput } from "./input.ts";
import { positiveInteger } from "./numbers.ts";
import { type PlanStoreOptions, writeProposal } from "./store-option.ts";

interface PlanCliOptions extends InputOptions, PlanStoreOptions {
  catalog?: string;
  current?: string;
  write?: string;
  minGain?: number;
  seed: number;
  inProcessUs: number;
}

const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const range = (i: { low: number; high: number }) => `[${ms(i.low)} – ${ms(i.high)}]`;

function figuresLine(name: string, f: Figures): string {
  return [
    `  ${name.padEnd(9)} p50 ${ms(f.p50Us)} ${range(f.ci.p50Us)}   p95 ${ms(f.p95Us)} ${range(f.ci.p95Us)}   p99 ${ms(f.p99Us)}`,
    `            cold starts ${f.coldStartsPerHour.toFixed(1)}/h   base cost ${f.baseCostPerHour.toFixed(3)}/h   ${f.groups} groups`,
  ].join("\n");
}

function text(p: Proposal): string {
  const lines = [
    `proposal ${p.contentHash.slice(0, 12)}: ${p.groups.length} groups (from ${p.current.length}), based on ${p.predicted.traces} traces`,
    "",
    "groups",
    ...p.groups.map((g) => `  [${g.join(", ")}]`),
    "",
    "predicted end-to-end latency (95% bootstrap intervals)",
    figuresLine("current", p.predicted.baseline),
    figuresLine("proposed", p.predicted.proposed),
  ];
  if (p.merges.length === 0) lines.push("", "no change is worth making: the current clustering stays.");
  for (const m of p.merges) {
    lines.push("", `${m.kind} [${m.units.join(", ")}] → [${m.into.join(", ")}]`, `  ${m.reason}`);
    for (const e of m.edges) {
      lines.push(
        `  ${e.from} → ${e.to}: ${e.calls} calls, p50 network ${ms(e.networkP50Us)}, on critical paths ${ms(e.criticalPathNetworkUs)}; e.g. ${e.exemplarTraceIds.join(", ")}`,
      );
    }
  }
  if (p.currentViolations.length)
    lines.push("", "the current clustering breaks constraints:", ...p.currentViolations.map((v) => `  ${v}`));
  return `${lines.join("\n")}\n`;
}

export function planCommand(state: CommandState): Command {
  const command = new Command("plan").description(
    "Proposes which units to deploy together, with predicted effect and evidence",
  );
  return addInputOptions(command)
    .option("--catalog <file>", "unit catalog (YAML or JSON); defaults are inferred when absent")
    .option("--current <manifest>", "the current clustering manifest; default: as recorded in the traces")
    .option("--write <manifest>", "write the proposed clustering as a manifest that `nanofuse host` runs")
    .addOption(new Option("--min-gain <n>", "minimum objective gain of one step").argParser(Number))
    .addOption(
      new Option("--seed <n>", "seed of the search and the bootstrap")
        .argParser(positiveInteger)
        .default(DEFAULT_PLAN_OPTIONS.seed),
    )
    .addOption(
      new Option("--in-process-us <us>", "cost of an in-process call")
        .argParser(Number)
        .default(DEFAULT_PLAN_OPTIONS.inProcessUs),
    )
    .option(
      "--store <location>",
      "write the proposal as a new version in a store (postgres://…, a directory, :memory:)",
    )
    .option("--scope <name>", "what the proposal covers in the store: versions count per scope", "default")
    .action(async (paths: string[], opts: PlanCliOptions) => {
      const catalog = opts.catalog ? await loadCatalog(opts.catalog) : defaultCatalog();
      const current = opts.current
        ? (await loadManifest(opts.current)).groups.map((g) => g.units)
        : undefined;
      const data = new PlanData();
      // One window: planning needs only the totals per edge, not a time series of them.
      // With --store, each trace's critical paths are kept for the proposal's exemplar traces.
      const analyser = new Analyser({ windowUs: Number.MAX_SAFE_INTEGER, perTrace: Boolean(opts.store) });
      const { result: replay } = await replayInput(paths, opts, (tree) => {
        analyser.add(tree);
        data.add(tree);
      });
      const analysis = analyser.finish();
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
      process.stdout.write(
        opts.format === "json" ? `${JSON.stringify(proposal, null, 2)}\n` : text(proposal),
      );
      state.exitCode = exitCodeOf(replay);
    });
}

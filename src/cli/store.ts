/** `nanofuse store migrate|prune`: store maintenance. */
import { Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_PRUNE_BATCH } from "../store/queries/prune.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { positiveInteger } from "./numbers.ts";
import { withStore } from "./store-option.ts";

const UNITS_US: Record<string, number> = { s: 1e6, m: 60e6, h: 3600e6, d: 86_400e6 };

/** `90s`, `15m`, `1h`, `7d` as microseconds. */
export function duration(value: string): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (!m || Number(m[1]) === 0)
    throw new InvalidArgumentError(`expected a duration such as 90s, 15m, 1h or 7d, got ${value}`);
  return Number(m[1]) * UNITS_US[m[2]];
}

function instant(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`expected an ISO 8601 time, got ${value}`);
  return d;
}

const storeOption = () =>
  new Option(
    "--store <location>",
    "postgres://…, a PGlite directory or :memory: (default: DATABASE_URL, else ./.nanofuse/)",
  );

interface PruneCliOptions {
  store?: string;
  olderThan: number;
  mergeInto: number;
  delete: boolean;
  batch: number;
  now?: Date;
}

export function storeCommand(_state: CommandState): Command {
  const command = new Command("store").description(LISTINGS.store.description);
  command
    .command("migrate")
    .description("Apply pending migrations (every command that opens a store does this too)")
    .addOption(storeOption())
    .action(async (opts: { store?: string }) => {
      await withStore(opts.store, async (_store, where) => {
        process.stdout.write(`store at ${where} is up to date\n`);
      });
    });
  command
    .command("prune")
    .description(
      "Retention: merge windows older than an age into coarser ones, or delete them, in bounded batches",
    )
    .addOption(storeOption())
    .addOption(
      new Option("--older-than <age>", "prune windows that ended longer ago than this")
        .argParser(duration)
        .default(duration("7d"), "7d"),
    )
    .addOption(
      new Option("--merge-into <size>", "size of the coarser windows")
        .argParser(duration)
        .default(duration("1h"), "1h"),
    )
    .option("--delete", "delete old windows instead of merging them", false)
    .addOption(
      new Option("--batch <n>", "windows per transaction")
        .argParser(positiveInteger)
        .default(DEFAULT_PRUNE_BATCH),
    )
    .addOption(new Option("--now <time>", "reference time, ISO 8601 (default: the clock)").argParser(instant))
    .action(async (opts: PruneCliOptions) => {
      const now = opts.now ?? new Date();
      const beforeUs = now.getTime() * 1000 - opts.olderThan;
      const result = await withStore(opts.store, (store) =>
        store.aggregates.prune({
          beforeUs,
          action: opts.delete ? "delete" : { merge: opts.mergeInto },
          batchSize: opts.batch,
        }),
      );
      const written = opts.delete ? "" : `, ${result.written} coarse windows written`;
      process.stdout.write(`pruned ${result.removed} windows in ${result.batches} batches${written}\n`);
    });
  return command;
}

import { Command, Option } from "commander";
import { Inventory } from "../analyse/inventory.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { addInputOptions, exitCodeOf, type InputOptions, replayInput } from "./input.ts";
import { positiveInteger } from "./numbers.ts";
import { replayJson, replayText } from "./replay-report.ts";
import { addStoreOptions, type StoreOptions, storeAnalyser } from "./store-option.ts";

export function replayCommand(state: CommandState): Command {
  const command = new Command("replay").description(LISTINGS.replay.description);
  return addStoreOptions(addInputOptions(command))
    .addOption(
      new Option("--top <n>", "rows in each top list of the text report")
        .argParser(positiveInteger)
        .default(10),
    )
    .action(async (paths: string[], opts: InputOptions & StoreOptions & { top: number }) => {
      const inventory = new Inventory();
      const stored = storeAnalyser(opts);
      const { result, seconds } = await replayInput(paths, opts, (tree) => {
        inventory.add(tree);
        stored.add(tree);
      });
      await stored.write(result.files.map((f) => f.file));
      const json = opts.format === "json";
      process.stdout.write(
        json ? replayJson(inventory, result) : replayText(inventory, result, opts.top, seconds),
      );
      state.exitCode = exitCodeOf(result);
    });
}

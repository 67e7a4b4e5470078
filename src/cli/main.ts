import { Command, CommanderError } from "commander";
import { NanofuseError } from "../errors.ts";
import { analyseCommand } from "./analyse.ts";
import { hostCommand } from "./host.ts";
import { planCommand } from "./plan.ts";
import { proposalsApiCommand } from "./proposals-api.ts";
import { replayCommand } from "./replay.ts";
import { serveCommand } from "./serve.ts";
import { storeCommand } from "./store.ts";
import { tokenCommand } from "./token.ts";

/** What a command leaves behind for the process: its exit code. */
export interface CommandState {
  exitCode: number;
}

export function buildProgram(state: CommandState): Command {
  const program = new Command("nanofuse")
    .description("Finds where network hops between nano-services cost latency, and proposes what to fuse.")
    .version("0.1.0")
    .exitOverride()
    .showHelpAfterError();
  program.addCommand(replayCommand(state));
  program.addCommand(analyseCommand(state));
  program.addCommand(hostCommand(state));
  program.addCommand(planCommand(state));
  program.addCommand(serveCommand(state));
  program.addCommand(tokenCommand(state));
  // The API client; with --store, list and show read the store directly (./proposals.ts).
  program.addCommand(proposalsApiCommand(state));
  program.addCommand(storeCommand(state));
  // Subcommands do not inherit these: without them a usage error would exit the process.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program).slice(1)) command.exitOverride().showHelpAfterError();
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 bad input under --strict or nothing read, 2 usage. */
export async function main(argv: string[]): Promise<number> {
  const state: CommandState = { exitCode: 0 };
  try {
    await buildProgram(state).parseAsync(argv);
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof NanofuseError) {
      process.stderr.write(`nanofuse: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * The `nanofuse` program. A command's module is imported only when that command runs: `--help`
 * lists the commands from commands.ts without loading a decoder, the planner or the host (start-up
 * time, issue 8).
 */
import { Command, CommanderError } from "commander";
import type { CommandState } from "./command-state.ts";
import { type CommandListing, LISTINGS } from "./commands.ts";
import { describeFailure } from "./failure.ts";
import { printable } from "./format.ts";

export const VERSION = "0.1.0";

type Define = (state: CommandState) => Command;

/** Each listed command and how to load its definition. */
export const COMMANDS: readonly (CommandListing & { load(): Promise<Define> })[] = [
  { ...LISTINGS.replay, load: async () => (await import("./replay.ts")).replayCommand },
  { ...LISTINGS.analyse, load: async () => (await import("./analyse.ts")).analyseCommand },
  { ...LISTINGS.host, load: async () => (await import("./host.ts")).hostCommand },
  { ...LISTINGS.plan, load: async () => (await import("./plan.ts")).planCommand },
  { ...LISTINGS.daemon, load: async () => (await import("./daemon.ts")).daemonCommand },
  { ...LISTINGS.serve, load: async () => (await import("./serve.ts")).serveCommand },
  { ...LISTINGS.token, load: async () => (await import("./token.ts")).tokenCommand },
  // The API client; with --store, list and show read the store directly (./proposals.ts).
  { ...LISTINGS.proposals, load: async () => (await import("./proposals-api.ts")).proposalsApiCommand },
  { ...LISTINGS.store, load: async () => (await import("./store.ts")).storeCommand },
];
type Entry = (typeof COMMANDS)[number];

/** Usage errors carry a code as every other failure does. */
const output = {
  outputError: (text: string, write: (s: string) => void) =>
    write(`${printable(`nanofuse: NF_USAGE: ${text.trimEnd().replace(/^error: /, "")}`)}\n`),
};

/** How a command is listed in the help: the same for a placeholder and the command it stands for. */
const term = (c: Command) => `${[c.name(), ...c.aliases().slice(0, 1)].join("|")} ${c.usage()}`;

/** A command's words as typed: `nanofuse host load`. */
const words = (c: Command): string[] => (c.parent ? [...words(c.parent), c.name()] : [c.name()]);

/** The command that the arguments (after node and the script) run, if any; `help <command>` too. */
export function commandOf(args: readonly string[]): Entry | undefined {
  const positional = args.filter((a) => !a.startsWith("-"));
  const word = (positional[0] === "help" ? positional[1] : positional[0]) ?? "";
  return COMMANDS.find((c) => c.name === word || c.aliases.includes(word));
}

/**
 * The program with the real definition of `load` (one command, all, or none) and, for the others,
 * placeholders that only list themselves.
 */
export async function buildProgram(
  state: CommandState,
  load: Entry | "all" | "none" = "all",
): Promise<Command> {
  const program = new Command("nanofuse")
    .description("Finds where network hops between nano-services cost latency, and proposes what to fuse.")
    .version(VERSION)
    .configureHelp({ subcommandTerm: term });
  for (const entry of COMMANDS) {
    const real = load === "all" || load === entry;
    program.addCommand(
      real
        ? (await entry.load())(state)
        : new Command(entry.name).aliases(entry.aliases).usage(entry.usage).description(entry.description),
    );
  }
  // Subcommands do not inherit these: without them a usage error would exit the process.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program))
    command
      .exitOverride()
      .showHelpAfterError(`(\`${words(command).join(" ")} --help\` shows the usage)`)
      .configureOutput(output);
  return program;
}

/** Runs the CLI and returns the exit code: 0 ok, 1 failed (input, runtime, a bug), 2 usage. */
export async function main(argv: string[]): Promise<number> {
  const state: CommandState = { exitCode: 0 };
  try {
    const program = await buildProgram(state, commandOf(argv.slice(2)) ?? "none");
    await program.parseAsync(argv);
    return state.exitCode;
  } catch (error) {
    // Commander has printed its message (or the help, or the version) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const failure = describeFailure(error);
    process.stderr.write(`${printable(`nanofuse: ${failure.code}: ${failure.message}`)}\n`);
    return failure.exitCode;
  }
}

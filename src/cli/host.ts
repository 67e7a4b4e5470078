/** `nanofuse host`: runs an app's functions in the layout of a clustering manifest, traced. */
import { Command, Option } from "commander";
import { loadManifest } from "../host/manifest.ts";
import { DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from "../host/options.ts";
import { startHost } from "../host/supervisor.ts";
import { loadCatalog } from "../plan/catalog.ts";
import { loadCommand } from "./load.ts";
import type { CommandState } from "./main.ts";
import { nonNegative, positive } from "./numbers.ts";

interface HostCliOptions extends RuntimeOptions {
  app?: string;
  catalog?: string;
  manifest?: string;
  baseline?: boolean;
  record?: string;
  variant?: string;
}

const number = (flags: string, description: string, parse: (v: string) => number, value: number) =>
  new Option(flags, description).argParser(parse).default(value);

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

export function hostCommand(state: CommandState): Command {
  const d = DEFAULT_RUNTIME_OPTIONS;
  const command = new Command("host")
    .description(
      "Runs an app's functions one process per group as a clustering manifest says, records their traces, " +
        "and prints the entry URL; stops on SIGINT/SIGTERM",
    )
    // Not a required option: commander would then demand it of `host load` too.
    .option("--app <module>", "app module whose default export is an App (required)")
    .option("--catalog <file>", "unit catalog (YAML or JSON): runtimes decide which units may share a group")
    .option("--manifest <file>", "clustering manifest (JSON): which units run together")
    .option("--baseline", "every unit in a group of its own")
    .option("--record <dir>", "append each group's spans to <dir>/<group>.otlp.jsonl (OTLP JSON lines)")
    .option("--variant <name>", "resource attribute nanofuse.variant, to tell A/B layouts apart")
    .addOption(
      number(
        "--network-delay-ms <ms>",
        "mean simulated delay of a cross-group call",
        nonNegative,
        d.networkDelayMs,
      ),
    )
    .addOption(
      number("--network-jitter-ms <ms>", "± uniform jitter of that delay", nonNegative, d.networkJitterMs),
    )
    .addOption(
      number("--call-timeout-ms <ms>", "a call without an answer by then fails", positive, d.callTimeoutMs),
    )
    .addOption(
      number("--init-ms <ms>", "simulated cold start of a unit's first invocation", nonNegative, d.initMs),
    )
    .addOption(
      number(
        "--keep-alive-ms <ms>",
        "reclaim a group's instance after this idle time (0: never)",
        nonNegative,
        d.keepAliveMs,
      ),
    )
    .addOption(number("--work-factor <x>", "scales ctx.work(ms)", nonNegative, d.workFactor))
    .addOption(number("--payload-factor <x>", "scales ctx.payload(bytes)", nonNegative, d.payloadFactor));
  command.addCommand(loadCommand(state));
  return command.action(async (opts: HostCliOptions) => {
    const app =
      opts.app ?? command.error("error: required option '--app <module>' not specified", { exitCode: 2 });
    if (Boolean(opts.manifest) === Boolean(opts.baseline))
      command.error("error: give exactly one of --manifest <file> and --baseline", { exitCode: 2 });
    const signal = untilSignal();
    const host = await startHost({
      app,
      catalog: opts.catalog ? await loadCatalog(opts.catalog) : undefined,
      manifest: opts.manifest ? await loadManifest(opts.manifest) : undefined,
      manifestSource: opts.manifest,
      recordDir: opts.record,
      variant: opts.variant,
      networkDelayMs: opts.networkDelayMs,
      networkJitterMs: opts.networkJitterMs,
      callTimeoutMs: opts.callTimeoutMs,
      initMs: opts.initMs,
      keepAliveMs: opts.keepAliveMs,
      workFactor: opts.workFactor,
      payloadFactor: opts.payloadFactor,
    });
    for (const g of host.groups)
      process.stderr.write(`group ${g.name} [${g.units.join(", ")}] at ${g.url} (pid ${g.pid})\n`);
    process.stdout.write(`${host.entryUrl}\n`);
    process.stderr.write(`${await signal}: stopping\n`);
    await host.stop();
    state.exitCode = 0;
  });
}

/** `nanofuse host load`: a bounded load against a hosted app's entry URL (loopback only). */
import { Command, Option } from "commander";
import { DEFAULT_LOAD, runLoad } from "../host/load.ts";
import type { CommandState } from "./main.ts";
import { positive } from "./numbers.ts";

export function loadCommand(state: CommandState): Command {
  const d = DEFAULT_LOAD;
  const option = (flags: string, description: string, value: number) =>
    new Option(flags, description).argParser(positive).default(value);
  return new Command("load")
    .description("Sends a bounded steady or bursty load of requests to a hosted app and reports the outcome")
    .argument("<url>", "the entry URL `nanofuse host` printed")
    .addOption(
      new Option("--profile <profile>", "arrival pattern").choices(["steady", "bursty"]).default(d.profile),
    )
    .addOption(option("--requests <n>", "stop after this many requests", d.requests))
    .addOption(option("--duration-ms <ms>", "stop after this long", d.durationMs))
    .addOption(option("--rate <per-second>", "average requests per second", d.ratePerSecond))
    .addOption(option("--concurrency <n>", "requests in flight at most", d.concurrency))
    .addOption(option("--first-request-id <n>", "request ids count up from here", d.firstRequestId))
    .action(async (url: string, opts) => {
      const report = await runLoad({
        url,
        profile: opts.profile,
        requests: opts.requests,
        durationMs: opts.durationMs,
        ratePerSecond: opts.rate,
        concurrency: opts.concurrency,
        firstRequestId: opts.firstRequestId,
      });
      process.stdout.write(`${JSON.stringify(report)}\n`);
      state.exitCode = report.ok > 0 ? 0 : 1;
    });
}

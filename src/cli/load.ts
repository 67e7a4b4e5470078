/** `nanofuse host load`: a bounded load against a hosted app's entry URL (loopback only). */
import { Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_LOAD, type LoadReport, refusedTarget, runLoad } from "../host/load.ts";
import type { CommandState } from "./command-state.ts";
import { printable } from "./format.ts";
import { positive, positiveInteger } from "./numbers.ts";

/** A refused URL is a usage error (exit 2), like any other bad argument. */
function url(value: string): string {
  const refused = refusedTarget(value);
  if (refused) throw new InvalidArgumentError(refused);
  return value;
}

/** One sentence on stderr: how many failed and why, the most frequent reason first. */
export function failureSentence(report: LoadReport, target: string): string {
  const reasons = report.failures.map((f) => `${f.count}× ${f.reason} (e.g. ${f.example})`).join("; ");
  const hint = report.ok === 0 ? `; is the host running at ${target}?` : "";
  return `nanofuse: NF_LOAD_FAILED: ${report.failed} of ${report.sent} requests failed: ${reasons}${hint}`;
}

export function loadCommand(state: CommandState): Command {
  const d = DEFAULT_LOAD;
  const option = (flags: string, description: string, value: number, parse = positive) =>
    new Option(flags, description).argParser(parse).default(value);
  return new Command("load")
    .description(
      "Sends a bounded steady or bursty load of requests to a hosted app and prints a JSON report " +
        "(requests sent, ok, failed and why, client p50/p95)",
    )
    .argument("<url>", "the entry URL `nanofuse host` printed (loopback only)", url)
    .addOption(
      new Option("--profile <profile>", "arrival pattern").choices(["steady", "bursty"]).default(d.profile),
    )
    .addOption(option("--requests <n>", "stop after this many requests", d.requests, positiveInteger))
    .addOption(option("--duration-ms <ms>", "stop after this long", d.durationMs))
    .addOption(option("--rate <per-second>", "average requests per second", d.ratePerSecond))
    .addOption(option("--concurrency <n>", "requests in flight at most", d.concurrency, positiveInteger))
    .addOption(option("--timeout-ms <ms>", "a request without an answer by then fails", d.timeoutMs))
    .addOption(
      option("--first-request-id <n>", "request ids count up from here", d.firstRequestId, positiveInteger),
    )
    .action(async (target: string, opts) => {
      const report = await runLoad({
        url: target,
        profile: opts.profile,
        requests: opts.requests,
        durationMs: opts.durationMs,
        ratePerSecond: opts.rate,
        concurrency: opts.concurrency,
        timeoutMs: opts.timeoutMs,
        firstRequestId: opts.firstRequestId,
      });
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.failed > 0) process.stderr.write(`${printable(failureSentence(report, target))}\n`);
      state.exitCode = report.ok > 0 ? 0 : 1;
    });
}

/** `nanofuse host`: runs an app's functions in the layout of a clustering manifest, traced. */

import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { NanofuseError } from "../errors.ts";
import { loadManifest } from "../host/manifest.ts";
import { DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from "../host/options.ts";
import { startSplitHost } from "../host/split.ts";
import { DEFAULT_HOST_LIMITS, type HostLimits, startHost } from "../host/supervisor.ts";
import { loadCatalog } from "../plan/catalog.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { printable } from "./format.ts";
import { loadCommand } from "./load.ts";
import { nonNegative, nonNegativeInteger, positive, positiveInteger } from "./numbers.ts";

function share(value: string): number {
  const n = nonNegative(value);
  if (n > 1) throw new InvalidArgumentError(`expected a share in [0, 1], got ${value}`);
  return n;
}

interface HostCliOptions extends RuntimeOptions, HostLimits {
  app?: string;
  catalog?: string;
  manifest?: string;
  baseline?: boolean;
  record?: string;
  variant?: string[];
  split: number;
  candidateNetworkDelayMs?: number;
  otlpEndpoint?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--variant control=<manifest|baseline>` and `--variant candidate=…`, or none of that form. */
function layoutsOf(values: string[]): Record<"control" | "candidate", string> | null {
  const pairs = values.filter((v) => v.includes("="));
  if (pairs.length === 0) return null;
  const out: Partial<Record<string, string>> = {};
  for (const pair of pairs) {
    const [name, ...rest] = pair.split("=");
    if (name !== "control" && name !== "candidate")
      throw new NanofuseError("NF_USAGE", `--variant ${pair}: the variants are control and candidate`);
    if (out[name] !== undefined) throw new NanofuseError("NF_USAGE", `--variant ${name} is given twice`);
    out[name] = rest.join("=");
  }
  if (pairs.length !== values.length || !out.control || !out.candidate)
    throw new NanofuseError(
      "NF_USAGE",
      "two layouts need both --variant control=<manifest|baseline> and --variant candidate=<manifest|baseline>",
    );
  return out as Record<"control" | "candidate", string>;
}

/** How often the host looks whether the process that started it is still there. */
const PARENT_POLL_MS = 500;

const number = (flags: string, description: string, parse: (v: string) => number, value: number) =>
  new Option(flags, description).argParser(parse).default(value);

/**
 * Resolves on SIGINT, SIGTERM or SIGHUP, or when the process that started the host exits. `npx`
 * does not pass its SIGTERM on to the node it starts (the shell between them dies and the host is
 * handed to init): a host that stayed would keep every group and port open, so a new parent counts
 * as a stop.
 */
function untilStopped(): Promise<string> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    const done = (why: string) => {
      clearInterval(timer);
      resolve(why);
    };
    // Unreferenced: should the start fail, this must not keep the process alive.
    const timer = setInterval(() => {
      if (process.ppid !== parent) done(`parent process ${parent} exited`);
    }, PARENT_POLL_MS).unref();
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => done(signal));
  });
}

export function hostCommand(state: CommandState): Command {
  const d = DEFAULT_RUNTIME_OPTIONS;
  const limits = DEFAULT_HOST_LIMITS;
  const command = new Command("host")
    .description(LISTINGS.host.description)
    // Not a required option: commander would then demand it of `host load` too.
    .option(
      "--app <module>",
      "app module whose default export is an App (required; TypeScript or JavaScript)",
    )
    .option("--catalog <file>", "unit catalog (YAML or JSON): runtimes decide which units may share a group")
    .option("--manifest <file>", "clustering manifest (JSON or YAML), e.g. from `plan --write`")
    .option("--baseline", "every unit in a group of its own (instead of --manifest)")
    .option("--record <dir>", "append each group's spans to <dir>/<group>.otlp.jsonl (OTLP JSON lines)")
    .option(
      "--variant <name|variant=layout>",
      "resource attribute nanofuse.variant; or twice, control=<manifest|baseline> and candidate=<manifest|baseline>, to run both layouts behind one entry point",
      collect,
    )
    .addOption(
      new Option("--split <share>", "with two layouts: share of requests sent to the candidate")
        .argParser(share)
        .default(0.5),
    )
    .addOption(
      new Option(
        "--candidate-network-delay-ms <ms>",
        "with two layouts: the candidate's cross-group delay (default --network-delay-ms)",
      ).argParser(nonNegative),
    )
    .option(
      "--otlp-endpoint <url>",
      "also export spans over OTLP/HTTP here, e.g. nanofuse serve's …/v1/traces",
    )
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
    .addOption(number("--payload-factor <x>", "scales ctx.payload(bytes)", nonNegative, d.payloadFactor))
    .addOption(
      number(
        "--start-timeout-ms <ms>",
        "how long one group process may take to load the app and listen",
        positive,
        limits.startTimeoutMs,
      ),
    )
    .addOption(
      number(
        "--max-groups <n>",
        "refuse a layout with more groups (processes)",
        positiveInteger,
        limits.maxGroups,
      ),
    )
    .addOption(
      number(
        "--max-restarts <n>",
        "restart a group that died at most this often, on the same port (0: never)",
        nonNegativeInteger,
        limits.maxRestarts,
      ),
    );
  command.addCommand(loadCommand(state));
  return command.action(async (opts: HostCliOptions) => {
    const app =
      opts.app ?? command.error("error: required option '--app <module>' not specified", { exitCode: 2 });
    const layouts = layoutsOf(opts.variant ?? []);
    if (layouts && (opts.manifest || opts.baseline))
      command.error(
        "error: two layouts (--variant control=… candidate=…) replace --manifest and --baseline",
        {
          exitCode: 2,
        },
      );
    if (!layouts && Boolean(opts.manifest) === Boolean(opts.baseline))
      command.error("error: give exactly one of --manifest <file> and --baseline", { exitCode: 2 });
    if ((opts.variant?.length ?? 0) > 1 && !layouts)
      command.error("error: --variant <name> is given more than once", { exitCode: 2 });
    const stopped = untilStopped();
    // A stop asked for while the groups are still starting abandons the start.
    const starting = new AbortController();
    void stopped.then((why) => starting.abort(why));
    const catalog = opts.catalog ? await loadCatalog(opts.catalog) : undefined;
    const common = {
      app,
      catalog,
      otlpEndpoint: opts.otlpEndpoint,
      networkDelayMs: opts.networkDelayMs,
      networkJitterMs: opts.networkJitterMs,
      callTimeoutMs: opts.callTimeoutMs,
      initMs: opts.initMs,
      keepAliveMs: opts.keepAliveMs,
      workFactor: opts.workFactor,
      payloadFactor: opts.payloadFactor,
      startTimeoutMs: opts.startTimeoutMs,
      maxGroups: opts.maxGroups,
      maxRestarts: opts.maxRestarts,
      onEvent: (m: string) => process.stderr.write(`${printable(`nanofuse host: ${m}`)}\n`),
      signal: starting.signal,
    };
    if (layouts) {
      const variantOptions = async (name: "control" | "candidate") => {
        const source = layouts[name];
        return {
          ...common,
          manifest: source === "baseline" ? undefined : await loadManifest(source),
          manifestSource: source === "baseline" ? undefined : source,
          recordDir: opts.record ? join(opts.record, name) : undefined,
        };
      };
      const candidate = await variantOptions("candidate");
      if (opts.candidateNetworkDelayMs !== undefined) candidate.networkDelayMs = opts.candidateNetworkDelayMs;
      const split = await startSplitHost({
        control: await variantOptions("control"),
        candidate,
        split: opts.split,
      });
      for (const name of ["control", "candidate"] as const)
        for (const g of split.hosts[name].groups)
          process.stderr.write(
            `${printable(`${name}: group ${g.name} [${g.units.join(", ")}] at ${g.url} (pid ${g.pid})`)}\n`,
          );
      process.stdout.write(`${split.entryUrl}\n`);
      process.stderr.write(`${await stopped}: stopping\n`);
      const sent = split.sent();
      process.stderr.write(`requests sent: control ${sent.control}, candidate ${sent.candidate}\n`);
      await split.stop();
      state.exitCode = 0;
      return;
    }
    const host = await startHost({
      ...common,
      manifest: opts.manifest ? await loadManifest(opts.manifest) : undefined,
      manifestSource: opts.manifest,
      recordDir: opts.record,
      variant: opts.variant?.[0],
    });
    for (const g of host.groups)
      process.stderr.write(
        `${printable(`group ${g.name} [${g.units.join(", ")}] at ${g.url} (pid ${g.pid})`)}\n`,
      );
    process.stdout.write(`${host.entryUrl}\n`);
    process.stderr.write(`${await stopped}: stopping\n`);
    await host.stop();
    state.exitCode = 0;
  });
}

/**
 * Runs an app in the layout a clustering manifest gives: one process per group, each an HTTP server
 * on a free loopback port. Everything is checked before the first process starts; then every group
 * listens, learns where every other group is, and says it is ready. A stop waits until the host is
 * quiet (no group has work in flight and none started any since the last look), then has every group
 * flush its spans and exit; a group that does not is killed.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { NanofuseError } from "../errors.ts";
import type { Catalog } from "../model/catalog.ts";
import { loadApp } from "./app.ts";
import { exitText, GroupChild } from "./group-child.ts";
import { baselineManifest, validateManifest } from "./manifest.ts";
import { DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from "./options.ts";
import type { ClusteringManifest } from "./types.ts";

export interface HostOptions extends Partial<RuntimeOptions> {
  /** Path of the app module (its default export is an App). */
  app: string;
  /** The layout; every unit alone when absent. Validated against the app and catalog. */
  manifest?: unknown;
  /** Names the manifest in error messages (usually its file). */
  manifestSource?: string;
  /** Runtimes of the units (units of different runtimes cannot share a group); all node20 when absent. */
  catalog?: Catalog;
  /** Each group appends its spans to `<recordDir>/<group>.otlp.jsonl`; nothing is recorded without it. */
  recordDir?: string;
  /** Resource attribute nanofuse.variant on every span, to tell A/B layouts apart. */
  variant?: string;
  /** Default 30 s: tsx and the OpenTelemetry SDK take a while to load on a busy machine. */
  startTimeoutMs?: number;
  /** Default 10 s: how long a stop waits for the host to go quiet, and then for each group to exit. */
  stopTimeoutMs?: number;
  /** Where the supervisor reports what happens to groups (e.g. one dying); default: stderr. */
  onEvent?: (message: string) => void;
}

export interface HostedGroup {
  name: string;
  units: string[];
  /** Base URL; `POST <url>/invoke/<unit>` runs a unit of the group. */
  url: string;
  pid: number;
}

export interface RunningHost {
  /** `POST` a JSON body here to send a request to the app's entry unit. */
  entryUrl: string;
  manifest: ClusteringManifest;
  groups: HostedGroup[];
  /** The invoke URL of any unit. */
  urlOf(unit: string): string;
  /** Stops every group, after the spans of everything in flight are written. Idempotent. */
  stop(): Promise<void>;
}

const DRAIN_ROUNDS = 5;

function runtimeOptions(options: HostOptions): RuntimeOptions {
  const out = { ...DEFAULT_RUNTIME_OPTIONS };
  for (const key of Object.keys(out) as (keyof RuntimeOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0 || (key === "callTimeoutMs" && value === 0))
      throw new NanofuseError(
        "NF_USAGE",
        `${key} must be a ${key === "callTimeoutMs" ? "positive" : "non-negative"} number, got ${value}`,
      );
    out[key] = value;
  }
  return out;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const onEvent = options.onEvent ?? ((m: string) => process.stderr.write(`nanofuse host: ${m}\n`));
  const appPath = resolve(options.app);
  const app = await loadApp(appPath);
  const units = Object.keys(app.functions);
  const manifest =
    options.manifest === undefined
      ? baselineManifest(units)
      : validateManifest(options.manifest, units, options.catalog, options.manifestSource);
  const runtime = runtimeOptions(options);
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  if (options.recordDir) await mkdir(options.recordDir, { recursive: true });

  const children = manifest.groups.map(
    (g) =>
      new GroupChild({
        group: g.name,
        units: g.units,
        appPath,
        runtime,
        variant: options.variant,
        recordFile: options.recordDir ? join(resolve(options.recordDir), `${g.name}.otlp.jsonl`) : undefined,
      }),
  );
  let stopping: Promise<void> | undefined;
  for (const child of children) {
    child.exited.then((exit) => {
      if (!stopping)
        onEvent(`group ${child.name} (pid ${child.pid}) exited unexpectedly (${exitText(exit)})`);
    });
  }

  const urls: Record<string, string> = {};
  const groupOf: Record<string, string> = {};
  try {
    await Promise.all(
      children.map(async (child) => {
        const reply = await child.request(
          { type: "start", config: child.config },
          "listening",
          startTimeoutMs,
        );
        urls[child.name] = reply.url;
      }),
    );
    for (const g of manifest.groups) for (const u of g.units) groupOf[u] = g.name;
    await Promise.all(
      children.map((c) => c.request({ type: "peers", urls, groupOf }, "ready", startTimeoutMs)),
    );
  } catch (error) {
    stopping = Promise.resolve();
    for (const child of children) child.kill();
    await Promise.all(children.map((c) => c.exited));
    throw error;
  }

  const urlOf = (unit: string) => {
    const group = groupOf[unit];
    if (group === undefined) throw new NanofuseError("NF_USAGE", `${unit} is not a unit of ${app.name}`);
    return `${urls[group]}/invoke/${encodeURIComponent(unit)}`;
  };

  /** Waits until no group has work in flight and the total started stops changing (a send may be on its way). */
  async function quiesce(deadline: number): Promise<void> {
    let previous = -1;
    for (let round = 0; round < DRAIN_ROUNDS; round++) {
      const alive = children.filter((c) => c.alive);
      const left = deadline - performance.now();
      if (alive.length === 0 || left <= 0) return;
      const counts = await Promise.all(
        alive.map((c) =>
          c.request({ type: "drain" }, "drained", left).then(
            (r) => r.started,
            () => Number.NaN,
          ),
        ),
      );
      const total = counts.reduce((a, b) => a + b, 0);
      if (total === previous || Number.isNaN(total)) return;
      previous = total;
    }
  }

  return {
    entryUrl: urlOf(app.entry),
    manifest,
    groups: children.map((c) => ({ name: c.name, units: c.config.units, url: urls[c.name], pid: c.pid })),
    urlOf,
    stop() {
      stopping ??= (async () => {
        await quiesce(performance.now() + stopTimeoutMs);
        await Promise.all(children.map((c) => c.stop(stopTimeoutMs)));
      })();
      return stopping;
    },
  };
}

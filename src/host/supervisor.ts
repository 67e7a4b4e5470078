/**
 * Runs an app in the layout a clustering manifest gives: one process per group, each an HTTP server
 * on a free loopback port. The app is loaded first in a child of its own (an app that hangs at
 * import hangs only that child, which the start timeout ends) and the manifest checked against it
 * before any group starts; then every group listens, learns where every other group is, and says it
 * is ready. A group that dies later is started again on the same port, so every URL stays valid,
 * with a growing delay and at most `maxRestarts` times. A stop waits until the host is quiet (no
 * group has work in flight and none started any since the last look), then has every group flush
 * its spans and exit; a group that does not is killed.
 */
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { NanofuseError } from "../errors.ts";
import type { Catalog } from "../model/catalog.ts";
import { exitText, GroupChild } from "./group-child.ts";
import { inspectApp } from "./inspect.ts";
import { checkNumbers, DEFAULT_HOST_LIMITS, type HostLimits } from "./limits.ts";
import { baselineManifest, validateManifest } from "./manifest.ts";
import { DEFAULT_RUNTIME_OPTIONS, type RuntimeOptions } from "./options.ts";
import type { GroupConfig } from "./protocol.ts";
import type { ClusteringManifest } from "./types.ts";

export { DEFAULT_HOST_LIMITS, type HostLimits } from "./limits.ts";

const MAX_RESTART_DELAY_MS = 10_000;

export interface HostOptions extends Partial<RuntimeOptions>, Partial<HostLimits> {
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
  /** OTLP/HTTP traces URL every group exports its spans to (e.g. `nanofuse serve`'s receiver). */
  otlpEndpoint?: string;
  /** Where the supervisor reports what happens to groups (one dying, restarting); default: stderr. */
  onEvent?: (message: string) => void;
  /** Abandons the start: every process started so far is killed, and startHost rejects. */
  signal?: AbortSignal;
}

export interface HostedGroup {
  name: string;
  units: string[];
  /** Base URL; `POST <url>/invoke/<unit>` runs a unit of the group. */
  url: string;
  /** The group's process now (a restart changes it). */
  pid: number;
}

export interface RunningHost {
  /** `POST` a JSON body here to send a request to the app's entry unit. */
  entryUrl: string;
  manifest: ClusteringManifest;
  readonly groups: HostedGroup[];
  /** The invoke URL of any unit. */
  urlOf(unit: string): string;
  /** Stops every group, after the spans of everything in flight are written. Idempotent. */
  stop(): Promise<void>;
}

const DRAIN_ROUNDS = 5;

/** Runs `task` over `items`, at most `limit` at a time; the first failure rejects (the rest finish). */
async function pooled<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  const worker = async () => {
    while (next < items.length && failures.length === 0) {
      const item = items[next++];
      await task(item).catch((error) => failures.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length) throw failures[0];
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const onEvent = options.onEvent ?? ((m: string) => process.stderr.write(`nanofuse host: ${m}\n`));
  const runtime = checkNumbers(DEFAULT_RUNTIME_OPTIONS, options, ["callTimeoutMs"]);
  const limits = checkNumbers(DEFAULT_HOST_LIMITS, options, ["startTimeoutMs", "stopTimeoutMs", "maxGroups"]);
  const appPath = resolve(options.app);
  const { signal } = options;
  const abandoned = (error: unknown) =>
    signal?.aborted
      ? new NanofuseError("NF_HOST_START_FAILED", `stopped (${signal.reason}) before every group was ready`)
      : error;
  const app = await inspectApp(appPath, options.app, limits.startTimeoutMs, signal).catch((error) => {
    throw abandoned(error);
  });
  const manifest =
    options.manifest === undefined
      ? baselineManifest(app.units)
      : validateManifest(options.manifest, app.units, options.catalog, options.manifestSource);
  if (manifest.groups.length > limits.maxGroups)
    throw new NanofuseError(
      "NF_HOST_TOO_MANY_GROUPS",
      `${options.manifestSource ?? "the layout"} has ${manifest.groups.length} groups, at most ${limits.maxGroups} may run (--max-groups)`,
    );
  if (options.recordDir) await mkdir(options.recordDir, { recursive: true });

  const configs: GroupConfig[] = manifest.groups.map((g) => ({
    group: g.name,
    units: g.units,
    appPath,
    runtime,
    variant: options.variant,
    otlpEndpoint: options.otlpEndpoint,
    recordFile: options.recordDir ? join(resolve(options.recordDir), `${g.name}.otlp.jsonl`) : undefined,
  }));
  /** The current process of each group. */
  const children = new Map<string, GroupChild>();
  const urls: Record<string, string> = {};
  const groupOf: Record<string, string> = {};
  for (const g of manifest.groups) for (const u of g.units) groupOf[u] = g.name;
  const restarts = new Map<string, number>();
  const pending = new Set<NodeJS.Timeout>();
  let stopping: Promise<void> | undefined;
  /** Until every group is ready a death fails the start instead of being restarted. */
  let ready = false;

  const launch = async (config: GroupConfig): Promise<GroupChild> => {
    if (stopping) throw new NanofuseError("NF_HOST_START_FAILED", "the start was abandoned");
    const child = new GroupChild(config);
    children.set(config.group, child);
    child.exited.then((exit) => {
      if (ready && !stopping && children.get(config.group) === child) died(child, exitText(exit));
    });
    const reply = await child.request({ type: "start", config }, "listening", limits.startTimeoutMs);
    urls[config.group] = reply.url;
    return child;
  };

  function died(child: GroupChild, how: string): void {
    const done = restarts.get(child.name) ?? 0;
    const what = `group ${child.name} (pid ${child.pid}) exited unexpectedly (${how})`;
    if (done >= limits.maxRestarts) {
      onEvent(
        `NF_GROUP_EXITED: ${what}; not restarted (${done} restarts, --max-restarts ${limits.maxRestarts})`,
      );
      return;
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, limits.restartDelayMs * 2 ** done);
    restarts.set(child.name, done + 1);
    onEvent(`NF_GROUP_EXITED: ${what}; restart ${done + 1} of ${limits.maxRestarts} in ${delay} ms`);
    const timer = setTimeout(() => {
      pending.delete(timer);
      void restart(child.config);
    }, delay);
    pending.add(timer);
  }

  async function restart(config: GroupConfig): Promise<void> {
    if (stopping) return;
    const port = Number(new URL(urls[config.group]).port);
    try {
      const child = await launch({ ...config, port });
      await child.request({ type: "peers", urls, groupOf }, "ready", limits.startTimeoutMs);
      onEvent(`group ${config.group} restarted (pid ${child.pid}) at ${urls[config.group]}`);
    } catch (error) {
      // Its exit (or this kill) counts as one more death and schedules the next try, if any is left.
      children.get(config.group)?.kill();
      onEvent(`group ${config.group} did not restart: ${error instanceof Error ? error.message : error}`);
    }
  }

  const abandon = () => {
    stopping ??= Promise.resolve();
    for (const child of children.values()) child.kill();
  };
  signal?.addEventListener("abort", abandon, { once: true });
  try {
    await pooled(configs, Math.max(2, availableParallelism()), async (c) => void (await launch(c)));
    await Promise.all(
      [...children.values()].map((c) =>
        c.request({ type: "peers", urls, groupOf }, "ready", limits.startTimeoutMs),
      ),
    );
  } catch (error) {
    abandon();
    await Promise.all([...children.values()].map((c) => c.exited));
    throw abandoned(error);
  } finally {
    signal?.removeEventListener("abort", abandon);
  }
  ready = true;

  const urlOf = (unit: string) => {
    const group = groupOf[unit];
    if (group === undefined) throw new NanofuseError("NF_USAGE", `${unit} is not a unit of ${app.name}`);
    return `${urls[group]}/invoke/${encodeURIComponent(unit)}`;
  };

  /** Waits until no group has work in flight and the total started stops changing (a send may be on its way). */
  async function quiesce(deadline: number): Promise<void> {
    let previous = -1;
    for (let round = 0; round < DRAIN_ROUNDS; round++) {
      const alive = [...children.values()].filter((c) => c.alive);
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
    get groups() {
      return configs.map((c) => ({
        name: c.group,
        units: c.units,
        url: urls[c.group],
        pid: children.get(c.group)?.pid ?? 0,
      }));
    },
    urlOf,
    stop() {
      stopping ??= (async () => {
        for (const timer of pending) clearTimeout(timer);
        await quiesce(performance.now() + limits.stopTimeoutMs);
        await Promise.all([...children.values()].map((c) => c.stop(limits.stopTimeoutMs)));
      })();
      return stopping;
    },
  };
}

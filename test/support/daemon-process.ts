/**
 * `nanofuse daemon` and `nanofuse replay --store` as a user runs them, for the tests that check the
 * daemon's stored aggregates against a replay of the same spans, across kills and rebalances.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { WindowedAggregates } from "../../src/analyse/aggregates.ts";
import { frame } from "../../src/ingest/decoders/otlp-proto-testkit.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { type TestKafka, uniqueName, until } from "./kafka.ts";
import { report } from "./kafka-daemon.ts";

const BIN = fileURLToPath(new URL("../../bin/nanofuse.js", import.meta.url));
/** Event time a trace stays open without spans, in the daemon and the replay alike. */
export const IDLE_MS = "1000";

export interface DaemonProcess {
  child: ChildProcess;
  out: { stdout: string; stderr: string; code: number | null | undefined; signal: string | null };
  exited: Promise<void>;
}

/** A daemon process on `topic` as `group`, committing to `store`; `extra` adds options. */
export function startDaemon(
  k: TestKafka,
  topic: string,
  group: string,
  store: string,
  extra: string[] = [],
): DaemonProcess {
  const args = ["daemon", "--brokers", k.brokers.join(","), "--topic", topic, "--group", group];
  args.push("--store", store, "--idle-ms", IDLE_MS, "--commit-interval-ms", "200", "--status-every-s", "1");
  // kafkajs's rebalance waits on the fetch's max wait (DESIGN.md): short in tests.
  args.push("--fetch-max-wait-ms", "500", "--metrics-listen", "127.0.0.1:0", "--format", "json", ...extra);
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const out: DaemonProcess["out"] = { stdout: "", stderr: "", code: undefined, signal: null };
  child.stdout?.on("data", (d) => {
    out.stdout += d;
  });
  child.stderr?.on("data", (d) => {
    out.stderr += d;
  });
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      out.code = code;
      out.signal = signal;
      resolve();
    }),
  );
  return { child, out, exited };
}

/** The base URL of the daemon's /metrics, /healthz and /readyz, once it printed it. */
export async function healthUrl(run: DaemonProcess): Promise<string> {
  const pattern = /metrics on (http:\/\/\S+)\/metrics/;
  await until(() => pattern.test(run.out.stderr), "the daemon to print its metrics address");
  return (pattern.exec(run.out.stderr) as RegExpExecArray)[1];
}

/** SIGTERM, then the exit: the daemon commits and leaves the group. */
export async function stopDaemon(run: DaemonProcess): Promise<void> {
  if (run.out.code !== undefined) return;
  run.child.kill("SIGTERM");
  await run.exited;
}

export async function inStore<T>(location: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(location);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * The report of every window the store holds under `source`, partitions merged, without cold starts:
 * a replay infers them from all invocations of a unit, which a daemon, seeing one partition's, cannot
 * (src/daemon/analysis.ts); everything else must be equal.
 */
export async function storedReport(store: Store, source: string) {
  const windows = new WindowedAggregates(60_000_000);
  for (const w of await store.aggregates.windows({ sources: [source] }))
    windows.windowAt(w.startUs).merge(w.aggregate);
  const { summary, units, ...rest } = report(windows);
  const { coldStarts: _, ...summaryRest } = summary as typeof summary & { coldStarts?: number };
  return {
    summary: summaryRest,
    units: units.map(({ coldStarts: _c, coldStartCriticalPathUs: _p, ...unit }) => unit),
    ...rest,
  };
}

/**
 * Waits until the store's checkpoint of every partition of `topic` is at the partition's end: every
 * record read and every trace counted and committed (PostgreSQL only: PGlite is one process's).
 */
export async function untilStoredToEnd(k: TestKafka, location: string, topic: string, group: string) {
  const ends = await k.admin.fetchTopicOffsets(topic);
  await inStore(location, (store) =>
    until(
      async () => {
        const progress = await store.aggregates.progress(`kafka:${group}/${topic}`);
        return ends.every(
          (e) => e.high === "0" || progress.find((p) => p.partition === e.partition)?.offset === e.high,
        );
      },
      `the store's checkpoints of ${group} to reach the end of ${topic}`,
      90_000,
    ),
  );
}

/** `nanofuse replay --store` of the record values framed as the collector's file exporter writes them. */
export async function replayIntoStore(dir: string, values: Buffer[], store: string): Promise<string> {
  const file = join(dir, `${uniqueName("records")}.pb`);
  await writeFile(file, frame(values));
  const source = uniqueName("replay");
  const args = [BIN, "replay", file, "--store", store, "--source", source, "--idle-ms", IDLE_MS];
  const env = { ...process.env };
  delete env.DATABASE_URL;
  await promisify(execFile)(process.execPath, args, { env, maxBuffer: 64 << 20 });
  return source;
}

/** Runs the daemon against the test broker and builds the replay it is compared with. */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { WindowedAggregates } from "../../src/analyse/aggregates.ts";
import { analysisSummary, edgeReports, operationReports, unitReports } from "../../src/analyse/report.ts";
import { analyseTrace } from "../../src/analyse/trace-analysis.ts";
import { DEFAULT_BUFFER_OPTIONS } from "../../src/assemble/trace-buffer.ts";
import { analysisOf } from "../../src/daemon/analysis.ts";
import { MemoryCheckpointSink } from "../../src/daemon/checkpoint.ts";
import { KafkaDaemon } from "../../src/daemon/daemon.ts";
import type { DaemonOptions } from "../../src/daemon/options.ts";
import { frame } from "../../src/ingest/decoders/otlp-proto-testkit.ts";
import { replayFiles } from "../../src/pipeline/replay.ts";
import { type TestKafka, uniqueName, until } from "./kafka.ts";

const IDLE_US = 1_000_000;
export const WORKER = {
  buffer: { ...DEFAULT_BUFFER_OPTIONS, idleUs: IDLE_US },
  windowUs: 1_000_000,
  tickUs: IDLE_US / 10,
};

export function report(windows: WindowedAggregates) {
  const result = analysisOf(windows);
  return {
    summary: analysisSummary(result),
    edges: edgeReports(result),
    units: unitReports(result),
    operations: operationReports(result),
  };
}

/**
 * What `nanofuse replay` makes of the same record values in a file: protobuf values framed as the
 * collector's file exporter writes them, JSON values one per line.
 */
export async function replayOf(dir: string, values: Buffer[], json = false) {
  const file = join(dir, `${uniqueName("records")}${json ? ".jsonl" : ".pb"}`);
  await writeFile(file, json ? `${values.map(String).join("\n")}\n` : frame(values));
  const windows = new WindowedAggregates(WORKER.windowUs);
  await replayFiles([file], (tree) => windows.add(tree, analyseTrace(tree)), { buffer: WORKER.buffer });
  return report(windows);
}

/**
 * The in-process tests' daemon settings: short waits, and the threads of NANOFUSE_DAEMON_WORKERS
 * (as the CLI reads it), so that the same suite runs on partition threads too.
 */
export const TEST_DAEMON = {
  maxWaitTimeInMs: 500,
  commitIntervalMs: 200,
  quietMs: 300,
  worker: WORKER,
  workers: Number(process.env.NANOFUSE_DAEMON_WORKERS ?? 0) || 0,
};

export function daemonFor(k: TestKafka, topic: string, options: Partial<DaemonOptions> = {}) {
  const sink = options.sink instanceof MemoryCheckpointSink ? options.sink : new MemoryCheckpointSink();
  const group = options.group ?? uniqueName("group");
  const daemon = new KafkaDaemon({
    brokers: k.brokers,
    topic,
    group,
    ...TEST_DAEMON,
    ...options,
    sink,
  });
  return { daemon, sink, source: `kafka:${group}/${topic}` };
}

/** Runs a daemon until it has read `records` records and completed every trace, then stops it. */
export async function consume(
  k: TestKafka,
  topic: string,
  records: number,
  options: Partial<DaemonOptions> = {},
) {
  const run = daemonFor(k, topic, options);
  await run.daemon.start();
  await until(
    () => run.daemon.stats().records >= records && run.daemon.stats().inFlightTraces === 0,
    `the daemon to read ${records} records of ${topic}`,
  );
  expect(await run.daemon.stop()).toBe(true);
  return run;
}

/**
 * `nanofuse daemon`: consumes spans from Kafka as the OpenTelemetry Collector's kafka exporter
 * writes them and analyses them continuously (src/daemon/). Windows and checkpoints go to the store
 * (`--store`, else DATABASE_URL, else ./.nanofuse/), so a restarted daemon, or another one of the
 * group, resumes where the store says; the report printed on SIGINT/SIGTERM is what the store holds
 * for this group and topic.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { analysisSummary, edgeReports, operationReports, unitReports } from "../analyse/report.ts";
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import { storeLocation } from "../config/store.ts";
import { analysisOf } from "../daemon/analysis.ts";
import type { DaemonStats } from "../daemon/daemon.ts";
import { startHealthServer } from "../daemon/health-server.ts";
import { DaemonMetrics } from "../daemon/metrics.ts";
import { DAEMON_DEFAULTS } from "../daemon/options.ts";
import { DaemonPlanner, DEFAULT_PLANNER_OPTIONS } from "../daemon/planner.ts";
import type { StoreCheckpointSink } from "../daemon/store-sink.ts";
import { KAFKA_ENCODINGS, type KafkaEncoding } from "../ingest/sources/kafka-records.ts";
import { describeLocation, parseStoreLocation } from "../store/location.ts";
import type { Store } from "../store/store.ts";
import { startSelfTelemetry } from "../telemetry/self-telemetry.ts";
import { tracedStore } from "../telemetry/traced-store.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { nonNegative, nonNegativeInteger, positive, positiveInteger } from "./numbers.ts";

interface DaemonCliOptions {
  brokers: string;
  topic: string;
  group: string;
  encoding: KafkaEncoding;
  deadLetterTopic?: string;
  maxRecordBytes: number;
  maxBufferedSpans: number;
  idleMs: number;
  windowS: number;
  commitIntervalMs: number;
  shutdownDeadlineMs: number;
  fromLatest: boolean;
  statusEveryS: number;
  format: "text" | "json";
  store?: string;
  fetchMaxWaitMs: number;
  scope: string;
  planEveryS: number;
  planBarrierWaitShare: number;
  planNetworkShare: number;
  planMinTraces: number;
  metricsListen: { host: string; port: number };
  workers: number;
}

/** `host:port` (IPv6 in brackets); port 0 asks for a free one. */
function hostPort(value: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value.trim());
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new InvalidArgumentError(`expected host:port, got ${value}`);
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

const integer = (flags: string, description: string, value: number) =>
  new Option(flags, description).argParser(positiveInteger).default(value);

const statusLine = (s: DaemonStats) =>
  `partitions [${s.partitions.join(",")}]  records ${s.records}  spans ${s.spans}  traces ${s.traces}  ` +
  `in flight ${s.inFlightTraces} (${s.bufferedSpans} spans)  dead-lettered ${s.deadLettered}` +
  (s.deadLetterFailed ? ` (${s.deadLetterFailed} failed)` : "") +
  (s.paused ? "  PAUSED" : "");

/** A signal, or the consumer failing for good (kafkajs gave up restarting it). */
function untilSignalOrFailure(failure: () => Error | undefined): Promise<NodeJS.Signals | Error> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
    const check = setInterval(() => {
      const error = failure();
      if (error) {
        clearInterval(check);
        resolve(error);
      }
    }, 500);
    check.unref();
  });
}

export function daemonCommand(state: CommandState): Command {
  const d = DAEMON_DEFAULTS;
  return new Command("daemon")
    .description(LISTINGS.daemon.description)
    .addOption(
      new Option("--brokers <list>", "comma-separated bootstrap brokers")
        .env("KAFKA_BROKERS")
        .makeOptionMandatory(),
    )
    .option("--topic <name>", "topic the collector's kafka exporter writes", d.topic)
    .option("--group <id>", "consumer group; daemons in one group share the partitions", d.group)
    .addOption(
      new Option("--encoding <encoding>", "record encoding (the exporter's `encoding`)")
        .choices(KAFKA_ENCODINGS)
        .default(d.encoding),
    )
    .option("--dead-letter-topic <name>", "where poison records go (default <topic>.dead-letter)")
    .addOption(integer("--max-record-bytes <n>", "larger records are dead-lettered", d.maxRecordBytes))
    .addOption(
      integer(
        "--max-buffered-spans <n>",
        "at this many buffered spans consumption pauses",
        d.maxBufferedSpans,
      ),
    )
    .addOption(
      integer(
        "--idle-ms <ms>",
        "a trace is complete after this much event time without spans",
        DEFAULT_BUFFER_OPTIONS.idleUs / 1000,
      ),
    )
    .addOption(integer("--window-s <s>", "aggregation window", 60))
    .addOption(integer("--commit-interval-ms <ms>", "how often checkpoints are written", d.commitIntervalMs))
    .addOption(
      integer("--shutdown-deadline-ms <ms>", "longest time a shutdown may take", d.shutdownDeadlineMs),
    )
    .addOption(
      integer(
        "--fetch-max-wait-ms <ms>",
        "longest wait of a fetch for new records; also bounds how long a rebalance takes",
        d.maxWaitTimeInMs,
      ),
    )
    .option("--from-latest", "a new group starts at the end of the topic, not its beginning", false)
    .addOption(integer("--status-every-s <s>", "status line on stderr every so often", 10))
    .addOption(new Option("--format <format>", "report on exit").choices(["text", "json"]).default("text"))
    .option(
      "--store <location>",
      "where windows and checkpoints go: postgres://… (several daemons), a PGlite directory (default ./.nanofuse, or DATABASE_URL)",
    )
    .option("--scope <name>", "scope of the planner's proposals", DEFAULT_PLANNER_OPTIONS.scope)
    .addOption(
      new Option("--plan-every-s <s>", "plan at least this often while traces arrive (leader only)")
        .argParser(positive)
        .default(DEFAULT_PLANNER_OPTIONS.everyMs / 1000),
    )
    .addOption(
      new Option(
        "--plan-barrier-wait-share <x>",
        "plan early when barrier wait reaches this share of latency",
      )
        .argParser(nonNegative)
        .default(DEFAULT_PLANNER_OPTIONS.barrierWaitShare),
    )
    .addOption(
      new Option(
        "--plan-network-share <x>",
        "plan early when critical-path network time reaches this share of latency",
      )
        .argParser(nonNegative)
        .default(DEFAULT_PLANNER_OPTIONS.networkShare),
    )
    .addOption(
      integer(
        "--plan-min-traces <n>",
        "fewest traces since the last plan for an early plan",
        DEFAULT_PLANNER_OPTIONS.minTraces,
      ),
    )
    .addOption(
      new Option(
        "--workers <n>",
        "threads for decode, assembly and analysis (partition p on thread p mod n); 0: all in the main thread",
      )
        .env("NANOFUSE_DAEMON_WORKERS")
        .argParser(nonNegativeInteger)
        .default(0),
    )
    .addOption(
      new Option(
        "--metrics-listen <host:port>",
        "where /metrics (Prometheus), /healthz and /readyz are served; port 0 picks a free one",
      )
        .argParser(hostPort)
        .default(hostPort("127.0.0.1:9464"), "127.0.0.1:9464"),
    )
    .action(async (opts: DaemonCliOptions) => {
      const telemetry = await startSelfTelemetry();
      // Loaded here, so that other commands do not load kafkajs (and after the SDK started).
      const { KafkaDaemon } = await import("../daemon/daemon.ts");
      const { StoreCheckpointSink } = await import("../daemon/store-sink.ts");
      const { openStore } = await import("../store/open.ts");
      const location = parseStoreLocation(storeLocation(opts.store));
      const opened = await openStore(location);
      const store = telemetry.enabled ? tracedStore(opened) : opened;
      const sink = new StoreCheckpointSink(store);
      const planner = new DaemonPlanner(store, Date.now(), {
        scope: opts.scope,
        everyMs: opts.planEveryS * 1000,
        barrierWaitShare: opts.planBarrierWaitShare,
        networkShare: opts.planNetworkShare,
        minTraces: opts.planMinTraces,
      });
      try {
        state.exitCode = await runDaemon(
          opts,
          { sink, planner, store },
          describeLocation(location),
          KafkaDaemon,
        );
      } finally {
        await store.close();
        await telemetry.shutdown();
      }
    });
}

async function runDaemon(
  opts: DaemonCliOptions,
  { sink, planner, store }: { sink: StoreCheckpointSink; planner: DaemonPlanner; store: Store },
  where: string,
  KafkaDaemon: typeof import("../daemon/daemon.ts").KafkaDaemon,
): Promise<number> {
  const daemon = new KafkaDaemon({
    brokers: opts.brokers
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
    topic: opts.topic,
    group: opts.group,
    encoding: opts.encoding,
    deadLetterTopic: opts.deadLetterTopic,
    maxRecordBytes: opts.maxRecordBytes,
    maxBufferedSpans: opts.maxBufferedSpans,
    commitIntervalMs: opts.commitIntervalMs,
    shutdownDeadlineMs: opts.shutdownDeadlineMs,
    fromBeginning: !opts.fromLatest,
    maxWaitTimeInMs: opts.fetchMaxWaitMs,
    workers: opts.workers,
    worker: {
      buffer: { ...DEFAULT_BUFFER_OPTIONS, idleUs: opts.idleMs * 1000 },
      windowUs: opts.windowS * 1e6,
      tickUs: (opts.idleMs * 1000) / 10,
    },
    sink,
    planner,
    onFlush: (ms) => metrics.flushed(ms),
    log: (line) => process.stderr.write(`nanofuse daemon: ${line}\n`),
  });
  const metrics = new DaemonMetrics(
    () => daemon.stats(),
    () => planner.stats(),
  );
  const http = await startHealthServer({
    ...opts.metricsListen,
    metrics,
    ping: () => store.ping(),
    ready: () => daemon.ready(),
  });
  process.stderr.write(
    `nanofuse daemon: metrics on ${http.url}/metrics, health on ${http.url}/healthz and ${http.url}/readyz\n`,
  );
  try {
    return await consumeUntilSignal(opts, daemon, { sink, planner }, where);
  } finally {
    await http.close();
    await metrics.shutdown();
  }
}

async function consumeUntilSignal(
  opts: DaemonCliOptions,
  daemon: import("../daemon/daemon.ts").KafkaDaemon,
  { sink, planner }: { sink: StoreCheckpointSink; planner: DaemonPlanner },
  where: string,
): Promise<number> {
  await daemon.start();
  process.stderr.write(
    `nanofuse daemon: consuming ${opts.topic} as group ${opts.group} from ${opts.brokers} into ${where}\n`,
  );
  const status = setInterval(
    () => process.stderr.write(`nanofuse daemon: ${statusLine(daemon.stats())}\n`),
    opts.statusEveryS * 1000,
  );
  const reason = await untilSignalOrFailure(() => daemon.failure());
  clearInterval(status);
  const failed = reason instanceof Error;
  process.stderr.write(
    failed
      ? `nanofuse daemon: NF_KAFKA_FAILED: ${reason.message}: committing what is complete and stopping\n`
      : `nanofuse daemon: ${reason}: committing and leaving the group\n`,
  );
  const inTime = await daemon.stop();
  const result = analysisOf(await sink.windows(`kafka:${opts.group}/${opts.topic}`, opts.windowS * 1e6));
  const stats = daemon.stats();
  if (opts.format === "json") {
    const doc = {
      summary: { ...analysisSummary(result), rejected: daemon.problems.bySeverity("reject") },
      daemon: stats,
      planner: planner.stats(),
      edges: edgeReports(result),
      units: unitReports(result),
      operations: operationReports(result),
    };
    process.stdout.write(`${JSON.stringify(doc)}\n`);
  } else process.stdout.write(`${statusLine(stats)}\n`);
  if (!inTime)
    process.stderr.write("nanofuse daemon: the shutdown deadline passed before everything was committed\n");
  return inTime && !failed ? 0 : 1;
}

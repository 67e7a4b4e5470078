/**
 * The Kafka section of `npm run bench` (issue 10): topic → analysed spans per second of the daemon's
 * consumer path (KafkaDaemon: fetch, decode, per-partition assembly, analysis, in-memory commits),
 * beside a bare kafkajs consumer that only counts the same topic's records, in the same run, on a
 * broker started for the benchmark (scripts/kafka.ts, profile "bench": 512 MiB heap, G1).
 *
 * Layouts, each on a 4-partition topic with the collector's records (test/support/kafka-records.ts):
 * `keyed` (partition_traces_by_id: one trace per record) and `batched` (null key, 512 spans per
 * record), uncompressed and with the broker compressing lz4 and zstd. Every measurement runs in its
 * own child process with a new consumer group, timed from the group join to the last record read
 * (the daemon: plus completing and committing the traces still in flight at the end);
 * peak RSS is the child's VmHWM. Fetch sizes: DESIGN.md's 4 MiB per partition, 50 MiB per fetch.
 * Aims: the daemon ≥ 70% of the bare consumer, ≥ 100,000 spans per CPU second with batched records.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { startBroker, stopBroker } from "../scripts/kafka.ts";
import { registerKafkaCodecs } from "../src/ingest/sources/kafka-codecs.ts";
import {
  batchedRecords,
  keyedRecords,
  shopTraces,
  spanCount,
  type TestRecord,
} from "../test/support/kafka-records.ts";

const BROKER = "bench";
const PARTITIONS = 4;
const SPANS_PER_BATCH = 512;
const FETCH = { maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 50 * 1024 * 1024, maxWaitTimeInMs: 500 };
const AIM_RATIO = 0.7;
const AIM_SPANS_PER_CPU_SECOND = 100_000;

export interface KafkaBenchOptions {
  spans: number;
  runs: number;
  seed: number;
}

interface ChildResult {
  records: number;
  spans: number;
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
}

interface Layout {
  name: string;
  compression: string;
  topic: string;
  records: number;
  spans: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

/**
 * A figure of /proc/PID/status in bytes: VmRSS now, or VmHWM, the peak RSS of the process since its
 * exec. (`maxRSS` of getrusage would not do for the children: Linux carries it over from the parent
 * across fork and exec, and the parent holds every topic's records.)
 */
function procStatus(pid: number | "self", field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return line ? Number(line[1]) * 1024 : 0;
}

async function produce(kafka: Kafka, topic: string, records: TestRecord[]): Promise<void> {
  // Idempotent: on a loaded machine a timed-out request is sent again, and without it the topic can
  // hold a record twice (seen here: a daemon "analysed" more spans than were produced).
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  for (let i = 0; i < records.length; ) {
    const chunk = [];
    for (let bytes = 0; i < records.length && bytes < 512 * 1024; i++) {
      chunk.push(records[i]);
      bytes += records[i].value.length;
    }
    await producer.send({ topic, messages: chunk });
  }
  await producer.disconnect();
}

function runChild(args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--child", ...args],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").pop() as string))
        : reject(new Error(`child ${args[0]} exited ${code}`)),
    );
  });
}

/** Child: read `records` records of `topic` (bare: count them; daemon: analyse them), one JSON line out. The CPU time
 * is the whole child's from the join on, leaving the group included. */
async function child([mode, brokers, topic, records]: string[]): Promise<void> {
  registerKafkaCodecs();
  const expected = Number(records);
  const group = `bench-${mode}-${process.pid}-${Date.now()}`;
  // Timed from the moment the consumer has joined its group: the first fetch is included.
  let first = 0;
  let cpuFirst = process.cpuUsage();
  const started = () => {
    first = performance.now();
    cpuFirst = process.cpuUsage();
  };
  const result: ChildResult = { records: 0, spans: 0, seconds: 0, cpuSeconds: 0, maxRssBytes: 0 };
  if (mode === "bare") {
    const kafka = new Kafka({ clientId: "bench-bare", brokers: [brokers], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: group, ...FETCH });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        result.records += batch.messages.length;
        if (result.records >= expected) done();
      },
    });
    started();
    await all;
    result.seconds = (performance.now() - first) / 1000;
  } else {
    const { KafkaDaemon } = await import("../src/daemon/daemon.ts");
    const { MemoryCheckpointSink } = await import("../src/daemon/checkpoint.ts");
    const daemon = new KafkaDaemon({
      brokers: [brokers],
      topic,
      group,
      sink: new MemoryCheckpointSink(),
      ...FETCH,
    });
    await daemon.start();
    started();
    while (daemon.stats().records < expected) await new Promise((r) => setTimeout(r, 2));
    const read = performance.now();
    // Completing the traces still in flight is analysis work; stopping the fetch and leaving are not.
    await daemon.stop({ flush: true });
    result.seconds = (read - first + (daemon.lastStop?.flushCommitMs ?? 0)) / 1000;
    const stats = daemon.stats();
    result.records = stats.records;
    result.spans = stats.spans;
  }
  const cpu = process.cpuUsage(cpuFirst);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  result.maxRssBytes = procStatus("self", "VmHWM");
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

/** Starts the broker, fills the topics, measures, stops the broker; returns the section's markdown. */
export async function kafkaSection(options: KafkaBenchOptions, title: string): Promise<string> {
  registerKafkaCodecs();
  const load = os.loadavg()[0];
  const broker = await startBroker({
    name: BROKER,
    profile: "bench",
    log: (l) => process.stderr.write(`kafka: ${l}\n`),
  });
  const brokerRss = procStatus(broker.pid, "VmRSS");
  const kafka = new Kafka({ clientId: "bench", brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const rows: string[] = [];
  try {
    await admin.connect();
    const traces = shopTraces(Math.max(1, Math.round(options.spans / 22)), options.seed);
    const spans = spanCount(traces);
    const sets = { keyed: keyedRecords(traces), batched: batchedRecords(traces, SPANS_PER_BATCH) };
    const layouts: Layout[] = [];
    for (const [name, compression] of [
      ["keyed", "uncompressed"],
      ["batched", "uncompressed"],
      ["batched", "lz4"],
      ["batched", "zstd"],
    ] as const) {
      const topic = `bench-${name}-${compression}`;
      const configEntries = [{ name: "compression.type", value: compression }];
      await admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS, configEntries }],
        waitForLeaders: true,
      });
      await produce(kafka, topic, sets[name]);
      layouts.push({ name, compression, topic, records: sets[name].length, spans });
    }
    for (const layout of layouts) {
      const bare: ChildResult[] = [];
      const daemon: ChildResult[] = [];
      for (let run = 1; run <= options.runs; run++) {
        const args = [broker.bootstrap, layout.topic, String(layout.records)];
        bare.push(await runChild(["bare", ...args]));
        daemon.push(await runChild(["daemon", ...args]));
        if (daemon[daemon.length - 1].spans !== layout.spans)
          throw new Error(`the daemon analysed ${daemon[daemon.length - 1].spans} of ${layout.spans} spans`);
        const b = bare[bare.length - 1];
        const d = daemon[daemon.length - 1];
        process.stderr.write(
          `kafka ${layout.name}/${layout.compression} run ${run}: bare ${fmt(layout.spans / b.seconds)} spans/s, daemon ${fmt(layout.spans / d.seconds)} spans/s (${fmt(layout.spans / d.cpuSeconds)} per CPU s), peak RSS ${mib(d.maxRssBytes)} MiB\n`,
        );
      }
      const best = (list: ChildResult[]) => list.reduce((a, c) => (c.seconds < a.seconds ? c : a));
      const b = best(bare);
      const d = best(daemon);
      const ratio = b.seconds / d.seconds;
      const perCpu = layout.spans / d.cpuSeconds;
      rows.push(
        `| ${layout.name} | ${layout.compression} | ${fmt(layout.records)} | ${fmt(layout.spans)} | ${fmt(layout.spans / b.seconds)} (${fmt(layout.spans / b.cpuSeconds)} per CPU s) | ${fmt(layout.spans / d.seconds)} | ${(100 * ratio).toFixed(0)}% ${ratio >= AIM_RATIO ? "met" : "not met"} | ${fmt(perCpu)} ${perCpu >= AIM_SPANS_PER_CPU_SECOND ? "met" : "not met"} | ${mib(b.maxRssBytes)} / ${mib(d.maxRssBytes)} |`,
      );
    }
  } finally {
    await admin.disconnect().catch(() => {});
    await stopBroker(BROKER);
  }
  return [
    `## ${title}`,
    "",
    `- machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, load average ${load.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end`,
    `- broker: Apache Kafka 4.1.1 (KRaft, one node, kafka/pom.xml), profile bench; started in ${(broker.startMs / 1000).toFixed(1)} s (spawn to \`Kafka Server started\` and a TCP connect), RSS ${mib(brokerRss)} MiB right after the start`,
    `- input: ${fmt(options.spans)} requested spans of the synthetic shop (bench/synth.ts, seed ${options.seed}) on ${PARTITIONS}-partition topics; the broker compresses with the topic's codec`,
    `- each figure: best of ${options.runs} runs, each in its own child process and consumer group, timed from the group join to the last record read; the daemon's time includes completing the traces still in flight at the end; "per CPU s" is spans over the daemon child's user + system CPU time`,
    `- aims (issue 10): daemon ≥ ${100 * AIM_RATIO}% of the bare consumer; ≥ ${fmt(AIM_SPANS_PER_CPU_SECOND)} spans per CPU second with batched records`,
    "",
    "| layout | compression | records | spans | bare kafkajs spans/s | daemon spans/s | daemon / bare | daemon spans per CPU s | peak RSS bare / daemon (MiB) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

if (process.argv[2] === "--child") await child(process.argv.slice(3));

/**
 * The daemon's options and their defaults, apart from the daemon itself so that the CLI can show
 * them without loading kafkajs.
 */
import type { KafkaEncoding } from "../ingest/sources/kafka-records.ts";
import type { CheckpointSink } from "./checkpoint.ts";
import type { PartitionWorkerOptions } from "./partition-worker.ts";
import type { DaemonPlanner } from "./planner.ts";

export interface DaemonOptions {
  brokers: string[];
  topic: string;
  group: string;
  encoding: KafkaEncoding;
  clientId: string;
  /** Default `<topic>.dead-letter`. */
  deadLetterTopic?: string;
  /** Larger record values are dead-lettered unread. */
  maxRecordBytes: number;
  maxBufferedSpans: number;
  /** Default 80% of `maxBufferedSpans`. */
  resumeBufferedSpans?: number;
  commitIntervalMs: number;
  /** A partition without records for this long has its clock advanced by wall time (default: idle). */
  quietMs?: number;
  maintainIntervalMs: number;
  shutdownDeadlineMs: number;
  /** Where a group without committed offsets starts: the topic's beginning, or its end. */
  fromBeginning: boolean;
  maxWaitTimeInMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
  worker: Partial<PartitionWorkerOptions>;
  /**
   * Partition threads for decode, assembly and analysis (partition p on thread p mod N); 0: all
   * in the main thread, the reference path. Default 0 (the CLI: `--workers`, NANOFUSE_DAEMON_WORKERS).
   */
  workers: number;
  sink: CheckpointSink;
  /** Fed every completed trace and committed window; runs when this daemon holds the planner lease. */
  planner?: DaemonPlanner;
  /** Called after each store commit of a partition, with how long store and Kafka commits took. */
  onFlush?: (ms: number) => void;
  /** Wall-clock milliseconds; the daemon's only clock. */
  clock: () => number;
  log: (line: string) => void;
}

export const DAEMON_DEFAULTS = {
  topic: "otlp_spans",
  group: "nanofuse",
  encoding: "otlp_proto",
  clientId: "nanofuse-daemon",
  maxRecordBytes: 16 * 1024 * 1024,
  maxBufferedSpans: 1_000_000,
  commitIntervalMs: 5_000,
  maintainIntervalMs: 250,
  shutdownDeadlineMs: 10_000,
  fromBeginning: true,
  maxWaitTimeInMs: 5_000,
  // DESIGN.md: kafkajs's 1 MiB / 10 MiB defaults halve the throughput of a bare consumer here.
  maxBytesPerPartition: 4 * 1024 * 1024,
  maxBytes: 50 * 1024 * 1024,
} as const satisfies Partial<DaemonOptions>;

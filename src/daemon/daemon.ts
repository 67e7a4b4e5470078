/**
 * `nanofuse daemon`: consumes the spans the OpenTelemetry Collector's kafka exporter writes and keeps
 * analysing them, one PartitionWorker per assigned partition (DESIGN.md "Scale-out": the exporter's
 * `partition_traces_by_id` keeps a trace in one partition, so a partition is a unit of work that a
 * consumer group can move between daemons). checkpoint.ts explains the checkpoint, partition-worker.ts
 * the clock. This file is the kafkajs edge: fetch, decode, dead-letter, pause, commit, shut down.
 *
 * kafkajs facts this relies on (DESIGN.md): with `autoCommit: false` nothing is committed unless we
 * say so, and we commit the checkpoint's low watermark, not the last offset read; after a rebalance
 * kafkajs fetches a partition again from its committed offset, so a worker that keeps its partition
 * skips what it has read (`accepts`), and a worker for a newly assigned partition starts from the
 * store's checkpoint (seeking back if the group's offset is ahead of it).
 *
 * Backpressure: when the spans buffered by all workers reach `maxBufferedSpans`, every partition is
 * paused (the rest of the batch is left to be fetched again) until the buffers drain below
 * `resumeBufferedSpans`. A paused partition is quiet, so the wall-clock rule completes its idle traces.
 */
import kafkajs, {
  type Consumer,
  type EachBatchPayload,
  Kafka,
  type KafkaMessage,
  logLevel,
  Partitioners,
  type Producer,
} from "kafkajs";
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import { NanofuseError, type Problem, problem, severityOf } from "../errors.ts";
import { ProblemLog } from "../ingest/problem-log.ts";
import { registerKafkaCodecs } from "../ingest/sources/kafka-codecs.ts";
import { decodeKafkaRecord } from "../ingest/sources/kafka-records.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { Span } from "../model/span.ts";
import type { WindowCommit } from "./checkpoint.ts";
import { DeadLetters } from "./dead-letter.ts";
import { DAEMON_DEFAULTS, type DaemonOptions } from "./options.ts";
import { PartitionWorker } from "./partition-worker.ts";
import { type ThreadPartition, ThreadPool } from "./thread-pool.ts";

export interface DaemonStats {
  /** Assigned by the group's last join, or being read. */
  partitions: number[];
  records: number;
  spans: number;
  traces: number;
  alreadyCounted: number;
  inFlightTraces: number;
  bufferedSpans: number;
  deadLettered: number;
  deadLetterFailed: number;
  paused: boolean;
  pauses: number;
  commits: number;
  conflicts: number;
  /** Spans the trace buffers dropped as exact duplicates of spans they held. */
  duplicateSpans: number;
  /** Traces completed early, flagged partial, because the buffer was full or they grew too old. */
  evictedTraces: number;
  /** Per assigned partition: records in the partition not yet read (high watermark − next offset). */
  lag: { partition: number; records: number }[];
}

interface Assigned {
  /** In-thread, or on a partition thread (`workers` > 0). */
  worker: PartitionWorker | ThreadPartition;
  /** Wall time of the last record, or of the last clock advance of a quiet partition. */
  activeAt: number;
  committedAt: number;
  committing?: Promise<void>;
  /** The partition's high watermark at the last fetch. */
  highWatermark?: number;
  /** An offset the store holds that Kafka refused to take: sent again at the next commit. */
  unsentOffset?: string;
}

/** Collects one record's spans and problems. */
class RecordSink {
  spans: Span[] = [];
  problems: Problem[] = [];
  rejected = 0;
  span(span: Span): void {
    this.spans.push(span);
  }
  problem(p: Problem): void {
    this.problems.push(p);
    if (severityOf(p.code) === "reject") this.rejected++;
  }
}

export class KafkaDaemon {
  readonly options: DaemonOptions & { deadLetterTopic: string; resumeBufferedSpans: number; quietMs: number };
  readonly problems = new ProblemLog();
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly deadLetters: DeadLetters;
  private readonly assigned = new Map<number, Assigned>();
  private readonly source: string;
  private timer?: NodeJS.Timeout;
  private paused = false;
  private maintaining = false;
  private pauses = 0;
  private commits = 0;
  private conflicts = 0;
  /** Counters of workers that were dropped (partition lost), so totals never go backwards. */
  private readonly retired = {
    records: 0,
    spans: 0,
    traces: 0,
    alreadyCounted: 0,
    duplicateSpans: 0,
    evictedTraces: 0,
  };
  private running = false;
  /** The partitions of the last group join, fetched from yet or not (a partition at its end sends no batch). */
  private owned = new Set<number>();
  private crashed?: Error;
  /** The partition threads when `workers` > 0 (from `start` on). */
  private pool?: ThreadPool;
  /** How long the phases of the last `stop` took: fetch stopped, traces flushed and committed, left. */
  lastStop?: { stopFetchMs: number; flushCommitMs: number; disconnectMs: number };

  constructor(options: Partial<DaemonOptions> & Pick<DaemonOptions, "brokers" | "sink">) {
    const merged = {
      ...DAEMON_DEFAULTS,
      worker: {},
      workers: 0,
      clock: Date.now,
      log: () => {},
      ...options,
    };
    const idleUs = merged.worker.buffer?.idleUs ?? DEFAULT_BUFFER_OPTIONS.idleUs;
    this.options = {
      ...merged,
      deadLetterTopic: merged.deadLetterTopic ?? `${merged.topic}.dead-letter`,
      resumeBufferedSpans: merged.resumeBufferedSpans ?? Math.floor(merged.maxBufferedSpans * 0.8),
      quietMs: merged.quietMs ?? idleUs / 1000,
    };
    const planner = this.options.planner;
    if (planner) {
      const onTree = this.options.worker.onTree;
      this.options.worker = {
        ...this.options.worker,
        onTree: (tree) => {
          planner.add(tree);
          onTree?.(tree);
        },
      };
    }
    registerKafkaCodecs();
    this.source = `kafka:${this.options.group}/${this.options.topic}`;
    this.kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: this.options.brokers,
      logLevel: logLevel.NOTHING,
    });
    this.consumer = this.kafka.consumer({
      groupId: this.options.group,
      maxWaitTimeInMs: this.options.maxWaitTimeInMs,
      maxBytesPerPartition: this.options.maxBytesPerPartition,
      maxBytes: this.options.maxBytes,
    });
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.deadLetters = new DeadLetters(this.producer, this.options.deadLetterTopic, (record, error) => {
      const where = { file: `kafka:${record.topic}[${record.partition}]@${record.offset}` };
      this.problems.add(problem("NF_DEAD_LETTER_FAILED", error.message, where));
      this.options.log(`dead letter of ${where.file} not written: ${error.message}`);
    });
  }

  /** Connects, joins the group and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const { consumer } = this;
    const { workers } = this.options;
    if (workers > 0)
      this.pool = new ThreadPool(workers, {
        topic: this.options.topic,
        encoding: this.options.encoding,
        maxRecordBytes: this.options.maxRecordBytes,
        trees: this.options.worker.onTree !== undefined,
      });
    await this.pool?.ready();
    try {
      await this.producer.connect();
      await this.ensureDeadLetterTopic();
      await consumer.connect();
      await consumer.subscribe({ topics: [this.options.topic], fromBeginning: this.options.fromBeginning });
    } catch (error) {
      throw new NanofuseError("NF_KAFKA_FAILED", (error as Error).message, { cause: error });
    }
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const mine = new Set(payload.memberAssignment[this.options.topic] ?? []);
      this.owned = mine;
      for (const partition of [...this.assigned.keys()]) if (!mine.has(partition)) this.retire(partition);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.crashed = payload.error;
      this.options.log(`kafka consumer crashed: ${payload.error.message}`);
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      // With partition threads, batches of several partitions are in their threads at once.
      partitionsConsumedConcurrently: workers > 0 ? 2 * workers : 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.timer = setInterval(() => void this.maintain(), this.options.maintainIntervalMs);
    this.running = true;
  }

  /**
   * Leaves without committing anything more, as a crash would (tests use it for the fault cases):
   * the next owner of the partitions resumes from the last checkpoint.
   */
  async abort(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.assigned.clear();
    await this.options.planner?.release();
    await this.consumer.disconnect();
    await this.producer.disconnect();
    await this.pool?.close();
  }

  /** A fatal consumer error kafkajs will not restart from, if any. */
  failure(): Error | undefined {
    return this.crashed ?? (this.running ? this.pool?.failure() : undefined);
  }

  stats(): DaemonStats {
    const totals = { ...this.retired, inFlightTraces: 0, bufferedSpans: 0 };
    const lag: DaemonStats["lag"] = [];
    for (const [partition, { worker, highWatermark }] of this.assigned) {
      const c = worker.counters;
      totals.records += c.records;
      totals.spans += c.spans;
      totals.traces += c.traces;
      totals.alreadyCounted += c.alreadyCounted;
      const buffer = worker.bufferStats();
      totals.inFlightTraces += buffer.bufferedTraces;
      totals.bufferedSpans += buffer.bufferedSpans;
      totals.duplicateSpans += buffer.duplicates;
      totals.evictedTraces += buffer.evictedTraces;
      if (highWatermark !== undefined && Number.isFinite(worker.nextOffset))
        lag.push({ partition, records: Math.max(0, highWatermark - worker.nextOffset) });
    }
    lag.sort((a, b) => a.partition - b.partition);
    return {
      partitions: [...new Set([...this.owned, ...this.assigned.keys()])].sort((a, b) => a - b),
      ...totals,
      deadLettered: this.deadLetters.sent,
      deadLetterFailed: this.deadLetters.failed,
      paused: this.paused,
      pauses: this.pauses,
      commits: this.commits,
      conflicts: this.conflicts,
      lag,
    };
  }

  /** Consuming: started, not stopping, and the consumer not failed for good (/readyz). */
  ready(): boolean {
    return this.running && this.crashed === undefined;
  }

  /**
   * Stops fetching, commits what is complete (the checkpoint keeps in-flight traces for the next
   * owner) and leaves the group, within the deadline. `flush` also completes the traces in flight,
   * for a run that drains a topic to its end; a daemon that will resume must not (it would count
   * them partial, and then again whole). Resolves to false when the deadline cut the work short.
   */
  async stop(options: { flush?: boolean } = {}): Promise<boolean> {
    this.running = false;
    clearInterval(this.timer);
    const work = (async () => {
      const began = this.options.clock();
      await this.consumer.stop();
      const fetchStopped = this.options.clock();
      for (const [partition, entry] of this.assigned) {
        if (options.flush) entry.worker.flush();
        await this.commit(partition, entry);
      }
      const committed = this.options.clock();
      await this.options.planner?.release();
      await this.consumer.disconnect();
      await this.producer.disconnect();
      await this.pool?.close();
      this.lastStop = {
        stopFetchMs: fetchStopped - began,
        flushCommitMs: committed - fetchStopped,
        disconnectMs: this.options.clock() - committed,
      };
    })();
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timeout = setTimeout(() => resolve(false), this.options.shutdownDeadlineMs);
    });
    const done = await Promise.race([work.then(() => true), deadline]);
    clearTimeout(timeout);
    return done;
  }

  /** Creates the dead-letter topic like the source (partitions, max.message.bytes) when it is missing. */
  private async ensureDeadLetterTopic(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [this.options.topic] });
      const existing = await admin.listTopics();
      if (existing.includes(this.options.deadLetterTopic)) return;
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: this.options.topic,
            configNames: ["max.message.bytes"],
          },
        ],
      });
      const maxBytes = configs.resources[0]?.configEntries[0]?.configValue;
      await admin.createTopics({
        topics: [
          {
            topic: this.options.deadLetterTopic,
            numPartitions: topics[0]?.partitions.length ?? 1,
            configEntries: maxBytes ? [{ name: "max.message.bytes", value: maxBytes }] : [],
          },
        ],
        waitForLeaders: true,
      });
    } catch (error) {
      // Not allowed to create topics here: an operator made it, or sends will fail and be counted.
      this.options.log(
        `dead-letter topic ${this.options.deadLetterTopic} not created: ${(error as Error).message}`,
      );
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, isRunning, isStale, heartbeat } = payload;
    const { partition, topic } = batch;
    const entry = await this.entryFor(partition, batch.firstOffset());
    if (!entry) return;
    if (!(entry.worker instanceof PartitionWorker)) return this.onThreadBatch(payload, entry, entry.worker);
    const { worker } = entry;
    entry.highWatermark = Number(batch.highWatermark);
    const cap = this.options.maxBufferedSpans;
    const others = this.bufferedSpans() - worker.bufferedSpans();
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      const offset = Number(message.offset);
      if (!worker.accepts(offset)) continue;
      if (this.paused || others + worker.bufferedSpans() >= cap) {
        this.pause();
        this.consumer.seek({ topic, partition, offset: message.offset });
        return;
      }
      worker.record(offset, this.decode(message, partition, worker));
    }
    entry.activeAt = this.options.clock();
    await heartbeat();
    if (entry.activeAt - entry.committedAt >= this.options.commitIntervalMs)
      await this.commit(partition, entry);
  }

  /** The worker of a partition, created from the store's checkpoint; undefined while seeking to it. */
  private async entryFor(partition: number, firstOffset: string | null): Promise<Assigned | undefined> {
    const known = this.assigned.get(partition);
    if (known) return known;
    const checkpoint = await this.options.sink.load(this.source, partition);
    const worker = this.pool
      ? await this.pool.open(partition, this.threadWorkerOptions(), this.treesTo(), checkpoint)
      : new PartitionWorker(partition, this.options.worker, checkpoint);
    const now = this.options.clock();
    const entry: Assigned = { worker, activeAt: now, committedAt: now };
    this.assigned.set(partition, entry);
    const resume = worker.resumeOffset;
    if (resume !== undefined && firstOffset !== null && Number(firstOffset) > resume) {
      this.consumer.seek({ topic: this.options.topic, partition, offset: String(resume) });
      return undefined;
    }
    return entry;
  }

  /** The worker options a thread can be sent: all but the callback, whose trees come back. */
  private threadWorkerOptions() {
    const { onTree: _onTree, ...rest } = this.options.worker;
    return rest;
  }

  private treesTo(): ((trees: CallTree[]) => void) | undefined {
    const onTree = this.options.worker.onTree;
    return onTree && ((trees) => trees.forEach(onTree));
  }

  /**
   * onBatch for a partition thread: the accepted records go to the thread in one message; the
   * backpressure check is the thread's, before each record, against a grant of spans this batch
   * may add (a share of the room left below the cap, per assigned partition; strictly when other
   * batches are out), so that the buffers pass the cap by at most one record, as in-thread.
   */
  private async onThreadBatch(
    { batch, isRunning, isStale, heartbeat }: EachBatchPayload,
    entry: Assigned,
    worker: ThreadPartition,
  ): Promise<void> {
    const { partition, topic } = batch;
    entry.highWatermark = Number(batch.highWatermark);
    if (!isRunning() || isStale()) return;
    const records: { offset: number; value: Buffer | null }[] = [];
    const messages = new Map<number, KafkaMessage>();
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (!worker.accepts(offset)) continue;
      records.push({ offset, value: message.value });
      messages.set(offset, message);
    }
    if (records.length > 0) {
      let reserved = 0;
      let busy = 0;
      for (const other of this.assigned.values()) {
        if (other === entry || other.worker instanceof PartitionWorker || other.worker.inFlightGrant === 0)
          continue;
        reserved += other.worker.inFlightGrant;
        busy++;
      }
      const room = this.options.maxBufferedSpans - this.bufferedSpans() - reserved;
      if (this.paused || room <= 0) {
        this.pause();
        this.consumer.seek({ topic, partition, offset: String(records[0].offset) });
        return;
      }
      // A share, so that the other partitions' batches find room too; strict when some are out.
      const strict = busy > 0;
      const shares = Math.max(1, this.owned.size, this.assigned.size);
      const grant = Math.max(1, Math.floor(room / shares));
      const { stoppedAt, events } = await worker.batch(records, grant, strict);
      for (const event of events) {
        if (event.kind === "problem") {
          this.problems.add(event.problem);
          continue;
        }
        const message = messages.get(event.offset) as KafkaMessage;
        const where = { file: `kafka:${topic}[${partition}]@${message.offset}` };
        this.problems.add({ code: event.code, message: event.message, where });
        this.deadLetters.send({
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          reason: event.code,
          detail: event.message,
        });
      }
      if (stoppedAt <= records[records.length - 1].offset) {
        // The grant ran out: paused only at the cap itself; else the rest is fetched again.
        if (this.bufferedSpans() >= this.options.maxBufferedSpans) this.pause();
        this.consumer.seek({ topic, partition, offset: String(stoppedAt) });
        return;
      }
    }
    entry.activeAt = this.options.clock();
    await heartbeat();
    if (entry.activeAt - entry.committedAt >= this.options.commitIntervalMs)
      await this.commit(partition, entry);
  }

  private decode(message: KafkaMessage, partition: number, worker: PartitionWorker): Span[] {
    const { topic, encoding, maxRecordBytes } = this.options;
    const { offset, value } = message;
    const where = { file: `kafka:${topic}[${partition}]@${offset}` };
    const repeat = worker.readEarlier(Number(offset));
    const poison = (reason: "NF_RECORD_EMPTY" | "NF_RECORD_TOO_LARGE" | Problem["code"], detail: string) => {
      if (repeat) return;
      this.problems.add({ code: reason, message: detail, where });
      this.deadLetters.send({ topic, partition, offset, key: message.key, value, reason, detail });
    };
    if (!value || value.length === 0) {
      poison("NF_RECORD_EMPTY", "the record has no value");
      return [];
    }
    if (value.length > maxRecordBytes) {
      poison("NF_RECORD_TOO_LARGE", `${value.length} bytes, more than ${maxRecordBytes}`);
      return [];
    }
    const sink = new RecordSink();
    decodeKafkaRecord(value, encoding, where, sink);
    if (sink.spans.length === 0 && sink.rejected > 0) {
      const first = sink.problems.find((p) => severityOf(p.code) === "reject") as Problem;
      poison(first.code, first.message);
      return [];
    }
    if (!repeat) for (const p of sink.problems) this.problems.add(p);
    return sink.spans;
  }

  private bufferedSpans(): number {
    let total = 0;
    for (const { worker } of this.assigned.values()) total += worker.bufferedSpans();
    return total;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pauses++;
    this.consumer.pause([{ topic: this.options.topic }]);
  }

  /** The timer: quiet partitions' clocks, due commits, and resuming once the buffers drained. */
  private async maintain(): Promise<void> {
    if (this.maintaining) return;
    this.maintaining = true;
    try {
      await this.maintainOnce();
    } finally {
      this.maintaining = false;
    }
  }

  private async maintainOnce(): Promise<void> {
    const now = this.options.clock();
    for (const [partition, entry] of this.assigned) {
      const quiet = now - entry.activeAt;
      if (quiet >= this.options.quietMs) {
        entry.worker.advance(quiet * 1000);
        entry.activeAt = now;
      }
      if (now - entry.committedAt >= this.options.commitIntervalMs) await this.commit(partition, entry);
    }
    if (this.paused && this.bufferedSpans() < this.options.resumeBufferedSpans) {
      this.paused = false;
      this.consumer.resume([{ topic: this.options.topic }]);
    }
    try {
      const planned = await this.options.planner?.tick(now);
      if (planned)
        this.options.log(
          `planned: proposal #${planned.proposal.id} version ${planned.proposal.version} of ${planned.proposal.scope}` +
            (planned.created ? "" : " (unchanged)"),
        );
    } catch (error) {
      this.options.log(`planning failed, tried again later: ${(error as Error).message}`);
    }
  }

  /** Store first, then the group's offset; one commit at a time per partition. */
  private async commit(partition: number, entry: Assigned): Promise<void> {
    while (entry.committing) await entry.committing;
    // Taken before asking for work: a partition thread answers `hasWork` asynchronously.
    entry.committing = (async () => {
      if (this.assigned.get(partition) !== entry) return;
      if (!(await entry.worker.hasWork())) {
        entry.committedAt = this.options.clock();
        if (entry.unsentOffset !== undefined) await this.commitOffset(partition, entry, entry.unsentOffset);
        return;
      }
      await this.write(partition, entry);
    })().finally(() => {
      entry.committing = undefined;
    });
    await entry.committing;
  }

  private async write(partition: number, entry: Assigned): Promise<void> {
    const { worker } = entry;
    const began = this.options.clock();
    let commit: WindowCommit;
    if (worker instanceof PartitionWorker) {
      await this.deadLetters.settle();
      commit = worker.prepareCommit(this.source);
    } else {
      // Taken first: the replies before it dead-lettered every record it covers; then settled.
      commit = await worker.prepare(this.source);
      await this.deadLetters.settle();
    }
    let outcome: "committed" | "conflict";
    try {
      outcome = await this.options.sink.commitWindow(commit);
    } catch (error) {
      worker.failed(commit);
      this.options.log(
        `commit of partition ${partition} failed, kept for the next one: ${(error as Error).message}`,
      );
      return;
    }
    entry.committedAt = this.options.clock();
    if (outcome === "conflict") {
      // Someone else committed this partition since we loaded it: our state is stale.
      this.conflicts++;
      this.retire(partition);
      return;
    }
    worker.committed(commit);
    this.options.planner?.committed(commit.windows);
    this.commits++;
    await this.commitOffset(partition, entry, String(commit.checkpoint.offset));
    this.options.onFlush?.(this.options.clock() - began);
  }

  /**
   * The group's offset, after the store took it. A rebalance in progress or a timeout refuses it; the
   * store's checkpoint is the one that counts, and the offset is sent again at the next commit (or at
   * shutdown), so that the group's committed offsets, which lag monitors read, catch up.
   */
  private async commitOffset(partition: number, entry: Assigned, offset: string): Promise<void> {
    try {
      await this.consumer.commitOffsets([{ topic: this.options.topic, partition, offset }]);
      entry.unsentOffset = undefined;
    } catch (error) {
      entry.unsentOffset = offset;
      this.options.log(`offset commit of partition ${partition} refused: ${(error as Error).message}`);
    }
  }

  private retire(partition: number): void {
    const entry = this.assigned.get(partition);
    if (!entry) return;
    const c = entry.worker.counters;
    this.retired.records += c.records;
    this.retired.spans += c.spans;
    this.retired.traces += c.traces;
    this.retired.alreadyCounted += c.alreadyCounted;
    const buffer = entry.worker.bufferStats();
    this.retired.duplicateSpans += buffer.duplicates;
    this.retired.evictedTraces += buffer.evictedTraces;
    if (!(entry.worker instanceof PartitionWorker)) entry.worker.drop();
    this.assigned.delete(partition);
  }
}

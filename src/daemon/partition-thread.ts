/**
 * A partition thread (`nanofuse daemon --workers N`): the per-partition work of the daemon, decode,
 * assembly and analysis, off the main thread, one PartitionWorker per partition given to it, in
 * exactly the order the main thread sends the records, so the result is the in-thread one. The
 * main thread keeps fetching, dead-lettering and committing (thread-pool.ts); messages are in
 * thread-protocol.ts. The decode rules are the in-thread ones (daemon.ts `decode`).
 */
import { parentPort, workerData } from "node:worker_threads";
import { type Problem, severityOf } from "../errors.ts";
import { decodeKafkaRecord } from "../ingest/sources/kafka-records.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { Span } from "../model/span.ts";
import type { WindowCommit } from "./checkpoint.ts";
import { PartitionWorker } from "./partition-worker.ts";
import type { FromThread, RecordEvent, ThreadConfig, ThreadStats, ToThread } from "./thread-protocol.ts";

interface Held {
  worker: PartitionWorker;
  trees: CallTree[];
  /** The commit taken and not yet confirmed or refused by the store. */
  prepared?: WindowCommit;
}

const config = workerData as ThreadConfig;
const held = new Map<number, Held>();

function statsOf(worker: PartitionWorker): ThreadStats {
  const b = worker.bufferStats();
  return {
    counters: { ...worker.counters },
    buffer: {
      bufferedSpans: b.bufferedSpans,
      bufferedTraces: b.bufferedTraces,
      duplicates: b.duplicates,
      evictedTraces: b.evictedTraces,
    },
    next: worker.nextOffset,
    hasWork: worker.hasWork(),
  };
}

function decode(
  partition: number,
  offset: number,
  value: Uint8Array | null,
  worker: PartitionWorker,
  events: RecordEvent[],
): Span[] {
  const where = { file: `kafka:${config.topic}[${partition}]@${offset}` };
  const repeat = worker.readEarlier(offset);
  const poison = (code: Problem["code"], message: string) => {
    if (!repeat) events.push({ kind: "poison", offset, code, message });
  };
  if (!value || value.length === 0) {
    poison("NF_RECORD_EMPTY", "the record has no value");
    return [];
  }
  if (value.length > config.maxRecordBytes) {
    poison("NF_RECORD_TOO_LARGE", `${value.length} bytes, more than ${config.maxRecordBytes}`);
    return [];
  }
  const spans: Span[] = [];
  const problems: Problem[] = [];
  let rejected = 0;
  const buffer = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  decodeKafkaRecord(buffer, config.encoding, where, {
    span: (span) => spans.push(span),
    problem: (p) => {
      problems.push(p);
      if (severityOf(p.code) === "reject") rejected++;
    },
  });
  if (spans.length === 0 && rejected > 0) {
    const first = problems.find((p) => severityOf(p.code) === "reject") as Problem;
    poison(first.code, first.message);
    return [];
  }
  if (!repeat) for (const p of problems) events.push({ kind: "problem", problem: p });
  return spans;
}

function handle(msg: ToThread): FromThread {
  const reply: FromThread = { id: msg.id, partition: msg.partition };
  if (msg.op === "open") {
    const entry: Held = { worker: undefined as unknown as PartitionWorker, trees: [] };
    const onTree = config.trees ? (tree: CallTree) => entry.trees.push(tree) : undefined;
    entry.worker = new PartitionWorker(msg.partition, { ...msg.worker, onTree }, msg.restored);
    held.set(msg.partition, entry);
    reply.stats = statsOf(entry.worker);
    return reply;
  }
  const entry = held.get(msg.partition);
  if (!entry || msg.op === "ping") return reply;
  if (msg.op === "drop") {
    held.delete(msg.partition);
    return reply;
  }
  const { worker } = entry;
  switch (msg.op) {
    case "batch": {
      const events: RecordEvent[] = [];
      const start = worker.bufferedSpans();
      let stoppedAt: number | undefined;
      for (const { offset, value } of msg.records) {
        if (!worker.accepts(offset)) continue;
        if (worker.bufferedSpans() - start >= msg.grant) {
          stoppedAt = offset;
          break;
        }
        const mine: RecordEvent[] = [];
        const spans = decode(msg.partition, offset, value, worker, mine);
        if (msg.strict && spans.length > 0 && worker.bufferedSpans() - start + spans.length > msg.grant) {
          // Not read: it is fetched again after the resume, its problems counted then.
          stoppedAt = offset;
          break;
        }
        events.push(...mine);
        worker.record(offset, spans);
      }
      reply.events = events;
      reply.stoppedAt = stoppedAt ?? worker.nextOffset;
      break;
    }
    case "advance":
      worker.advance(msg.us);
      break;
    case "flush":
      worker.flush();
      break;
    case "prepare": {
      const commit = worker.prepareCommit(msg.source);
      entry.prepared = commit;
      reply.commit = commit;
      break;
    }
    case "committed":
      if (entry.prepared) worker.committed(entry.prepared);
      entry.prepared = undefined;
      break;
    case "failed":
      if (entry.prepared) worker.failed(entry.prepared);
      entry.prepared = undefined;
      break;
  }
  reply.stats = statsOf(worker);
  if (entry.trees.length > 0) {
    reply.trees = entry.trees;
    entry.trees = [];
  }
  return reply;
}

parentPort?.on("message", (msg: ToThread) => {
  let reply: FromThread;
  try {
    reply = handle(msg);
  } catch (error) {
    reply = { id: msg.id, partition: msg.partition, error: (error as Error).stack ?? String(error) };
  }
  parentPort?.postMessage(reply);
});

/**
 * Messages between the daemon's main thread and its partition threads (partition-thread.ts), and
 * how windows cross: structured clone keeps the data, shared references and Maps of a
 * `WindowAggregate` but not its classes, so the receiver gives each object its prototype back
 * (`reviveWindow`), which makes it merge and report exactly as the one the thread built: the
 * sketches keep their exact small-sample values, which the store's codec would not for fractional
 * microseconds.
 */
import { WindowAggregate } from "../analyse/aggregates.ts";
import type { Problem } from "../errors.ts";
import type { KafkaEncoding } from "../ingest/sources/kafka-records.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { PartitionCheckpoint, WindowCommit } from "./checkpoint.ts";
import type { PartitionWorkerOptions, WorkerCounters } from "./partition-worker.ts";

export interface ThreadConfig {
  topic: string;
  encoding: KafkaEncoding;
  maxRecordBytes: number;
  /** Send completed call trees back (the planner wants them). */
  trees: boolean;
}

/** One record as the thread reads it: the value copied out of kafkajs's buffer. */
export interface ThreadRecord {
  offset: number;
  value: Uint8Array | null;
}

export type ToThread =
  | {
      id: number;
      op: "open";
      partition: number;
      worker: Partial<Omit<PartitionWorkerOptions, "onTree">>;
      restored?: PartitionCheckpoint;
    }
  | {
      id: number;
      op: "batch";
      partition: number;
      records: ThreadRecord[];
      /** Stop before a record once the buffer grew by this many spans in this batch (backpressure). */
      grant: number;
      /** Also stop when the record's own spans would pass the grant (several batches in flight). */
      strict: boolean;
    }
  | { id: number; op: "advance"; partition: number; us: number }
  | { id: number; op: "flush"; partition: number }
  | { id: number; op: "prepare"; partition: number; source: string }
  | { id: number; op: "committed"; partition: number }
  | { id: number; op: "failed"; partition: number }
  | { id: number; op: "drop"; partition: number }
  /** Answered once the thread has loaded its modules. */
  | { id: number; op: "ping"; partition: number };

/** In record order: a problem to log, or a record to dead-letter. */
export type RecordEvent =
  | { kind: "problem"; problem: Problem }
  | { kind: "poison"; offset: number; code: Problem["code"]; message: string };

export interface ThreadStats {
  counters: WorkerCounters;
  buffer: { bufferedSpans: number; bufferedTraces: number; duplicates: number; evictedTraces: number };
  next: number;
  hasWork: boolean;
}

export interface FromThread {
  id: number;
  partition: number;
  stats?: ThreadStats;
  trees?: CallTree[];
  /** batch: the first offset not read (below the batch's end when the grant ran out). */
  stoppedAt?: number;
  events?: RecordEvent[];
  /** prepare: the commit, its windows cloned (`reviveWindow`). */
  commit?: WindowCommit;
  error?: string;
}

type Sketch = WindowAggregate["latency"];

/** Gives a cloned object the prototypes of `template`, recursively through class-valued fields. */
function reviveLike(value: object, template: object): void {
  Object.setPrototypeOf(value, Object.getPrototypeOf(template));
  const target = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(template)) {
    if (field === null || typeof field !== "object") continue;
    const proto = Object.getPrototypeOf(field);
    if (proto === Object.prototype || Array.isArray(field) || ArrayBuffer.isView(field)) continue;
    if (field instanceof Map || field instanceof Set) continue;
    const inner = target[key];
    if (inner !== null && typeof inner === "object") reviveLike(inner, field);
  }
}

let templates: { window: WindowAggregate; sketch: Sketch } | undefined;

/** A structured clone of a `WindowAggregate`, made one again in place. */
export function reviveWindow(clone: WindowAggregate): WindowAggregate {
  if (!templates) {
    const window = new WindowAggregate(0);
    templates = { window, sketch: window.latency };
  }
  Object.setPrototypeOf(clone, Object.getPrototypeOf(templates.window));
  reviveLike(clone.latency, templates.sketch);
  for (const edge of clone.edges.values()) {
    reviveLike(edge.network, templates.sketch);
    reviveLike(edge.criticalPathNetwork, templates.sketch);
  }
  return clone;
}

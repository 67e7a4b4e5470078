/**
 * The daemon's checkpoint: what is written, with the aggregates it covers, so that a restart or a
 * rebalance gives exactly the aggregates of an uninterrupted run (nothing lost, nothing twice).
 *
 * The problem. A partition is read in offset order, but a trace is counted only when it completes
 * (idle for `idleUs` of event time), and its spans may sit in many records, interleaved with other
 * traces' records. So at any moment some traces are counted and others are still in flight, and
 * no single offset separates the two: committing the next offset to read would lose the in-flight
 * traces on a crash (their earlier records are behind it); committing the first offset of the
 * oldest in-flight trace alone would count again, after a restart, every trace that completed in
 * between (their records are re-read).
 *
 * The checkpoint of a partition therefore has three parts, written in the store's transaction with
 * the windows of the traces completed since the previous one (AggregateStore.commit):
 * 1. `offset`, the low watermark: the first record of the oldest trace still in flight (the next
 *    offset to read when none is). Reading resumes here, so every in-flight trace is rebuilt whole.
 *    It never decreases: traces enter in offset order and a completed trace only raises the minimum.
 * 2. `completed`: every counted trace id whose records reach to or past `offset`, with the highest
 *    offset it had a span in. On the re-read, a span of such a trace in a record at or below that
 *    offset is dropped: it was counted already. A span of it in a later record is new data (a late
 *    span), treated exactly as the uninterrupted run treated it. Entries leave once `offset` passes
 *    them, so the set is bounded by the traces completed within one idle period of event time.
 * 3. `watermarkUs`, the event-time watermark just before the record at `offset`, and `next`, the
 *    first offset not yet read at the commit. With the watermark restored, re-reading the same
 *    records from the same point makes the same completion decisions (time in the trace buffer is
 *    the spans' own clock, advanced by every span including dropped ones, and idle traces are cut
 *    at the same event-time ticks), so the rebuilt traces are the ones the uninterrupted run built.
 *    Records below `next` were dead-lettered and their problems counted before the commit, so the
 *    re-read does neither again.
 *
 * The order of writes is store first, Kafka second: the store's transaction holds the windows and
 * the checkpoint together, then the consumer group's offset is set to `offset` (for lag and for a
 * consumer without the store). A crash between the two leaves Kafka's offset behind the store's;
 * the daemon reads from Kafka's offset and skips records below the store's. The store refuses a
 * commit whose `expectedRevision` is stale (a daemon that lost its partition in a rebalance and still
 * tries to write): that daemon drops its state for the partition and reloads the checkpoint.
 *
 * Where exactness ends, by design: a trace completed early because memory is bounded (evicted, or
 * split at `maxSpansPerTrace` inside one record) is flagged partial in both runs but may be cut at a
 * different span after a restart; traces completed by the wall-clock rule for a quiet partition
 * (see partition-worker.ts) depend on when the partition went quiet; and the buffer's memory of
 * traces cut long ago, which flags a late span's trace as a continuation, starts empty.
 */
import { type WindowAggregate, WindowedAggregates } from "../analyse/aggregates.ts";

/** One partition's checkpoint, as loaded from and committed to the store. */
export interface PartitionCheckpoint {
  /** Starts at 1 with the first commit; 0: nothing committed yet. */
  revision: number;
  /** The low watermark: reading resumes here. */
  offset: number;
  /** The first offset not read when the checkpoint was taken. */
  next: number;
  /** The event-time watermark just before the record at `offset`, µs. */
  watermarkUs: number;
  /** Counted trace id → highest offset it had spans in, for ids whose records reach `offset`. */
  completed: ReadonlyMap<string, number>;
}

export interface WindowCommit {
  /** `kafka:<group>/<topic>`: two consumer groups of one topic are two separate analyses. */
  source: string;
  partition: number;
  windowUs: number;
  /** Aggregates of the traces completed since the previous commit of this partition. */
  windows: WindowAggregate[];
  checkpoint: PartitionCheckpoint;
  /** The revision this commit follows; the store refuses it unless it is still the stored one. */
  expectedRevision: number;
}

/**
 * Where the daemon writes. The store (issue 9) implements it on `AggregateStore.commit` and
 * `progress`, with `offset` as the progress offset and `state` from `checkpointState`.
 */
export interface CheckpointSink {
  load(source: string, partition: number): Promise<PartitionCheckpoint | undefined>;
  /** The windows and the checkpoint in one transaction; "conflict" when the revision is stale. */
  commitWindow(commit: WindowCommit): Promise<"committed" | "conflict">;
}

/** The store's opaque progress state: JSON, trace ids grouped by their highest offset. */
export interface CheckpointState {
  next: string;
  /** null before any span was read (JSON has no -Infinity). */
  watermarkUs: number | null;
  completed: [offset: string, traceIds: string[]][];
}

export function checkpointState(checkpoint: PartitionCheckpoint): CheckpointState {
  const byOffset = new Map<number, string[]>();
  for (const [id, offset] of checkpoint.completed) {
    const ids = byOffset.get(offset);
    if (ids) ids.push(id);
    else byOffset.set(offset, [id]);
  }
  const completed = [...byOffset]
    .sort((a, b) => a[0] - b[0])
    .map(([offset, ids]): [string, string[]] => [String(offset), ids.sort()]);
  const watermarkUs = Number.isFinite(checkpoint.watermarkUs) ? checkpoint.watermarkUs : null;
  return { next: String(checkpoint.next), watermarkUs, completed };
}

export function checkpointFromState(
  revision: number,
  offset: string,
  state: CheckpointState,
): PartitionCheckpoint {
  const completed = new Map<string, number>();
  for (const [at, ids] of state.completed) for (const id of ids) completed.set(id, Number(at));
  const watermarkUs = state.watermarkUs ?? Number.NEGATIVE_INFINITY;
  return { revision, offset: Number(offset), next: Number(state.next), watermarkUs, completed };
}

/**
 * The in-memory twin of the store's side: windows merged per (partition, window), one checkpoint per
 * partition with the same compare-and-set on the revision. Checkpoints pass through their JSON
 * state, as they will through the store, so the state's round trip is exercised too.
 */
export class MemoryCheckpointSink implements CheckpointSink {
  private readonly checkpoints = new Map<string, { offset: string; state: string; revision: number }>();
  private readonly windowsBySource = new Map<string, WindowedAggregates>();
  commits = 0;
  conflicts = 0;

  async load(source: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const stored = this.checkpoints.get(`${source}\u0000${partition}`);
    return stored && checkpointFromState(stored.revision, stored.offset, JSON.parse(stored.state));
  }

  async commitWindow(commit: WindowCommit): Promise<"committed" | "conflict"> {
    const key = `${commit.source}\u0000${commit.partition}`;
    if ((this.checkpoints.get(key)?.revision ?? 0) !== commit.expectedRevision) {
      this.conflicts++;
      return "conflict";
    }
    let windows = this.windowsBySource.get(commit.source);
    if (!windows) {
      windows = new WindowedAggregates(commit.windowUs);
      this.windowsBySource.set(commit.source, windows);
    }
    for (const window of commit.windows) windows.windowAt(window.startUs).merge(window);
    this.checkpoints.set(key, {
      offset: String(commit.checkpoint.offset),
      state: JSON.stringify(checkpointState(commit.checkpoint)),
      revision: commit.expectedRevision + 1,
    });
    this.commits++;
    return "committed";
  }

  /** Every window committed under `source`, all partitions merged. */
  windows(source: string): WindowedAggregates {
    return this.windowsBySource.get(source) ?? new WindowedAggregates();
  }
}

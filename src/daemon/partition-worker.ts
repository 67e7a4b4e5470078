/**
 * One assigned partition: its live trace buffer, the offsets each in-flight trace came from, the
 * windows of traces completed since the last commit, and the checkpoint (checkpoint.ts has the
 * reasoning). No I/O and no clock: records and elapsed wall time are passed in.
 *
 * Time. The buffer runs on the spans' own clock, as replay does (pipeline/replay.ts): the watermark
 * is the latest span end seen in this partition, so the same records always complete the same
 * traces, however fast or in what batches they are read, which is what makes a re-read after a
 * restart equal to the first read. The record timestamp would be as deterministic, but it is the
 * collector's export time, not the spans' time, and would make the daemon disagree with a replay of
 * the same spans. Idle traces are cut each time the watermark crosses a multiple of `tickUs`, a
 * point fixed by the data rather than by batch boundaries. One exception: a partition that gets no
 * records has no clock, so the daemon advances its watermark by the wall time it stays quiet
 * (`advance`), or its last traces would never complete.
 *
 * Defaults: the trace buffer's (idle 10 s, max age 5 min), windows of 60 s, a tick of idle / 10.
 */
import { DEFAULT_WINDOW_US, WindowedAggregates } from "../analyse/aggregates.ts";
import { analyseTrace } from "../analyse/trace-analysis.ts";
import { buildCallTree } from "../assemble/call-tree.ts";
import { DEFAULT_BUFFER_OPTIONS, TraceBuffer, type TraceBufferOptions } from "../assemble/trace-buffer.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";
import type { PartitionCheckpoint, WindowCommit } from "./checkpoint.ts";

export interface PartitionWorkerOptions {
  buffer: TraceBufferOptions;
  windowUs: number;
  tickUs: number;
  /** Called with every completed trace's call tree, after its aggregates are added. */
  onTree?: (tree: CallTree) => void;
}

export const DEFAULT_WORKER_OPTIONS: Readonly<PartitionWorkerOptions> = Object.freeze({
  buffer: DEFAULT_BUFFER_OPTIONS,
  windowUs: DEFAULT_WINDOW_US,
  tickUs: DEFAULT_BUFFER_OPTIONS.idleUs / 10,
});

interface InFlight {
  /** Offset of the first and the latest record with a span of this trace id. */
  first: number;
  last: number;
  /** The watermark before the first record was read: the checkpoint's clock if it is the oldest. */
  watermarkBefore: number;
}

export interface WorkerCounters {
  records: number;
  spans: number;
  /** Spans dropped on a re-read because their trace was counted before the checkpoint. */
  alreadyCounted: number;
  traces: number;
}

export class PartitionWorker {
  readonly options: PartitionWorkerOptions;
  private readonly buffer: TraceBuffer;
  /** In first-seen order, which is offset order: the first entry is the oldest trace in flight. */
  private readonly inFlight = new Map<string, InFlight>();
  private readonly completed: Map<string, number>;
  private pending: WindowedAggregates;
  private watermark: number;
  private lastTick: number;
  /** The first offset not yet read; NaN until the first record of a fresh partition. */
  private next: number;
  /** Records below this were read before the restored checkpoint: dead-lettered and counted then. */
  private readonly readBefore: number;
  private revision: number;
  private committedNext: number;
  readonly counters: WorkerCounters = { records: 0, spans: 0, alreadyCounted: 0, traces: 0 };

  constructor(
    readonly partition: number,
    options: Partial<PartitionWorkerOptions> = {},
    restored?: PartitionCheckpoint,
  ) {
    const idleUs = options.buffer?.idleUs ?? DEFAULT_BUFFER_OPTIONS.idleUs;
    this.options = { ...DEFAULT_WORKER_OPTIONS, tickUs: idleUs / 10, ...options };
    this.buffer = new TraceBuffer(this.options.buffer);
    this.pending = new WindowedAggregates(this.options.windowUs);
    this.completed = new Map(restored?.completed);
    this.watermark = restored?.watermarkUs ?? Number.NEGATIVE_INFINITY;
    this.lastTick = Math.floor(this.watermark / this.options.tickUs);
    this.next = restored?.offset ?? Number.NaN;
    this.readBefore = restored?.next ?? Number.NEGATIVE_INFINITY;
    this.revision = restored?.revision ?? 0;
    this.committedNext = this.next;
  }

  /** Where reading must start: the restored low watermark, or undefined for the group's position. */
  get resumeOffset(): number | undefined {
    return this.revision > 0 ? this.next : undefined;
  }

  /** The first offset not yet read (NaN before the first record of a fresh partition). */
  get nextOffset(): number {
    return this.next;
  }

  /** False for a record this worker has read already (a re-delivered batch, a rewound fetch). */
  accepts(offset: number): boolean {
    return !(offset < this.next);
  }

  /** True for a record read before the restored checkpoint: its dead letter and problems exist. */
  readEarlier(offset: number): boolean {
    return offset < this.readBefore;
  }

  /** One record's spans, in offset order; `accepts(offset)` must hold. */
  record(offset: number, spans: readonly Span[]): void {
    const before = this.watermark;
    let lastId = "";
    let entry: InFlight | undefined;
    let counted: number | undefined;
    for (const span of spans) {
      if (span.endUs > this.watermark) this.watermark = span.endUs;
      if (span.traceId !== lastId) {
        lastId = span.traceId;
        counted = this.completed.get(lastId);
        entry = this.inFlight.get(lastId);
        if (!entry && !(counted !== undefined && offset <= counted)) {
          entry = { first: offset, last: offset, watermarkBefore: before };
          this.inFlight.set(lastId, entry);
        }
      }
      if (counted !== undefined && offset <= counted) {
        this.counters.alreadyCounted++;
        continue;
      }
      (entry as InFlight).last = offset;
      this.buffer.push(span, this.watermark);
      this.counters.spans++;
    }
    this.counters.records++;
    this.next = offset + 1;
    const tick = Math.floor(this.watermark / this.options.tickUs);
    if (tick > this.lastTick) {
      this.lastTick = tick;
      this.complete(this.buffer.cutIdle(this.watermark));
    }
  }

  /** The wall-clock rule for a quiet partition: its clock moves on by `us` without records. */
  advance(us: number): void {
    if (!Number.isFinite(this.watermark) || us <= 0) return;
    this.watermark += us;
    this.lastTick = Math.floor(this.watermark / this.options.tickUs);
    this.complete(this.buffer.cutIdle(this.watermark));
  }

  /** Completes every trace in flight (end of input in a drain run; never on a plain shutdown). */
  flush(): void {
    this.complete(this.buffer.flush());
  }

  bufferedSpans(): number {
    return this.buffer.stats().bufferedSpans;
  }

  bufferStats() {
    return this.buffer.stats();
  }

  /** Whether a commit would record anything: completed traces or a moved read position. */
  hasWork(): boolean {
    return this.pending.windows.size > 0 || this.next !== this.committedNext;
  }

  /**
   * Takes the windows completed since the last commit and the checkpoint that goes with them. Pass
   * the result to `committed` once the store has it, or to `failed` to keep its windows for later.
   */
  prepareCommit(source: string): WindowCommit {
    const oldest = this.inFlight.values().next().value;
    const offset = oldest ? oldest.first : this.next;
    for (const [id, last] of this.completed) if (last < offset) this.completed.delete(id);
    const windows = [...this.pending.windows.values()];
    this.pending = new WindowedAggregates(this.options.windowUs);
    return {
      source,
      partition: this.partition,
      windowUs: this.options.windowUs,
      windows,
      checkpoint: {
        revision: this.revision + 1,
        offset,
        next: this.next,
        watermarkUs: oldest ? oldest.watermarkBefore : this.watermark,
        completed: new Map(this.completed),
      },
      expectedRevision: this.revision,
    };
  }

  committed(commit: WindowCommit): void {
    this.revision = commit.checkpoint.revision;
    this.committedNext = commit.checkpoint.next;
  }

  /** A commit that did not reach the store: its windows go back to the pending ones. */
  failed(commit: WindowCommit): void {
    for (const window of commit.windows) this.pending.windowAt(window.startUs).merge(window);
  }

  private complete(traces: Trace[]): void {
    for (const trace of traces) {
      let last = Number.NEGATIVE_INFINITY;
      for (const id of trace.traceIds) last = Math.max(last, this.inFlight.get(id)?.last ?? last);
      for (const id of trace.traceIds) {
        this.inFlight.delete(id);
        this.completed.set(id, last);
      }
      const tree = buildCallTree(trace);
      this.pending.add(tree, analyseTrace(tree));
      this.counters.traces++;
      this.options.onTree?.(tree);
    }
  }
}

/**
 * The main thread's side of the partition threads (`--workers N`): N worker threads, partition p on
 * thread p mod N, and for each assigned partition a `ThreadPartition`, which the daemon uses as it
 * uses a PartitionWorker. What the daemon asks synchronously (the read position, the counters and
 * buffer figures) is a mirror: the read position moves when records are handed over, the figures
 * with each reply. The rest is a message to the partition's thread; a thread handles its messages
 * in order, so a commit taken after a batch covers the batch, as in-thread.
 *
 * Record values are copied out of kafkajs's fetch buffer (they are views into one large buffer
 * that cannot be moved) into one ArrayBuffer per batch, which is transferred, not copied again.
 */
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { RUNNING_SOURCES } from "../host/compiled.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { PartitionCheckpoint, WindowCommit } from "./checkpoint.ts";
import type { PartitionWorkerOptions, WorkerCounters } from "./partition-worker.ts";
import {
  type FromThread,
  type RecordEvent,
  reviveWindow,
  type ThreadConfig,
  type ThreadRecord,
  type ThreadStats,
  type ToThread,
} from "./thread-protocol.ts";

/**
 * A new partition thread: the compiled entry beside this chunk, or, from the TypeScript sources,
 * a bootstrap that registers tsx in the thread first (Node 20 does not apply `--import` hooks to a
 * worker's own entry file).
 */
function spawnThread(config: ThreadConfig): Worker {
  if (!RUNNING_SOURCES)
    return new Worker(fileURLToPath(new URL("./partition-thread.js", import.meta.url)), {
      workerData: config,
    });
  const api = createRequire(import.meta.url)
    .resolve("tsx/esm/api")
    .replace(/index\.cjs$/, "index.mjs");
  const file = new URL("./partition-thread.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(pathToFileURL(api).href)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); })`;
  return new Worker(code, { eval: true, workerData: config });
}

type Request = ToThread extends infer T ? (T extends { id: number } ? Omit<T, "id"> : never) : never;

class Thread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: FromThread) => void; reject: (e: Error) => void }
  >();
  failure?: Error;

  constructor(config: ThreadConfig) {
    this.worker = spawnThread(config);
    this.worker.on("message", (reply: FromThread) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.error) waiter?.reject(new Error(`partition thread: ${reply.error}`));
      else waiter?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`partition thread exited with ${code}`)));
  }

  call(request: Request, transfer: ArrayBuffer[] = []): Promise<FromThread> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error("partition thread stopped");
    await this.worker.terminate();
  }
}

const EMPTY_STATS: ThreadStats = {
  counters: { records: 0, spans: 0, alreadyCounted: 0, traces: 0 },
  buffer: { bufferedSpans: 0, bufferedTraces: 0, duplicates: 0, evictedTraces: 0 },
  next: Number.NaN,
  hasWork: false,
};

/** One assigned partition handled by a thread: the PartitionWorker surface the daemon needs. */
export class ThreadPartition {
  private stats: ThreadStats = EMPTY_STATS;
  private next: number;
  private readonly readBefore: number;
  private readonly revision: number;
  private dropped = false;
  /** Batches handed over and not answered: their grants are reserved (backpressure). */
  inFlightGrant = 0;

  constructor(
    readonly partition: number,
    private readonly thread: Thread,
    private readonly onTrees: ((trees: CallTree[]) => void) | undefined,
    restored: PartitionCheckpoint | undefined,
  ) {
    this.next = restored?.offset ?? Number.NaN;
    this.readBefore = restored?.next ?? Number.NEGATIVE_INFINITY;
    this.revision = restored?.revision ?? 0;
  }

  get resumeOffset(): number | undefined {
    return this.revision > 0 ? this.next : undefined;
  }

  get nextOffset(): number {
    return this.next;
  }

  get counters(): WorkerCounters {
    return this.stats.counters;
  }

  accepts(offset: number): boolean {
    return !(offset < this.next);
  }

  readEarlier(offset: number): boolean {
    return offset < this.readBefore;
  }

  bufferedSpans(): number {
    return this.stats.buffer.bufferedSpans;
  }

  bufferStats() {
    return this.stats.buffer;
  }

  async open(
    options: Partial<Omit<PartitionWorkerOptions, "onTree">>,
    restored?: PartitionCheckpoint,
  ): Promise<void> {
    this.apply(await this.thread.call({ op: "open", partition: this.partition, worker: options, restored }));
  }

  /**
   * Hands records over (in offset order, each accepted); resolves to the first offset not read
   * (before the end when the grant ran out) and the records' problems and poison, in order.
   */
  async batch(
    records: { offset: number; value: Buffer | null }[],
    grant: number,
    strict: boolean,
  ): Promise<{ stoppedAt: number; events: RecordEvent[] }> {
    let bytes = 0;
    for (const r of records) bytes += r.value?.length ?? 0;
    const all = new Uint8Array(bytes);
    const handed: ThreadRecord[] = [];
    let at = 0;
    for (const r of records) {
      if (r.value === null) handed.push({ offset: r.offset, value: null });
      else {
        all.set(r.value, at);
        handed.push({ offset: r.offset, value: all.subarray(at, at + r.value.length) });
        at += r.value.length;
      }
    }
    if (records.length > 0) this.next = records[records.length - 1].offset + 1;
    this.inFlightGrant += grant;
    try {
      const reply = await this.thread.call(
        { op: "batch", partition: this.partition, records: handed, grant, strict },
        [all.buffer],
      );
      this.apply(reply);
      this.next = reply.stoppedAt as number;
      return { stoppedAt: reply.stoppedAt as number, events: reply.events ?? [] };
    } finally {
      this.inFlightGrant -= grant;
    }
  }

  advance(us: number): void {
    void this.send({ op: "advance", partition: this.partition, us });
  }

  flush(): void {
    void this.send({ op: "flush", partition: this.partition });
  }

  /** Asked of the thread (a clock advance by 0 is a no-op), so the answer covers all handed over. */
  async hasWork(): Promise<boolean> {
    return (await this.send({ op: "advance", partition: this.partition, us: 0 }))?.stats?.hasWork ?? false;
  }

  /** The windows completed since the last commit and their checkpoint (PartitionWorker.prepareCommit). */
  async prepare(source: string): Promise<WindowCommit> {
    const reply = await this.thread.call({ op: "prepare", partition: this.partition, source });
    this.apply(reply);
    const commit = reply.commit as WindowCommit;
    commit.windows = commit.windows.map(reviveWindow);
    return commit;
  }

  committed(_commit?: WindowCommit): void {
    void this.send({ op: "committed", partition: this.partition });
  }

  failed(_commit?: WindowCommit): void {
    void this.send({ op: "failed", partition: this.partition });
  }

  drop(): void {
    this.dropped = true;
    void this.thread.call({ op: "drop", partition: this.partition }).catch(() => {});
  }

  private async send(request: Request): Promise<FromThread | undefined> {
    try {
      const reply = await this.thread.call(request);
      this.apply(reply);
      return reply;
    } catch {
      return undefined; // the thread failed: `failure()` of the pool says so
    }
  }

  private apply(reply: FromThread): void {
    if (this.dropped) return;
    if (reply.stats) this.stats = reply.stats;
    if (reply.trees && this.onTrees) this.onTrees(reply.trees);
  }
}

export class ThreadPool {
  private readonly threads: Thread[];

  constructor(size: number, config: ThreadConfig) {
    this.threads = Array.from({ length: size }, () => new Thread(config));
  }

  get size(): number {
    return this.threads.length;
  }

  async open(
    partition: number,
    options: Partial<Omit<PartitionWorkerOptions, "onTree">>,
    onTrees: ((trees: CallTree[]) => void) | undefined,
    restored: PartitionCheckpoint | undefined,
  ): Promise<ThreadPartition> {
    const thread = this.threads[partition % this.threads.length];
    const handle = new ThreadPartition(partition, thread, onTrees, restored);
    await handle.open(options, restored);
    return handle;
  }

  /** Resolves once every thread has loaded (from the sources: compiled them), so fetching starts warm. */
  async ready(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.call({ op: "ping", partition: -1 })));
  }

  failure(): Error | undefined {
    return this.threads.find((t) => t.failure)?.failure;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

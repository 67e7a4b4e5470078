/**
 * The daemon's checkpoint in the store (checkpoint.ts has the design): a partition's windows and its
 * checkpoint go into one `AggregateStore.commit` transaction, under the compare-and-set on the
 * progress revision, so a crash leaves both or neither and a daemon that lost its partition to
 * another cannot write over the new owner's progress. The progress offset is the low watermark; the
 * rest of the checkpoint is the progress row's JSON state (`checkpointState`).
 */
import { WindowedAggregates } from "../analyse/aggregates.ts";
import { NanofuseError } from "../errors.ts";
import type { JsonValue, Store } from "../store/store.ts";
import {
  type CheckpointSink,
  type CheckpointState,
  checkpointFromState,
  checkpointState,
  type PartitionCheckpoint,
  type WindowCommit,
} from "./checkpoint.ts";

export class StoreCheckpointSink implements CheckpointSink {
  commits = 0;
  conflicts = 0;

  /** `clock` gives the commit time the store records (wall-clock milliseconds). */
  constructor(
    readonly store: Store,
    private readonly clock: () => number = Date.now,
  ) {}

  async load(source: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const progress = (await this.store.aggregates.progress(source)).find((p) => p.partition === partition);
    if (!progress) return undefined;
    return checkpointFromState(
      progress.revision,
      progress.offset,
      progress.state as unknown as CheckpointState,
    );
  }

  async commitWindow(commit: WindowCommit): Promise<"committed" | "conflict"> {
    try {
      await this.store.aggregates.commit({
        source: commit.source,
        partition: commit.partition,
        windowUs: commit.windowUs,
        windows: commit.windows,
        progress: {
          offset: String(commit.checkpoint.offset),
          state: checkpointState(commit.checkpoint) as unknown as JsonValue,
        },
        expectedRevision: commit.expectedRevision,
        at: new Date(this.clock()),
      });
    } catch (error) {
      if (error instanceof NanofuseError && error.code === "NF_STORE_PROGRESS_CONFLICT") {
        this.conflicts++;
        return "conflict";
      }
      throw error;
    }
    this.commits++;
    return "committed";
  }

  /** Every window stored under `source`, all partitions merged, as the daemon's report shows them. */
  async windows(source: string, windowUs: number): Promise<WindowedAggregates> {
    const merged = new WindowedAggregates(windowUs);
    for (const w of await this.store.aggregates.windows({ sources: [source] }))
      merged.windowAt(w.startUs).merge(w.aggregate);
    return merged;
  }
}

/**
 * Retention: windows that ended before a cut-off are merged into coarser windows of the same source
 * and partition (added into one that already exists; a fine window counts in the coarse window of its
 * start, as a trace counts in the window of its first span) or deleted, a bounded batch per
 * transaction so the store stays usable while a long history is pruned. Concurrent prunes queue on
 * an advisory lock.
 */
import { WindowAggregate } from "../../analyse/aggregates.ts";
import { NanofuseError } from "../../errors.ts";
import type { Sql } from "../sql.ts";
import type { PruneOptions, PruneResult } from "../store.ts";
import { internName } from "./names.ts";
import { addWindows, loadWindows } from "./window-rows.ts";

export const DEFAULT_PRUNE_BATCH = 500;
const LOCK = "select pg_advisory_xact_lock(hashtextextended('nanofuse.prune', 0))";

export async function prune(sql: Sql, options: PruneOptions): Promise<PruneResult> {
  const batchSize = options.batchSize ?? DEFAULT_PRUNE_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1)
    throw new NanofuseError("NF_STORE_INVALID", `batch size ${batchSize} is not a positive integer`);
  const coarse = options.action === "delete" ? null : options.action.merge;
  if (coarse !== null && !(Number.isSafeInteger(coarse) && coarse > 0))
    throw new NanofuseError("NF_STORE_INVALID", `merge window ${coarse} µs is not a positive integer`);
  const result: PruneResult = { removed: 0, written: 0, batches: 0 };
  for (;;) {
    const step = await sql.transaction(async (tx) => {
      await tx.query(LOCK);
      const rows = await tx.query<{ id: number }>(
        `select id from windows where start_us + window_us <= $1 and ($2::int8 is null or window_us < $2::int8)
         order by source_id, partition, start_us limit $3 for update`,
        [options.beforeUs, coarse, batchSize],
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return { removed: 0, written: 0 };
      const written = coarse === null ? 0 : await mergeInto(tx, ids, coarse);
      await tx.query("delete from windows where id = any($1::int8[])", [ids]);
      return { removed: ids.length, written };
    });
    if (step.removed === 0) return result;
    result.removed += step.removed;
    result.written += step.written;
    result.batches++;
  }
}

/** Merges the fine windows into their coarse ones (reading and replacing those that exist). */
async function mergeInto(tx: Sql, ids: number[], coarse: number): Promise<number> {
  const fine = await loadWindows(tx, { ids });
  const groups = new Map<
    string,
    { source: string; partition: number; windows: Map<number, WindowAggregate> }
  >();
  for (const w of fine) {
    const start = Math.floor(w.startUs / coarse) * coarse;
    const key = `${w.partition}\u0000${w.source}`;
    const group = groups.get(key) ?? { source: w.source, partition: w.partition, windows: new Map() };
    groups.set(key, group);
    const into = group.windows.get(start) ?? new WindowAggregate(start);
    group.windows.set(start, into.merge(w.aggregate));
  }
  let written = 0;
  for (const group of groups.values()) {
    const sourceId = await internName(tx, group.source);
    const summary = await addWindows(tx, sourceId, group.partition, coarse, [...group.windows.values()]);
    written += summary.windows;
  }
  return written;
}

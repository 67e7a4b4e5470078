/**
 * Windowed aggregates and ingest progress. Two ways in: a replay replaces its whole source (the same
 * files twice give the same rows), a consumer commits additive batches together with its progress
 * under a compare-and-set on the progress revision (a replayed or zombie batch is refused whole).
 */
import { WindowAggregate } from "../../analyse/aggregates.ts";
import { NanofuseError } from "../../errors.ts";
import type { Sql } from "../sql.ts";
import type { AggregateStore, IngestBatch, Progress, WindowQuery } from "../store.ts";
import { box, unbox } from "./json-box.ts";
import { findName, internName } from "./names.ts";
import { prune } from "./prune.ts";
import { addWindows, insertWindows, listWindows, loadWindows, type WindowSelection } from "./window-rows.ts";

const OFFSET = /^(0|[1-9]\d{0,18})$/;

function checkKey(source: string, partition: number, windowUs?: number): void {
  if (!Number.isSafeInteger(partition) || partition < 0 || partition > 2 ** 31 - 1)
    throw new NanofuseError(
      "NF_STORE_INVALID",
      `partition ${partition} is not a non-negative 32-bit integer`,
    );
  if (windowUs !== undefined && !(Number.isSafeInteger(windowUs) && windowUs > 0))
    throw new NanofuseError("NF_STORE_INVALID", `window size ${windowUs} µs is not a positive integer`);
  if (typeof source !== "string" || source === "")
    throw new NanofuseError("NF_STORE_INVALID", "empty source name");
}

/** Serialises writers of one source in PostgreSQL (and is free in PGlite's single session). */
const lockSource = (tx: Sql, sourceId: number) =>
  tx.query("select pg_advisory_xact_lock(hashtextextended('nanofuse.source', $1::int8))", [sourceId]);

const selection = (query: WindowQuery = {}): WindowSelection => ({
  fromUs: query.fromUs,
  toUs: query.toUs,
  sources: query.sources,
});

interface ProgressRow {
  source: string;
  partition: number;
  resume_offset: string;
  state: unknown;
  revision: number;
  updated_at: Date;
}

const toProgress = (r: ProgressRow): Progress => ({
  source: r.source,
  partition: r.partition,
  offset: r.resume_offset,
  state: unbox(r.state),
  revision: r.revision,
  updatedAt: r.updated_at,
});

/** Moves the progress row by compare-and-set; the row lock then serialises the batch's writers. */
async function advance(tx: Sql, sourceId: number, batch: IngestBatch): Promise<void> {
  const { partition, expectedRevision, at } = batch;
  const state = batch.progress.state;
  const rows =
    expectedRevision === 0
      ? await tx.query(
          `insert into ingest_progress (source_id, partition, resume_offset, state, revision, updated_at)
           values ($1, $2, $3::int8, $4, 1, $5) on conflict do nothing returning revision`,
          [sourceId, partition, batch.progress.offset, box(state), at],
        )
      : await tx.query(
          `update ingest_progress set resume_offset = $3::int8, state = $4, revision = revision + 1, updated_at = $5
           where source_id = $1 and partition = $2 and revision = $6 returning revision`,
          [sourceId, partition, batch.progress.offset, box(state), at, expectedRevision],
        );
  if (rows.length === 0) {
    const [now] = await tx.query<{ revision: number }>(
      "select revision from ingest_progress where source_id = $1 and partition = $2",
      [sourceId, partition],
    );
    throw new NanofuseError(
      "NF_STORE_PROGRESS_CONFLICT",
      `${batch.source} partition ${partition}: expected revision ${expectedRevision}, stored ${now?.revision ?? 0}`,
    );
  }
}

export function aggregateStore(sql: Sql): AggregateStore {
  return {
    async replaceSource(source, windowUs, windows) {
      checkKey(source, 0, windowUs);
      const list = [...windows];
      return sql.transaction(async (tx) => {
        const sourceId = await internName(tx, source);
        await lockSource(tx, sourceId);
        await tx.query("delete from windows where source_id = $1", [sourceId]);
        return insertWindows(tx, sourceId, 0, windowUs, list);
      });
    },

    async commit(batch) {
      checkKey(batch.source, batch.partition, batch.windowUs);
      if (!OFFSET.test(batch.progress.offset))
        throw new NanofuseError(
          "NF_STORE_INVALID",
          `offset ${JSON.stringify(batch.progress.offset)} is not an int64`,
        );
      if (!Number.isSafeInteger(batch.expectedRevision) || batch.expectedRevision < 0)
        throw new NanofuseError("NF_STORE_INVALID", "expectedRevision must be a non-negative integer");
      return sql.transaction(async (tx) => {
        const sourceId = await internName(tx, batch.source);
        await advance(tx, sourceId, batch);
        await addWindows(tx, sourceId, batch.partition, batch.windowUs, batch.windows);
        const [row] = await progressRows(tx, sourceId, batch.partition);
        return toProgress(row);
      });
    },

    async progress(source) {
      const sourceId = await findName(sql, source);
      if (sourceId === null) return [];
      return (await progressRows(sql, sourceId, null)).map(toProgress);
    },

    async windows(query) {
      return (await loadWindows(sql, selection(query))).map(({ id: _, ...w }) => w);
    },

    async list(query) {
      return listWindows(sql, selection(query));
    },

    async total(query) {
      const windows = await loadWindows(sql, selection(query));
      const total = new WindowAggregate(Number.NaN);
      for (const w of windows) total.merge(w.aggregate);
      return total;
    },

    async sources() {
      const rows = await sql.query<{ name: string }>(
        "select n.name from names n where exists (select 1 from windows w where w.source_id = n.id)",
      );
      return rows.map((r) => r.name).sort(byName);
    },

    async units() {
      const rows = await sql.query<{ unit: string; first_window_us: number; last_window_us: number }>(
        "select n.name as unit, u.first_window_us, u.last_window_us from units u join names n on n.id = u.name_id",
      );
      return rows
        .map((r) => ({ unit: r.unit, firstWindowUs: r.first_window_us, lastWindowUs: r.last_window_us }))
        .sort((a, b) => byName(a.unit, b.unit));
    },

    prune: (options) => prune(sql, options),
  };
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function progressRows(sql: Sql, sourceId: number, partition: number | null): Promise<ProgressRow[]> {
  return sql.query<ProgressRow>(
    `select n.name as source, p.partition, p.resume_offset::text as resume_offset, p.state, p.revision, p.updated_at
     from ingest_progress p join names n on n.id = p.source_id
     where p.source_id = $1 and ($2::int4 is null or p.partition = $2::int4) order by p.partition`,
    [sourceId, partition],
  );
}

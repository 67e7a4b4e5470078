/**
 * Windowed aggregates to rows and back. A window is written as one `windows` row and its edges,
 * units and operations as rows of their own, sketches as DDSketch protobuf; reading restores a
 * `WindowAggregate` that merges exactly as the one that was written.
 */
import { WindowAggregate } from "../../analyse/aggregates.ts";
import { mergeStoredSketch, sketchBase64 } from "../sketch-codec.ts";
import { chunks, type Sql } from "../sql.ts";
import type { StoredWindow, WriteSummary } from "../store.ts";
import { internNames } from "./names.ts";

const OPERATION_SEPARATOR = "\u0000";

/**
 * An operation key is `unit NUL operation` (aggregates.ts). Cut at the first NUL, so that even a unit
 * or operation name holding a NUL comes back as the same key.
 */
function splitOperation(key: string): [unit: string, operation: string] {
  const cut = key.indexOf(OPERATION_SEPARATOR);
  return [key.slice(0, cut), key.slice(cut + 1)];
}

/** Inserts windows (none may exist yet for their key) for one source and partition. */
export async function insertWindows(
  tx: Sql,
  sourceId: number,
  partition: number,
  windowUs: number,
  windows: readonly WindowAggregate[],
): Promise<WriteSummary> {
  const summary: WriteSummary = { windows: 0, edges: 0, units: 0 };
  if (windows.length === 0) return summary;
  const names = new Set<string>();
  for (const w of windows) {
    for (const e of w.edges.values()) names.add(e.from).add(e.to);
    for (const u of w.units.keys()) names.add(u);
    for (const key of w.operations.keys()) for (const part of splitOperation(key)) names.add(part);
  }
  const ids = await internNames(tx, names);
  const id = (name: string) => ids.get(name) as number;
  const windowIds = new Map<number, number>();
  for (const part of chunks(windows)) {
    const rows = await tx.query<{ id: number; start_us: number }>(
      `insert into windows (source_id, partition, start_us, window_us, traces, spans, root_duration_us, critical_path_us, latency)
       select $1, $2, u.s, $3, u.t, u.n, u.r, u.c, decode(u.l, 'base64')
       from unnest($4::int8[], $5::int8[], $6::int8[], $7::float8[], $8::float8[], $9::text[]) as u(s, t, n, r, c, l)
       returning id, start_us`,
      [
        sourceId,
        partition,
        windowUs,
        part.map((w) => w.startUs),
        part.map((w) => w.traces),
        part.map((w) => w.spans),
        part.map((w) => w.rootDurationUs),
        part.map((w) => w.criticalPathUs),
        part.map((w) => sketchBase64(w.latency)),
      ],
    );
    for (const row of rows) windowIds.set(row.start_us, row.id);
  }
  summary.windows = windows.length;
  const edges = windows.flatMap((w) =>
    [...w.edges.values()].map((e) => ({ w: windowIds.get(w.startUs), e })),
  );
  for (const part of chunks(edges)) {
    await tx.query(
      `insert into window_edges (window_id, from_id, to_id, calls, errors, async_calls, virtual, estimated, skewed,
         network, network_sum_us, critical_path_network, critical_path_network_us, straggler_count, barrier_wait_us)
       select u.w, u.f, u.t, u.calls, u.errors, u.async, u.virtual <> 0, u.estimated, u.skewed, decode(u.network, 'base64'),
         u.network_sum, decode(u.cp_network, 'base64'), u.cp_network_sum, u.stragglers, u.barrier
       from unnest($1::int8[], $2::int4[], $3::int4[], $4::int8[], $5::int8[], $6::int8[], $7::int2[], $8::int8[],
         $9::int8[], $10::text[], $11::float8[], $12::text[], $13::float8[], $14::int8[], $15::float8[])
         as u(w, f, t, calls, errors, async, virtual, estimated, skewed, network, network_sum, cp_network,
           cp_network_sum, stragglers, barrier)`,
      [
        part.map((x) => x.w),
        part.map((x) => id(x.e.from)),
        part.map((x) => id(x.e.to)),
        part.map((x) => x.e.calls),
        part.map((x) => x.e.errors),
        part.map((x) => x.e.asyncCalls),
        // postgres.js would bind a boolean array as one boolean: sent as 0/1.
        part.map((x) => (x.e.virtual ? 1 : 0)),
        part.map((x) => x.e.estimated),
        part.map((x) => x.e.skewed),
        part.map((x) => sketchBase64(x.e.network)),
        part.map((x) => x.e.networkSumUs),
        part.map((x) => sketchBase64(x.e.criticalPathNetwork)),
        part.map((x) => x.e.criticalPathNetworkUs),
        part.map((x) => x.e.stragglerCount),
        part.map((x) => x.e.barrierWaitUs),
      ],
    );
  }
  summary.edges = edges.length;
  const units = windows.flatMap((w) =>
    [...w.units.values()].map((u) => ({ w: windowIds.get(w.startUs), u })),
  );
  for (const part of chunks(units)) {
    await tx.query(
      `insert into window_units (window_id, unit_id, spans, errors, critical_path_us, cold_starts, cold_start_critical_path_us)
       select * from unnest($1::int8[], $2::int4[], $3::int8[], $4::int8[], $5::float8[], $6::int8[], $7::float8[])`,
      [
        part.map((x) => x.w),
        part.map((x) => id(x.u.unit)),
        part.map((x) => x.u.spans),
        part.map((x) => x.u.errors),
        part.map((x) => x.u.criticalPathUs),
        part.map((x) => x.u.coldStarts),
        part.map((x) => x.u.coldStartCriticalPathUs),
      ],
    );
  }
  summary.units = units.length;
  const operations = windows.flatMap((w) =>
    [...w.operations].map(([key, us]) => {
      const [unit, operation] = splitOperation(key);
      return { w: windowIds.get(w.startUs), unit, operation, us };
    }),
  );
  for (const part of chunks(operations)) {
    await tx.query(
      `insert into window_operations (window_id, unit_id, operation_id, critical_path_us)
       select * from unnest($1::int8[], $2::int4[], $3::int4[], $4::float8[])`,
      [
        part.map((x) => x.w),
        part.map((x) => id(x.unit)),
        part.map((x) => id(x.operation)),
        part.map((x) => x.us),
      ],
    );
  }
  await noteUnits(tx, windows, id);
  return summary;
}

async function noteUnits(tx: Sql, windows: readonly WindowAggregate[], id: (name: string) => number) {
  const seen = new Map<number, { first: number; last: number }>();
  for (const w of windows)
    for (const name of w.units.keys()) {
      const range = seen.get(id(name));
      if (!range) seen.set(id(name), { first: w.startUs, last: w.startUs });
      else {
        range.first = Math.min(range.first, w.startUs);
        range.last = Math.max(range.last, w.startUs);
      }
    }
  const rows = [...seen].sort((a, b) => a[0] - b[0]);
  for (const part of chunks(rows)) {
    await tx.query(
      `insert into units (name_id, first_window_us, last_window_us)
       select * from unnest($1::int4[], $2::int8[], $3::int8[])
       on conflict (name_id) do update set
         first_window_us = least(units.first_window_us, excluded.first_window_us),
         last_window_us = greatest(units.last_window_us, excluded.last_window_us)`,
      [part.map((r) => r[0]), part.map((r) => r[1].first), part.map((r) => r[1].last)],
    );
  }
}

/**
 * Which windows a read covers. One fixed SQL text with nullable parameters ($1 from, $2 to,
 * $3 source names, $4 window ids), so no filter is ever built by string concatenation.
 */
export interface WindowSelection {
  fromUs?: number;
  toUs?: number;
  sources?: string[];
  ids?: number[];
}

const SELECTED = `($1::int8 is null or w.start_us >= $1::int8) and ($2::int8 is null or w.start_us < $2::int8)
  and ($3::text[] is null or s.name = any($3::text[])) and ($4::int8[] is null or w.id = any($4::int8[]))`;

const selectionParams = (s: WindowSelection) => [
  s.fromUs ?? null,
  s.toUs ?? null,
  s.sources ?? null,
  s.ids ?? null,
];

interface WindowRow {
  id: number;
  source: string;
  partition: number;
  start_us: number;
  window_us: number;
  traces: number;
  spans: number;
  root_duration_us: number;
  critical_path_us: number;
  latency: Uint8Array;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Text order is decided here, not by the database: PostgreSQL and PGlite collate differently. */
export function windowOrder(a: StoredWindowKeyed, b: StoredWindowKeyed): number {
  return (
    a.startUs - b.startUs ||
    byName(a.source, b.source) ||
    a.partition - b.partition ||
    a.windowUs - b.windowUs
  );
}
type StoredWindowKeyed = Pick<StoredWindow, "startUs" | "source" | "partition" | "windowUs">;

export async function loadWindows(
  sql: Sql,
  selection: WindowSelection,
): Promise<(StoredWindow & { id: number })[]> {
  const params = selectionParams(selection);
  const rows = await sql.query<WindowRow>(
    `select w.id, s.name as source, w.partition, w.start_us, w.window_us, w.traces, w.spans, w.root_duration_us,
       w.critical_path_us, w.latency
     from windows w join names s on s.id = w.source_id where ${SELECTED}`,
    params,
  );
  const byId = new Map<number, StoredWindow & { id: number }>();
  for (const r of rows) {
    const aggregate = new WindowAggregate(r.start_us);
    aggregate.traces = r.traces;
    aggregate.spans = r.spans;
    aggregate.rootDurationUs = r.root_duration_us;
    aggregate.criticalPathUs = r.critical_path_us;
    mergeStoredSketch(aggregate.latency, r.latency);
    byId.set(r.id, {
      id: r.id,
      source: r.source,
      partition: r.partition,
      startUs: r.start_us,
      windowUs: r.window_us,
      aggregate,
    });
  }
  if (byId.size === 0) return [];
  await loadChildren(sql, params, byId);
  return [...byId.values()].sort(windowOrder);
}

async function loadChildren(sql: Sql, params: unknown[], byId: Map<number, StoredWindow>): Promise<void> {
  const from = "join windows w on w.id = x.window_id join names s on s.id = w.source_id";
  const edges = await sql.query<Record<string, never>>(
    `select x.*, f.name as from_name, t.name as to_name from window_edges x ${from}
       join names f on f.id = x.from_id join names t on t.id = x.to_id where ${SELECTED}`,
    params,
  );
  // Rows come in the database's order; a restored window lists its edges, units and operations by name.
  edges.sort((a, b) => byName(a.from_name, b.from_name) || byName(a.to_name, b.to_name));
  for (const r of edges) {
    const edge = (byId.get(r.window_id) as StoredWindow).aggregate.edge(r.from_name, r.to_name);
    edge.calls = r.calls;
    edge.errors = r.errors;
    edge.asyncCalls = r.async_calls;
    edge.virtual = r.virtual;
    edge.estimated = r.estimated;
    edge.skewed = r.skewed;
    mergeStoredSketch(edge.network, r.network);
    edge.networkSumUs = r.network_sum_us;
    mergeStoredSketch(edge.criticalPathNetwork, r.critical_path_network);
    edge.criticalPathNetworkUs = r.critical_path_network_us;
    edge.stragglerCount = r.straggler_count;
    edge.barrierWaitUs = r.barrier_wait_us;
  }
  const units = await sql.query<Record<string, never>>(
    `select x.*, n.name from window_units x ${from} join names n on n.id = x.unit_id where ${SELECTED}`,
    params,
  );
  units.sort((a, b) => byName(a.name, b.name));
  for (const r of units) {
    const unit = (byId.get(r.window_id) as StoredWindow).aggregate.unit(r.name);
    unit.spans = r.spans;
    unit.errors = r.errors;
    unit.criticalPathUs = r.critical_path_us;
    unit.coldStarts = r.cold_starts;
    unit.coldStartCriticalPathUs = r.cold_start_critical_path_us;
  }
  const operations = await sql.query<Record<string, never>>(
    `select x.window_id, x.critical_path_us, u.name as unit, o.name as operation from window_operations x ${from}
       join names u on u.id = x.unit_id join names o on o.id = x.operation_id where ${SELECTED}`,
    params,
  );
  operations.sort((a, b) => byName(a.unit, b.unit) || byName(a.operation, b.operation));
  for (const r of operations)
    (byId.get(r.window_id) as StoredWindow).aggregate.operations.set(
      `${r.unit}${OPERATION_SEPARATOR}${r.operation}`,
      r.critical_path_us,
    );
}

export async function listWindows(sql: Sql, selection: WindowSelection) {
  const rows = await sql.query<WindowRow & { edges: number; units: number }>(
    `select s.name as source, w.partition, w.start_us, w.window_us, w.traces, w.spans,
       (select count(*)::int from window_edges x where x.window_id = w.id) as edges,
       (select count(*)::int from window_units x where x.window_id = w.id) as units
     from windows w join names s on s.id = w.source_id where ${SELECTED}`,
    selectionParams(selection),
  );
  return rows
    .map((r) => ({
      source: r.source,
      partition: r.partition,
      startUs: r.start_us,
      windowUs: r.window_us,
      traces: r.traces,
      spans: r.spans,
      edges: r.edges,
      units: r.units,
    }))
    .sort(windowOrder);
}

/**
 * Adds windows into the stored ones of the same key (locking and replacing those), creating the rest.
 * The given aggregates are not changed.
 */
export async function addWindows(
  tx: Sql,
  sourceId: number,
  partition: number,
  windowUs: number,
  windows: readonly WindowAggregate[],
): Promise<WriteSummary> {
  const locked = await tx.query<{ id: number }>(
    `select id from windows where source_id = $1 and partition = $2 and window_us = $3 and start_us = any($4::int8[])
     for update`,
    [sourceId, partition, windowUs, windows.map((w) => w.startUs)],
  );
  const ids = locked.map((r) => r.id);
  const merged = new Map<number, WindowAggregate>();
  for (const w of await loadWindows(tx, { ids })) merged.set(w.startUs, w.aggregate);
  for (const w of windows) {
    const into = merged.get(w.startUs) ?? new WindowAggregate(w.startUs);
    merged.set(w.startUs, into.merge(w));
  }
  await tx.query("delete from windows where id = any($1::int8[])", [ids]);
  return insertWindows(tx, sourceId, partition, windowUs, [...merged.values()]);
}

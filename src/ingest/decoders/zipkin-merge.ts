/**
 * Zipkin fragments: Zipkin (its server's `SpanConverter`/`Span.Builder.merge` and its UI's
 * `mergeV2ById`) treats all records that share a span id and a side as pieces of one span, reported
 * at different times: late tags, a `finish` that carries only the duration, an annotation sent by
 * itself. We merge them the same way before decoding, so a piece never becomes a span of its own,
 * an `unknown_service` unit or a hop.
 *
 * A record with its own kind, local service, timestamp and duration is a *side*: the client or the
 * server half of a shared id, or a further delivery of it (kept apart, as the assembly stage re-ids
 * repeats). Any other record is a fragment, merged into the side of its id that it fits: same kind
 * when it has one, a local endpoint that does not contradict (Zipkin's `tryMerge`: service, address
 * and port agree where both are set), the same `shared` flag preferred, then the side nearest in
 * time. A record with a kind, service and timestamp but no duration that fits no side is a side
 * itself (an unfinished span, kept 0-length). Fragments that fit no side are merged with each other
 * per `shared` flag (as Zipkin's UI does), and decoded if the result has a timestamp; otherwise they
 * cannot be placed in time and are left out with NF_SPAN_FRAGMENT.
 */
import type { Location } from "../../errors.ts";
import { problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { guardDepth } from "../depth.ts";
import { normaliseHexId } from "../normalise.ts";
import { decodeZipkinSpan } from "./zipkin-json.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface Piece {
  record: Json;
  where: Location;
  /** How many input records this piece holds. */
  records: number;
  /** Position of its first record in the input, to keep the output in input order. */
  seq: number;
}

const has = (v: unknown) => v !== undefined && v !== null && v !== "";
const serviceOf = (r: Json) => (isObject(r.localEndpoint) ? r.localEndpoint.serviceName : undefined);
const isSide = (r: Json) =>
  has(r.kind) && has(serviceOf(r)) && typeof r.timestamp === "number" && typeof r.duration === "number";
const isOpenSide = (r: Json) => has(r.kind) && has(serviceOf(r)) && typeof r.timestamp === "number";
const kindOf = (r: Json) => (typeof r.kind === "string" ? r.kind.toUpperCase() : r.kind);

/** Zipkin's `tryMerge`: endpoints fit unless a field set on both differs. */
function endpointsFit(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return true;
  for (const key of ["serviceName", "ipv4", "ipv6", "port"]) {
    if (has(a[key]) && has(b[key]) && a[key] !== b[key]) return false;
  }
  return true;
}

function fits(fragment: Json, side: Json): boolean {
  if (has(fragment.kind) && kindOf(fragment) !== kindOf(side)) return false;
  return endpointsFit(fragment.localEndpoint, side.localEndpoint);
}

/**
 * Sides of one id looked at for a fragment. Real ids have one to a few sides; an input with 100,000
 * records of one id must not cost 100,000² comparisons, so past this many the first ones are chosen
 * from (in input order).
 */
const MAX_CANDIDATES = 64;

/** The side a fragment belongs to: same `shared` flag first, then nearest in time, then first seen. */
function bestSide(fragment: Json, sides: Piece[]): Piece | undefined {
  let best: Piece | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  const at = typeof fragment.timestamp === "number" ? fragment.timestamp : undefined;
  for (const side of sides.length > MAX_CANDIDATES ? sides.slice(0, MAX_CANDIDATES) : sides) {
    if (!fits(fragment, side.record)) continue;
    const sameShared = (fragment.shared === true) === (side.record.shared === true);
    const distance = at === undefined ? 0 : Math.abs((side.record.timestamp as number) - at);
    // A differing `shared` flag costs more than any distance in time within a trace (≤ 7 days).
    const score = (sameShared ? 0 : 1e15) + distance;
    if (score < bestScore) {
      best = side;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Folds `from` into `into` as `Span.Builder.merge` does: fields `into` lacks are taken, tags and
 * endpoints merged field by field, annotations concatenated.
 */
function mergeInto(into: Piece, from: Piece): void {
  const a = into.record;
  const b = from.record;
  const out: Json = { ...a };
  for (const key of ["name", "kind", "timestamp", "duration", "parentId"]) {
    if (!has(a[key]) || (key === "name" && a[key] === "unknown")) {
      if (has(b[key])) out[key] = b[key];
    }
  }
  if (isObject(b.tags)) out.tags = { ...(isObject(a.tags) ? a.tags : {}), ...b.tags };
  for (const key of ["localEndpoint", "remoteEndpoint"]) {
    if (!isObject(b[key])) continue;
    const mine = isObject(a[key]) ? a[key] : {};
    const merged: Json = { ...mine };
    for (const [k, v] of Object.entries(b[key])) if (!has(merged[k])) merged[k] = v;
    out[key] = merged;
  }
  if (Array.isArray(b.annotations) && b.annotations.length) {
    out.annotations = [...(Array.isArray(a.annotations) ? a.annotations : []), ...b.annotations];
  }
  if (a.shared === true || b.shared === true) out.shared = true;
  into.record = out;
  into.records += from.records;
}

/** Holds the Zipkin records of one document (or one JSON value) until its end, then merges them. */
export class ZipkinMerger {
  /** Records held before merging what has arrived: bounds memory on huge Zipkin files. */
  static readonly MAX_HELD = 200_000;
  private byId = new Map<string, Piece[]>();
  private held = 0;
  /** Records read and spans they became, for the README's and the tests' accounting. */
  recordsIn = 0;
  piecesOut = 0;

  constructor(private readonly sink: SpanSink) {}

  add(record: Json, where: Location): void {
    this.recordsIn++;
    const trace = normaliseHexId(record.traceId, 16, "traceId");
    const span = normaliseHexId(record.id, 8, "id");
    // An unreadable id is the decoder's to report; its record merges with nothing.
    const key = "id" in trace && "id" in span ? `${trace.id.slice(16)}/${span.id}` : `bad ${this.held}`;
    const list = this.byId.get(key);
    const piece = { record, where, records: 1, seq: this.held };
    if (list) list.push(piece);
    else this.byId.set(key, [piece]);
    if (++this.held >= ZipkinMerger.MAX_HELD) this.flush();
  }

  /** Merges and decodes everything held, in input order of each id's first record. */
  flush(): void {
    for (const pieces of this.byId.values()) {
      for (const piece of mergePieces(pieces, this.sink)) {
        this.piecesOut++;
        guardDepth(() => decodeZipkinSpan(piece.record, piece.where, this.sink), piece.where, this.sink);
      }
    }
    this.byId = new Map();
    this.held = 0;
  }
}

/** The records of one trace and span id, merged into the spans they describe. */
export function mergePieces(pieces: Piece[], sink: SpanSink): Piece[] {
  if (pieces.length === 1) return pieces;
  const sides = pieces.filter((p) => isSide(p.record));
  const rest = pieces.filter((p) => !isSide(p.record));
  const loose = new Map<boolean, Piece>();
  const looseOrder: Piece[] = [];
  for (const piece of rest) {
    const side = bestSide(piece.record, sides);
    if (side) mergeInto(side, piece);
    else if (isOpenSide(piece.record)) sides.push({ ...piece });
    else {
      const shared = piece.record.shared === true;
      const pool = loose.get(shared);
      if (pool) mergeInto(pool, piece);
      else {
        const fresh = { ...piece };
        loose.set(shared, fresh);
        looseOrder.push(fresh);
      }
    }
  }
  const out = [...sides];
  for (const pool of looseOrder) {
    // A pool that fits a side opened meanwhile joins it; one without a time cannot be placed.
    const side = bestSide(pool.record, sides);
    if (side) mergeInto(side, pool);
    else if (typeof pool.record.timestamp === "number") out.push(pool);
    else {
      const n = pool.records;
      const detail = `${n} record${n === 1 ? "" : "s"} of span ${String(pool.record.id)} without a timestamp and no record to merge into`;
      sink.problem(problem("NF_SPAN_FRAGMENT", detail, pool.where));
    }
  }
  // Input order: the decoder's output order must not depend on which piece came first.
  return out.sort((x, y) => x.seq - y.seq);
}

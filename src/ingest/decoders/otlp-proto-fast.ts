/**
 * The hand-rolled OTLP ResourceSpans decoder, the default for speed: it reads the bytes of
 * opentelemetry-proto trace/v1/trace.proto straight into our Span, where protobufjs
 * (otlp-proto-reference.ts) builds message objects first. Tests hold it equal to the reference on
 * every field and on what is malformed, so it follows protobufjs's rules (otlp-proto-wire.ts) and
 * still checks the fields we do not use (events, scope, trace state, flags).
 */
import { type Location, type Problem, problem } from "../../errors.ts";
import type { Attributes, Span, SpanLink } from "../../model/span.ts";
import type { SpanSink } from "../decoder.ts";
import {
  finishSpan,
  KIND_BY_NUMBER,
  MAX_DURATION_US,
  MAX_START_US,
  MIN_START_US,
  nanosHiLoToMicros,
  unitOf,
} from "../normalise.ts";
import { checkScope, enter, keyValue, T1_LEN, T2_LEN, T3_LEN } from "./otlp-proto-fast-common.ts";
import { idFromBytes, isZeroBytes, statusOf } from "./otlp-proto-values.ts";
import { hex, ProtoMalformed, WireReader } from "./otlp-proto-wire.ts";

/** Span.Event is not used, but checked as protobufjs would decode it. */
function checkEvent(r: WireReader, end: number, depth: number): void {
  enter(r, depth);
  const scratch: Attributes = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T2_LEN)
      r.skipString(end); // name
    else if (tag === T3_LEN) keyValue(r, r.payloadEnd(end), depth + 1, scratch);
    else if (tag === 0x20)
      r.uint32(end); // dropped_attributes_count
    else r.skip(tag & 7, end, depth, tag >>> 3); // includes time_unix_nano (fixed64)
  }
}

/** A Span.Link, or undefined when its ids are not valid (dropped silently, as in otlp-json.ts). */
function link(r: WireReader, end: number, depth: number): SpanLink | undefined {
  enter(r, depth);
  let t0 = 0;
  let t1 = 0;
  let s0 = 0;
  let s1 = 0;
  const scratch: Attributes = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN) {
      t1 = r.payloadEnd(end);
      t0 = r.pos;
      r.pos = t1;
    } else if (tag === T2_LEN) {
      s1 = r.payloadEnd(end);
      s0 = r.pos;
      r.pos = s1;
    } else if (tag === T3_LEN)
      r.skipString(end); // trace_state
    else if (tag === 0x22) keyValue(r, r.payloadEnd(end), depth + 1, scratch);
    else if (tag === 0x28)
      r.uint32(end); // dropped_attributes_count
    else r.skip(tag & 7, end, depth, tag >>> 3); // includes flags (fixed32)
  }
  const traceId = idFromBytes(r.buf, t0, t1, 16, "link traceId");
  const spanId = idFromBytes(r.buf, s0, s1, 8, "link spanId");
  return "id" in traceId && "id" in spanId ? { traceId: traceId.id, spanId: spanId.id } : undefined;
}

/** Status.code; a second Status merges into the first, so the last code read wins. */
function statusCode(r: WireReader, end: number, depth: number, code: number): number {
  enter(r, depth);
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x18) code = r.uint32(end) | 0;
    else if (tag === T2_LEN)
      r.skipString(end); // message
    else r.skip(tag & 7, end, depth, tag >>> 3);
  }
  return code;
}

/** One ResourceSpans being decoded: where it is, its resource, and what it yields. */
interface Batch {
  where: Location;
  resource: Attributes;
  spans: Span[];
  problems: Problem[];
}

/** A span's location, built only when there is a problem to report. */
const locate = (b: Batch, scope: number, index: number): Location => ({
  ...b.where,
  path: `${b.where.path}.scopeSpans[${scope}].spans[${index}]`,
});

/** An id, or undefined once the reason is reported. Valid ids skip `normaliseId`'s regexes. */
function id(
  r: WireReader,
  start: number,
  end: number,
  bytes: 8 | 16,
  what: string,
  b: Batch,
  scope: number,
  index: number,
) {
  if (end - start === bytes && !isZeroBytes(r.buf, start, end)) return hex(r.buf, start, end);
  const result = idFromBytes(r.buf, start, end, bytes, what);
  if ("id" in result) return result.id;
  b.problems.push(problem(result.code, result.detail, locate(b, scope, index)));
  return undefined;
}

function span(r: WireReader, end: number, depth: number, b: Batch, scope: number, index: number): void {
  enter(r, depth);
  let t0 = 0;
  let t1 = 0;
  let s0 = 0;
  let s1 = 0;
  let p0 = 0;
  let p1 = 0;
  let name = "";
  let kind = 0;
  let startHi = 0;
  let startLo = 0;
  let endHi = 0;
  let endLo = 0;
  let status = 0;
  const attributes: Attributes = {};
  let links: SpanLink[] | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a: // trace_id
        t1 = r.payloadEnd(end);
        t0 = r.pos;
        r.pos = t1;
        break;
      case 0x12: // span_id
        s1 = r.payloadEnd(end);
        s0 = r.pos;
        r.pos = s1;
        break;
      case 0x1a: // trace_state
        r.skipString(end);
        break;
      case 0x22: // parent_span_id
        p1 = r.payloadEnd(end);
        p0 = r.pos;
        r.pos = p1;
        break;
      case 0x2a: // name
        name = r.string(end);
        break;
      case 0x30: // kind (int32 enum)
        kind = r.uint32(end) | 0;
        break;
      case 0x39: // start_time_unix_nano
        r.fixed64(end);
        startHi = r.hi;
        startLo = r.lo;
        break;
      case 0x41: // end_time_unix_nano
        r.fixed64(end);
        endHi = r.hi;
        endLo = r.lo;
        break;
      case 0x4a: // attributes
        keyValue(r, r.payloadEnd(end), depth + 1, attributes);
        break;
      case 0x50: // dropped attributes, events and links counts
      case 0x60:
      case 0x70:
        r.uint32(end);
        break;
      case 0x5a: // events
        checkEvent(r, r.payloadEnd(end), depth + 1);
        break;
      case 0x6a: {
        // links
        const l = link(r, r.payloadEnd(end), depth + 1);
        if (l && links) links.push(l);
        else if (l) links = [l];
        break;
      }
      case 0x7a: // status
        status = statusCode(r, r.payloadEnd(end), depth + 1, status);
        break;
      default:
        r.skip(tag & 7, end, depth, tag >>> 3); // includes flags (16, fixed32)
    }
  }
  const traceId = id(r, t0, t1, 16, "traceId", b, scope, index);
  if (traceId === undefined) return;
  const spanId = id(r, s0, s1, 8, "spanId", b, scope, index);
  if (spanId === undefined) return;
  let parentSpanId: string | undefined;
  if (!isZeroBytes(r.buf, p0, p1)) {
    parentSpanId = id(r, p0, p1, 8, "parentSpanId", b, scope, index);
    if (parentSpanId === undefined) return;
  }
  const startUs = nanosHiLoToMicros(startHi, startLo);
  const endUs = nanosHiLoToMicros(endHi, endLo);
  const resource = b.resource;
  const unit = unitOf(resource, attributes);
  const spanKind = kind >= 0 ? KIND_BY_NUMBER[kind] : undefined;
  const ok =
    startUs >= MIN_START_US &&
    startUs < MAX_START_US &&
    endUs >= startUs &&
    endUs - startUs <= MAX_DURATION_US;
  const st = statusOf(status);
  // UTF-8 decoding never yields lone surrogates: a U+FFFD is the only sign of bad text here.
  const clean = !name.includes("\uFFFD") && (unit === undefined || !unit.includes("\uFFFD"));
  if (ok && clean && spanKind !== undefined && unit !== undefined) {
    b.spans.push({
      traceId,
      spanId,
      parentSpanId,
      name,
      kind: spanKind,
      startUs,
      endUs,
      unit,
      status: st,
      attributes,
      resource,
      links,
    });
    return;
  }
  // Anything unusual goes through the shared rules, which also word the problems.
  const draft = {
    traceId,
    spanId,
    parentSpanId,
    name,
    rawKind: kind,
    startUs,
    endUs,
    status: st,
    attributes,
    resource,
    links,
  };
  const finished = finishSpan(draft, locate(b, scope, index), (p) => b.problems.push(p));
  if (finished) b.spans.push(finished);
}

function scopeSpans(r: WireReader, end: number, depth: number, b: Batch, scope: number): void {
  enter(r, depth);
  let index = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T2_LEN) {
      span(r, r.payloadEnd(end), depth + 1, b, scope, index++);
    } else if (tag === T1_LEN) checkScope(r, r.payloadEnd(end), depth + 1);
    else if (tag === T3_LEN)
      r.skipString(end); // schema_url
    else r.skip(tag & 7, end, depth, tag >>> 3);
  }
}

function resourceInto(r: WireReader, end: number, depth: number, into: Attributes): void {
  enter(r, depth);
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN) keyValue(r, r.payloadEnd(end), depth + 1, into);
    else if (tag === 0x10)
      r.uint32(end); // dropped_attributes_count
    else r.skip(tag & 7, end, depth, tag >>> 3);
  }
}

/**
 * The same service sends the same resource bytes with every batch, and a batch often holds only a
 * few spans per resource (2.2 in the bench's shop data): decoded resources are kept by their bytes
 * and shared, as spans of one ResourceSpans already share theirs, so `Span.resource` is read-only.
 * Bounded: resources up to 4 KiB, at most 256, cleared when full.
 */
const resourceCache = new Map<string, Attributes>();
const RESOURCE_CACHE_SIZE = 256;
const RESOURCE_CACHE_BYTES = 4096;

function resourceOf(r: WireReader, ranges: number[]): Attributes {
  if (ranges.length !== 2 || ranges[1] - ranges[0] > RESOURCE_CACHE_BYTES) {
    // None, given twice (merged) or large: not worth caching.
    const merged: Attributes = {};
    for (let i = 0; i < ranges.length; i += 2) {
      r.pos = ranges[i];
      resourceInto(r, ranges[i + 1], 1, merged);
    }
    return merged;
  }
  const key = r.buf.toString("latin1", ranges[0], ranges[1]);
  const cached = resourceCache.get(key);
  if (cached) return cached;
  const resource: Attributes = {};
  r.pos = ranges[0];
  resourceInto(r, ranges[1], 1, resource);
  if (resourceCache.size >= RESOURCE_CACHE_SIZE) resourceCache.clear();
  resourceCache.set(key, resource);
  return resource;
}

/**
 * Decodes one ResourceSpans message (the payload of a top-level `resource_spans` record) whose
 * payload starts at `where.offset`. Protobuf fields may come in any order and the resource is needed
 * by every span, so a first pass finds the `resource` and `scope_spans` payloads. A malformed message
 * yields one NF_PROTO_MALFORMED problem and nothing else, as with the reference.
 */
export function decodeResourceSpansFast(element: Buffer, where: Location, sink: SpanSink): void {
  const r = new WireReader(element);
  const b: Batch = { where, resource: {}, spans: [], problems: [] };
  try {
    const end = element.length;
    const resources: number[] = [];
    const scopes: number[] = [];
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === T1_LEN || tag === T2_LEN) {
        const stop = r.payloadEnd(end);
        (tag === T1_LEN ? resources : scopes).push(r.pos, stop);
        r.pos = stop;
      } else if (tag === T3_LEN)
        r.skipString(end); // schema_url
      else r.skip(tag & 7, end, 0, tag >>> 3); // includes the deprecated field 1000, reserved now
    }
    b.resource = resourceOf(r, resources);
    for (let i = 0; i < scopes.length; i += 2) {
      r.pos = scopes[i];
      scopeSpans(r, scopes[i + 1], 1, b, i / 2);
    }
  } catch (error) {
    if (!(error instanceof ProtoMalformed)) throw error;
    const at = (where.offset ?? 0) + error.at;
    sink.problem(problem("NF_PROTO_MALFORMED", `${error.message} at byte ${at}`, where));
    return;
  }
  for (const p of b.problems) sink.problem(p);
  for (const s of b.spans) sink.span(s);
}

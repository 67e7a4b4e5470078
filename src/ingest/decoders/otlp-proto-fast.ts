/**
 * The hand-rolled OTLP ResourceSpans decoder, the default for speed: it reads the bytes of
 * opentelemetry-proto's trace.proto and common.proto straight into our Span, where protobufjs
 * (otlp-proto-reference.ts) builds message objects first. Tests hold it equal to the reference on
 * every field and on what is malformed, so it follows protobufjs's rules: a known field with another
 * wire type is skipped, a repeated singular field merges (last scalar wins, an `AnyValue` switching
 * members starts afresh), and fields we do not use (events, scope, trace state) are still checked.
 */
import { type Location, type Problem, problem } from "../../errors.ts";
import type { Attributes, AttributeValue, Span, SpanLink } from "../../model/span.ts";
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
import {
  idFromBytes,
  int64Value,
  isZeroBytes,
  kvlistText,
  setAttribute,
  statusOf,
} from "./otlp-proto-values.ts";
import { MAX_DEPTH, ProtoMalformed, WireReader } from "./otlp-proto-wire.ts";

// Tags are (field number << 3) | wire type; matching the whole tag sends a field with an unexpected
// wire type to `skip`, as protobufjs does. 1 = fixed64, 2 = length-delimited, 5 = fixed32.
const T1_LEN = 0x0a;
const T2_LEN = 0x12;
const T3_LEN = 0x1a;

function enter(r: WireReader, depth: number): void {
  if (depth > MAX_DEPTH) throw new ProtoMalformed("nesting too deep", r.pos);
}

function anyValue(r: WireReader, end: number, depth: number): AttributeValue {
  enter(r, depth);
  // The last member read decides; an array or kvlist repeated without a switch in between merges.
  let member = 0;
  let scalar: AttributeValue = null;
  let list: AttributeValue[] = [];
  let kvlist: Attributes = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a:
        scalar = r.string(end);
        member = 1;
        break;
      case 0x10:
        scalar = r.bool(end);
        member = 2;
        break;
      case 0x18:
        r.varint64(end);
        scalar = int64Value(r.hi, r.lo);
        member = 3;
        break;
      case 0x21:
        scalar = r.double(end);
        member = 4;
        break;
      case 0x2a: {
        const stop = r.payloadEnd(end);
        if (member !== 5) list = [];
        arrayValues(r, stop, depth + 1, list);
        member = 5;
        break;
      }
      case 0x32: {
        const stop = r.payloadEnd(end);
        if (member !== 6) kvlist = {};
        keyValueList(r, stop, depth + 1, kvlist);
        member = 6;
        break;
      }
      case 0x3a: {
        const stop = r.payloadEnd(end);
        scalar = r.buf.toString("base64", r.pos, stop);
        r.pos = stop;
        member = 7;
        break;
      }
      default:
        r.skip(tag & 7, end, depth, tag >>> 3);
    }
  }
  return member === 5 ? list : member === 6 ? kvlistText(kvlist) : scalar;
}

function arrayValues(r: WireReader, end: number, depth: number, into: AttributeValue[]): void {
  enter(r, depth);
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN) {
      const stop = r.payloadEnd(end);
      into.push(anyValue(r, stop, depth + 1));
    } else r.skip(tag & 7, end, depth, tag >>> 3);
  }
}

function keyValueList(r: WireReader, end: number, depth: number, into: Attributes): void {
  enter(r, depth);
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN) keyValue(r, r.payloadEnd(end), depth + 1, into);
    else r.skip(tag & 7, end, depth, tag >>> 3);
  }
}

/** One KeyValue into `into`. A value given twice merges like decoding both payloads back to back. */
function keyValue(r: WireReader, end: number, depth: number, into: Attributes): void {
  enter(r, depth);
  let key = "";
  let value: AttributeValue = null;
  let payloads: Buffer[] | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN) key = r.string(end);
    else if (tag === T2_LEN) {
      const stop = r.payloadEnd(end);
      const payload = r.buf.subarray(r.pos, stop);
      value = anyValue(r, stop, depth + 1);
      if (payloads === undefined) payloads = [payload];
      else {
        payloads.push(payload);
        const merged = new WireReader(Buffer.concat(payloads));
        value = anyValue(merged, merged.buf.length, depth + 1);
      }
    } else r.skip(tag & 7, end, depth, tag >>> 3);
  }
  setAttribute(into, key, value);
}

/** InstrumentationScope and Span.Event: not used, but checked as protobufjs would decode them. */
function checkScopeOrEvent(r: WireReader, end: number, depth: number, isEvent: boolean): void {
  enter(r, depth);
  const scratch: Attributes = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T3_LEN) keyValue(r, r.payloadEnd(end), depth + 1, scratch);
    else if (tag === T2_LEN || (tag === T1_LEN && !isEvent))
      r.skipString(end); // names, version
    else if (tag === 0x20)
      r.uint32(end); // dropped_attributes_count
    else r.skip(tag & 7, end, depth, tag >>> 3); // includes the event's time (fixed64)
  }
}

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

function statusCode(r: WireReader, end: number, depth: number, code: number): number {
  enter(r, depth);
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x18) code = r.uint32(end) | 0;
    else if (tag === T2_LEN) r.skipString(end);
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

/** An id, or undefined once the reason is reported. Valid ids skip `normaliseId`'s regexes. */
function id(
  r: WireReader,
  start: number,
  end: number,
  bytes: 8 | 16,
  what: string,
  b: Batch,
  at: () => Location,
) {
  if (end - start === bytes && !isZeroBytes(r.buf, start, end)) return r.buf.toString("hex", start, end);
  const result = idFromBytes(r.buf, start, end, bytes, what);
  if ("id" in result) return result.id;
  b.problems.push(problem(result.code, result.detail, at()));
  return undefined;
}

function span(r: WireReader, end: number, depth: number, b: Batch, at: () => Location): void {
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
      case 0x0a:
        t1 = r.payloadEnd(end);
        t0 = r.pos;
        r.pos = t1;
        break;
      case 0x12:
        s1 = r.payloadEnd(end);
        s0 = r.pos;
        r.pos = s1;
        break;
      case 0x1a: // trace_state
        r.skipString(end);
        break;
      case 0x22:
        p1 = r.payloadEnd(end);
        p0 = r.pos;
        r.pos = p1;
        break;
      case 0x2a:
        name = r.string(end);
        break;
      case 0x30:
        kind = r.uint32(end) | 0;
        break;
      case 0x39:
        r.fixed64(end);
        startHi = r.hi;
        startLo = r.lo;
        break;
      case 0x41:
        r.fixed64(end);
        endHi = r.hi;
        endLo = r.lo;
        break;
      case 0x4a:
        keyValue(r, r.payloadEnd(end), depth + 1, attributes);
        break;
      case 0x50: // dropped attributes, events and links counts
      case 0x60:
      case 0x70:
        r.uint32(end);
        break;
      case 0x5a:
        checkScopeOrEvent(r, r.payloadEnd(end), depth + 1, true);
        break;
      case 0x6a: {
        const l = link(r, r.payloadEnd(end), depth + 1);
        if (l && links) links.push(l);
        else if (l) links = [l];
        break;
      }
      case 0x7a:
        status = statusCode(r, r.payloadEnd(end), depth + 1, status);
        break;
      default:
        r.skip(tag & 7, end, depth, tag >>> 3); // includes flags (16, fixed32)
    }
  }
  const traceId = id(r, t0, t1, 16, "traceId", b, at);
  if (traceId === undefined) return;
  const spanId = id(r, s0, s1, 8, "spanId", b, at);
  if (spanId === undefined) return;
  let parentSpanId: string | undefined;
  if (!isZeroBytes(r.buf, p0, p1)) {
    parentSpanId = id(r, p0, p1, 8, "parentSpanId", b, at);
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
  if (ok && spanKind !== undefined && unit !== undefined) {
    const st = statusOf(status);
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
    status: statusOf(status),
    attributes,
    resource,
    links,
  };
  const finished = finishSpan(draft, at(), (p) => b.problems.push(p));
  if (finished) b.spans.push(finished);
}

function scopeSpans(r: WireReader, end: number, depth: number, b: Batch, scope: number): void {
  enter(r, depth);
  let index = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T2_LEN) {
      const i = index++;
      const at = () => ({ ...b.where, path: `${b.where.path}.scopeSpans[${scope}].spans[${i}]` });
      span(r, r.payloadEnd(end), depth + 1, b, at);
    } else if (tag === T1_LEN) checkScopeOrEvent(r, r.payloadEnd(end), depth + 1, false);
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
    for (let i = 0; i < resources.length; i += 2) {
      r.pos = resources[i];
      resourceInto(r, resources[i + 1], 1, b.resource);
    }
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

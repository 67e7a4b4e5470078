/**
 * The hand-rolled reads of opentelemetry-proto common/v1/common.proto (AnyValue, ArrayValue,
 * KeyValueList, KeyValue, InstrumentationScope) for otlp-proto-fast.ts. They follow protobufjs's
 * decoding exactly (see otlp-proto-wire.ts): a known field with an unexpected wire type is skipped,
 * a repeated singular field merges, and every message checks the nesting depth.
 */
import type { Attributes, AttributeValue } from "../../model/span.ts";
import { int64Value, kvlistText, setAttribute } from "./otlp-proto-values.ts";
import { MAX_DEPTH, ProtoMalformed, WireReader } from "./otlp-proto-wire.ts";

/**
 * Tags of length-delimited fields 1–3. A tag is (field number << 3) | wire type; matching whole
 * tags sends a field of an unexpected wire type to `skip`, as protobufjs does.
 */
export const T1_LEN = 0x0a;
export const T2_LEN = 0x12;
export const T3_LEN = 0x1a;

export function enter(r: WireReader, depth: number): void {
  if (depth > MAX_DEPTH) throw new ProtoMalformed("nesting too deep", r.pos);
}

/** Which `AnyValue.value` member was read last (protobufjs clears the others when it switches). */
enum Member {
  None,
  Scalar,
  Array,
  Kvlist,
}

function anyValue(r: WireReader, end: number, depth: number): AttributeValue {
  enter(r, depth);
  let member = Member.None;
  let scalar: AttributeValue = null;
  let list: AttributeValue[] | undefined;
  let kvlist: Attributes | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a: // string_value
        scalar = r.string(end);
        member = Member.Scalar;
        break;
      case 0x10: // bool_value
        scalar = r.bool(end);
        member = Member.Scalar;
        break;
      case 0x18: // int_value
        r.varint64(end);
        scalar = int64Value(r.hi, r.lo);
        member = Member.Scalar;
        break;
      case 0x21: // double_value
        scalar = r.double(end);
        member = Member.Scalar;
        break;
      case 0x2a: {
        // array_value: a second one right after the first merges into it
        const stop = r.payloadEnd(end);
        if (member !== Member.Array || list === undefined) list = [];
        arrayValues(r, stop, depth + 1, list);
        member = Member.Array;
        break;
      }
      case 0x32: {
        // kvlist_value
        const stop = r.payloadEnd(end);
        if (member !== Member.Kvlist || kvlist === undefined) kvlist = {};
        keyValueList(r, stop, depth + 1, kvlist);
        member = Member.Kvlist;
        break;
      }
      case 0x3a: {
        // bytes_value, as base64 like OTLP JSON
        const stop = r.payloadEnd(end);
        scalar = r.buf.toString("base64", r.pos, stop);
        r.pos = stop;
        member = Member.Scalar;
        break;
      }
      default:
        r.skip(tag & 7, end, depth, tag >>> 3);
    }
  }
  if (member === Member.Array) return list ?? [];
  if (member === Member.Kvlist) return kvlistText(kvlist ?? {});
  return scalar;
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

/**
 * One KeyValue into `into`. A value given twice merges as if both payloads were one message
 * (protobuf's merge rule), so the rare second occurrence decodes them concatenated.
 */
export function keyValue(r: WireReader, end: number, depth: number, into: Attributes): void {
  enter(r, depth);
  let key = "";
  let value: AttributeValue = null;
  let first = -1;
  let firstEnd = -1;
  let payloads: Buffer[] | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN) key = r.key(end);
    else if (tag === T2_LEN) {
      const stop = r.payloadEnd(end);
      const start = r.pos;
      value = anyValue(r, stop, depth + 1);
      if (first < 0) {
        first = start;
        firstEnd = stop;
      } else {
        payloads ??= [r.buf.subarray(first, firstEnd)];
        payloads.push(r.buf.subarray(start, stop));
        const merged = new WireReader(Buffer.concat(payloads));
        value = anyValue(merged, merged.buf.length, depth + 1);
      }
    } else r.skip(tag & 7, end, depth, tag >>> 3);
  }
  setAttribute(into, key, value);
}

/** InstrumentationScope is not used, but checked as protobufjs would decode it. */
export function checkScope(r: WireReader, end: number, depth: number): void {
  enter(r, depth);
  const scratch: Attributes = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === T1_LEN || tag === T2_LEN)
      r.skipString(end); // name, version
    else if (tag === T3_LEN) keyValue(r, r.payloadEnd(end), depth + 1, scratch);
    else if (tag === 0x20)
      r.uint32(end); // dropped_attributes_count
    else r.skip(tag & 7, end, depth, tag >>> 3);
  }
}

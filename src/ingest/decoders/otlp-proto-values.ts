/**
 * Mapping rules shared by both OTLP protobuf decoders (fast and reference), so that they can only
 * differ in how they read bytes, never in what a value becomes.
 */
import type { Attributes, AttributeValue, SpanStatus } from "../../model/span.ts";
import { type IdResult, normaliseId } from "../normalise.ts";

/**
 * An id from its bytes. The length is checked on the bytes, before `normaliseId` sees the hex: it
 * would read a 22-digit hex string as base64 of 16 bytes, and pads 8-byte trace ids, which OTLP's
 * `bytes trace_id` (exactly 16 bytes) does not allow.
 */
export function idFromBytes(
  buf: Uint8Array,
  start: number,
  end: number,
  bytes: 8 | 16,
  what: string,
): IdResult {
  const length = end - start;
  if (length === 0) return { code: "NF_SPAN_BAD_ID", detail: `${what} is missing` };
  if (length !== bytes)
    return { code: "NF_SPAN_BAD_ID", detail: `${what} has ${length} bytes, expected ${bytes}` };
  return normaliseId(Buffer.from(buf.buffer, buf.byteOffset + start, length).toString("hex"), bytes, what);
}

/** An empty or all-zero parent id means "root", as in every other format. */
export function isZeroBytes(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** A signed int64 from its halves: a number when exact, else its decimal string (as OTLP JSON). */
export function int64Value(hi: number, lo: number): number | string {
  const value = (hi | 0) * 4_294_967_296 + (lo >>> 0);
  if (Number.isSafeInteger(value)) return value;
  return ((BigInt(hi | 0) << 32n) | BigInt(lo >>> 0)).toString();
}

/** Sets an attribute; a `__proto__` key becomes an own property instead of replacing the prototype. */
export function setAttribute(out: Attributes, key: string, value: AttributeValue): void {
  if (key === "__proto__")
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** OTLP `Status.StatusCode`: 1 OK, 2 ERROR, anything else unset. */
export function statusOf(code: number): SpanStatus {
  return code === 2 ? "error" : code === 1 ? "ok" : "unset";
}

/** A key-value list (`kvlist_value`) is kept as the JSON text of its attributes, as otlp-json.ts does. */
export const kvlistText = (attributes: Attributes): string => JSON.stringify(attributes);

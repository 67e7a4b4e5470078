/**
 * Protobuf wire-format reads for the hand-rolled OTLP decoder and the top-level splitter
 * (protobuf.dev/programming-guides/encoding). Every read fails exactly where protobufjs 8.8.1's
 * `Reader` (src/reader.js) fails, so the fast decoder and the protobufjs reference agree on what is
 * malformed: tags ≤ 5 bytes, lengths ≤ 5 bytes and < 2^31, value varints ≤ 10 bytes, skipped
 * varints unbounded, groups skipped with a matching end tag, nesting at most 100 deep (protoc's
 * default recursion limit, as protobufjs).
 */

export const MAX_DEPTH = 100;

/** Wire types (the low 3 bits of a tag). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
export const FIXED32 = 5;

/** Thrown by every read; `at` is the position in the buffer being read. */
export class ProtoMalformed extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

/**
 * A cursor over one buffer. Reads take the end of the enclosing message (`end`) instead of keeping a
 * stack of limits; fixed64 and int64 reads leave their halves in `hi`/`lo` to avoid allocating.
 */
export class WireReader {
  pos = 0;
  hi = 0;
  lo = 0;

  constructor(readonly buf: Buffer) {}

  private fail(what: string, at = this.pos): never {
    throw new ProtoMalformed(what, at);
  }

  /** A field tag; protobufjs rejects a 5th byte above 15 (a tag beyond 32 bits). */
  tag(end: number): number {
    const buf = this.buf;
    let value = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= end) this.fail("truncated tag");
      const b = buf[this.pos++];
      value |= (b & 127) << (7 * i);
      if (b < 128) return value >>> 0;
    }
    if (this.pos >= end) this.fail("truncated tag");
    const b = buf[this.pos++];
    if (b > 15) this.fail("invalid tag encoding", this.pos - 1);
    return (value | (b << 28)) >>> 0;
  }

  /** A length prefix; protobufjs rejects a 5th byte above 7 (a length of 2^31 or more). */
  size(end: number): number {
    const buf = this.buf;
    let value = 0;
    for (let i = 0; i < 4; i++) {
      if (this.pos >= end) this.fail("truncated length");
      const b = buf[this.pos++];
      value |= (b & 127) << (7 * i);
      if (b < 128) return value >>> 0;
    }
    if (this.pos >= end) this.fail("truncated length");
    const b = buf[this.pos++];
    if (b > 7) this.fail("invalid length encoding", this.pos - 1);
    return (value | (b << 28)) >>> 0;
  }

  /** The end of a length-delimited payload starting at the new `pos`. */
  payloadEnd(end: number): number {
    const length = this.size(end);
    if (this.pos + length > end) this.fail(`length ${length} runs past the enclosing message`);
    return this.pos + length;
  }

  /** A varint of at most 10 bytes, as its low 32 bits (uint32, int32 with `| 0`, enums). */
  uint32(end: number): number {
    const buf = this.buf;
    let value = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail("truncated varint");
      const b = buf[this.pos++];
      if (i < 4) value |= (b & 127) << (7 * i);
      else if (i === 4) value |= (b & 15) << 28;
      if (b < 128) return value >>> 0;
    }
    this.fail("invalid varint encoding");
  }

  /** A varint of at most 10 bytes into `hi`/`lo` (int64). */
  varint64(end: number): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail("truncated varint");
      const b = buf[this.pos++];
      if (i < 4) lo |= (b & 127) << (7 * i);
      else if (i === 4) {
        lo |= (b & 127) << 28;
        hi |= (b & 127) >> 4;
      } else hi |= (b & 127) << (7 * (i - 5) + 3);
      if (b < 128) {
        this.lo = lo >>> 0;
        this.hi = hi | 0;
        return;
      }
    }
    this.fail("invalid varint encoding");
  }

  /** protobufjs reads a bool as "any of its up to 10 bytes has a payload bit set". */
  bool(end: number): boolean {
    let value = false;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.fail("truncated varint");
      const b = this.buf[this.pos++];
      if (b & 127) value = true;
      if (b < 128) return value;
    }
    this.fail("invalid varint encoding");
  }

  /** A fixed64 into `hi`/`lo` (little-endian). */
  fixed64(end: number): void {
    if (this.pos + 8 > end) this.fail("truncated fixed64");
    this.lo = this.buf.readUInt32LE(this.pos);
    this.hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
  }

  double(end: number): number {
    if (this.pos + 8 > end) this.fail("truncated double");
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A proto3 string; invalid UTF-8 is replaced, not refused (see `utf8`). */
  string(end: number): string {
    const stop = this.payloadEnd(end);
    const start = this.pos;
    this.pos = stop;
    return utf8(this.buf, start, stop);
  }

  /** A string used as a key: the same bytes give the same string (see `cachedKey`). */
  key(end: number): string {
    const stop = this.payloadEnd(end);
    const start = this.pos;
    this.pos = stop;
    return cachedKey(this.buf, start, stop);
  }

  /** A proto3 string we do not use: skipped (invalid UTF-8 in it would only be replaced). */
  skipString(end: number): void {
    this.pos = this.payloadEnd(end);
  }

  /** Skips a field of an unknown number or of an unexpected wire type (protobufjs `skipType`). */
  skip(wireType: number, end: number, depth: number, field: number): void {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    if (field === 0) this.fail("illegal field number 0");
    switch (wireType) {
      case VARINT:
        do if (this.pos >= end) this.fail("truncated varint");
        while (this.buf[this.pos++] & 128);
        return;
      case FIXED64:
        this.advance(8, end);
        return;
      case LEN:
        this.pos = this.payloadEnd(end);
        return;
      case START_GROUP:
        for (;;) {
          const tag = this.tag(end);
          const nested = tag >>> 3;
          if (nested === 0) this.fail("illegal field number 0");
          if ((tag & 7) === END_GROUP) {
            if (nested !== field) this.fail("end group tag does not match");
            return;
          }
          this.skip(tag & 7, end, depth + 1, nested);
        }
      case FIXED32:
        this.advance(4, end);
        return;
      default:
        this.fail(`invalid wire type ${wireType}`);
    }
  }

  private advance(bytes: number, end: number): void {
    if (this.pos + bytes > end) this.fail("truncated field");
    this.pos += bytes;
  }
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] > 127) return false;
  return true;
}

/** Node's native slicers behind `Buffer#toString`; called directly they skip its argument checks. */
interface Slicers {
  hexSlice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const slicers = (buf: Buffer) => buf as unknown as Slicers;

export const hex = (buf: Buffer, start: number, end: number): string => slicers(buf).hexSlice(start, end);

/**
 * Decodes UTF-8; an invalid sequence becomes U+FFFD (WHATWG decoding, as for JSON files), so that a
 * bad byte in a name costs a warning on its span (NF_SPAN_BAD_TEXT), not the whole message.
 */
function utf8(buf: Buffer, start: number, end: number): string {
  if (isAscii(buf, start, end)) return slicers(buf).latin1Slice(start, end);
  return slicers(buf).utf8Slice(start, end);
}

/**
 * Attribute keys repeat in every span: a small direct-mapped cache of short ASCII keys returns the
 * same (already internalised) string instead of allocating a new one for every attribute.
 */
const KEY_CACHE_SLOTS = 1024;
const keyCache: string[] = new Array(KEY_CACHE_SLOTS).fill("");

function cachedKey(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0 || length > 64) return utf8(buf, start, end);
  // A few bytes pick the slot; the full comparison below decides (and implies ASCII).
  const hash = length * 7 + buf[start] * 31 + buf[end - 1] * 131 + buf[(start + end) >> 1] * 3;
  const slot = hash & (KEY_CACHE_SLOTS - 1);
  const cached = keyCache[slot];
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return cached;
  }
  const key = utf8(buf, start, end);
  if (key.length === length) keyCache[slot] = key; // ASCII only, so that a match implies valid UTF-8
  return key;
}

/**
 * DDSketches as bytes, compactly: the sketch's gamma, its zero count and its non-empty positive bins
 * as (key delta, count) varints. @datadog/sketches-js's own `toProto` writes the dense store's whole
 * allocated bin array as doubles (~2 kB for 20 values) and took ~0.26 ms a sketch here, which made it
 * most of the time of an aggregate write; this takes a fraction of both. Restoring adds the bins into
 * the aggregate's own sketch, so windows merge exactly as in memory. Like `fromProto`, it does not
 * keep min, max and sum, which nanofuse does not read from a sketch (sums have their own columns).
 * Sketches this format cannot hold exactly (negative values, fractional weights) fall back to the
 * library's protobuf, marked by the first byte. A sketch that still holds its few values exactly
 * (analyse/exact-sketch.ts, integer µs) is stored as those values, so that its percentiles stay exact
 * order statistics after the store (issue 16.5); restoring accepts them, giving the same bins.
 */
import { DDSketch } from "@datadog/sketches-js";
import { ExactSmallSketch } from "../analyse/exact-sketch.ts";
import { NanofuseError } from "../errors.ts";

const PROTOBUF = 0;
const COMPACT = 1;
/** The values themselves, as zigzag varints: a small sketch kept exactly. */
const VALUES = 2;

/** Writes into one buffer sized for the worst case (10 bytes a varint), so encoding allocates once. */
class Writer {
  private at = 0;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  byte(b: number) {
    this.bytes[this.at++] = b;
  }
  double(x: number) {
    this.view.setFloat64(this.at, x, true);
    this.at += 8;
  }
  /** Unsigned varint of a non-negative safe integer. */
  varint(n: number) {
    while (n >= 0x80) {
      this.bytes[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.bytes[this.at++] = n;
  }
  zigzag(n: number) {
    this.varint(n < 0 ? -2 * n - 1 : 2 * n);
  }
  done(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }
}

class Reader {
  private at = 1;
  constructor(private readonly bytes: Uint8Array) {}
  double(): number {
    // A view, not `.buffer`: postgres.js hands out Buffers that share one pooled ArrayBuffer.
    const x = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 8).getFloat64(0, true);
    this.at += 8;
    return x;
  }
  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.bytes[this.at++];
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }
  zigzag(): number {
    const n = this.varint();
    return n % 2 ? -(n + 1) / 2 : n / 2;
  }
}

const exact = (sketch: DDSketch): boolean =>
  sketch.negativeStore.count === 0 &&
  Number.isSafeInteger(sketch.zeroCount) &&
  sketch.store.bins.every((c) => Number.isSafeInteger(c) && c >= 0);

function encodeValues(sketch: DDSketch, values: readonly number[]): Uint8Array {
  const w = new Writer(1 + 8 + 10 * (1 + values.length));
  w.byte(VALUES);
  w.double(sketch.mapping.gamma);
  w.varint(values.length);
  for (const v of values) w.zigzag(v);
  return w.done();
}

export function encodeSketch(sketch: DDSketch): Uint8Array {
  const values = sketch instanceof ExactSmallSketch ? sketch.exactValues() : undefined;
  if (values?.every(Number.isSafeInteger)) return encodeValues(sketch, values);
  if (!exact(sketch)) {
    const proto = sketch.toProto();
    const out = new Uint8Array(proto.length + 1);
    out[0] = PROTOBUF;
    out.set(proto, 1);
    return out;
  }
  const { bins, offset } = sketch.store;
  const used = bins.reduce((n, c) => n + (c ? 1 : 0), 0);
  const w = new Writer(1 + 8 + 10 * (2 + 2 * used));
  w.byte(COMPACT);
  w.double(sketch.mapping.gamma);
  w.varint(sketch.zeroCount);
  w.varint(used);
  let previous = 0;
  for (let i = 0; i < bins.length; i++) {
    if (!bins[i]) continue;
    w.zigzag(i + offset - previous);
    previous = i + offset;
    w.varint(bins[i]);
  }
  return w.done();
}

export const sketchBase64 = (sketch: DDSketch): string =>
  Buffer.from(encodeSketch(sketch)).toString("base64");

/** Adds the stored sketch into `into` (a sketch of the aggregate being restored, same accuracy). */
export function mergeStoredSketch(into: DDSketch, bytes: Uint8Array): void {
  if (bytes[0] === PROTOBUF) {
    into.merge(DDSketch.fromProto(bytes.subarray(1)) as DDSketch);
    return;
  }
  const r = new Reader(bytes);
  const gamma = r.double();
  if (gamma !== into.mapping.gamma)
    throw new NanofuseError(
      "NF_STORE_INVALID",
      `stored sketch has gamma ${gamma}, expected ${into.mapping.gamma}`,
    );
  if (bytes[0] === VALUES) {
    // Accepted one by one: the same bins as the sketch stored; `into` stays exact if it was.
    const n = r.varint();
    for (let i = 0; i < n; i++) into.accept(r.zigzag());
    return;
  }
  const zeros = r.varint();
  into.zeroCount += zeros;
  into.count += zeros;
  const n = r.varint();
  const keys = new Array<number>(n);
  const counts = new Array<number>(n);
  for (let i = 0, key = 0; i < n; i++) {
    key += r.zigzag();
    keys[i] = key;
    counts[i] = r.varint();
  }
  const add = (i: number) => {
    into.store.add(keys[i], counts[i]);
    into.count += counts[i];
  };
  // The highest key first, then the rest in order: the dense store grows twice, not once per chunk.
  if (n > 0) add(n - 1);
  for (let i = 0; i < n - 1; i++) add(i);
}

import { DDSketch } from "@datadog/sketches-js";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { encodeSketch, mergeStoredSketch } from "./sketch-codec.ts";

const QUANTILES = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1];
const view = (s: DDSketch) => ({
  count: s.count,
  zeros: s.zeroCount,
  q: QUANTILES.map((q) => s.getValueAtQuantile(q)),
});
const fresh = () => new DDSketch({ relativeAccuracy: 0.01 });

function restored(sketch: DDSketch): DDSketch {
  const into = fresh();
  mergeStoredSketch(into, encodeSketch(sketch));
  return into;
}

describe("the sketch codec", () => {
  it("restores every bucket and count of sketches of zeros, fractions and large values", () => {
    const random = seededRandom(9);
    for (const spread of [1, 1e3, 1e6, 1e9]) {
      const s = fresh();
      for (let i = 0; i < 500; i++) s.accept(random() < 0.1 ? 0 : random() * spread);
      expect(view(restored(s))).toEqual(view(s));
    }
    expect(view(restored(fresh()))).toEqual(view(fresh()));
  });

  it("adds a stored sketch into one that already holds values, as merge would", () => {
    const a = fresh();
    const b = fresh();
    for (let i = 1; i <= 300; i++) (i % 2 ? a : b).accept(i * 37);
    const expected = fresh();
    expected.merge(a);
    expected.merge(b);
    const into = fresh();
    into.merge(a);
    mergeStoredSketch(into, encodeSketch(b));
    expect(view(into)).toEqual(view(expected));
  });

  it("reads a stored sketch from a view into a larger buffer, as postgres.js hands bytes out", () => {
    const s = fresh();
    for (let i = 1; i < 50; i++) s.accept(i * 11);
    const bytes = encodeSketch(s);
    const pool = Buffer.alloc(bytes.length + 64, 0xff);
    pool.set(bytes, 31);
    const into = fresh();
    mergeStoredSketch(into, pool.subarray(31, 31 + bytes.length));
    expect(view(into)).toEqual(view(s));
  });

  it("is several times smaller than the library's protobuf", () => {
    const s = fresh();
    for (let i = 0; i < 20; i++) s.accept(200 + i * 250);
    expect(encodeSketch(s).length * 5).toBeLessThan(s.toProto().length);
  });

  it("falls back to the library's protobuf for what it cannot hold exactly", () => {
    const s = fresh();
    s.accept(12.5, 0.5);
    s.accept(99);
    expect(encodeSketch(s)[0]).toBe(0);
    expect(view(restored(s))).toEqual(view(s));
  });

  it("refuses a stored sketch of another accuracy", () => {
    const coarse = new DDSketch({ relativeAccuracy: 0.05 });
    coarse.accept(10);
    expect(() => mergeStoredSketch(fresh(), encodeSketch(coarse))).toThrow(
      expect.objectContaining({ code: "NF_STORE_INVALID" }),
    );
  });
});

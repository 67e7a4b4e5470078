import { describe, expect, it } from "vitest";
import { nanosHiLoToMicros, nanosStringToMicros, normaliseId } from "./normalise.ts";

describe("id normalisation", () => {
  it("reads hex of any case, pads 64-bit trace ids and decodes base64", () => {
    expect(normaliseId("ABCDEF0123456789", 8, "id")).toEqual({ id: "abcdef0123456789" });
    expect(normaliseId("463ac35c9f6413ad", 16, "id")).toEqual({ id: "0000000000000000463ac35c9f6413ad" });
    expect(normaliseId(Buffer.from("463ac35c9f6413ad", "hex").toString("base64"), 8, "id")).toEqual({
      id: "463ac35c9f6413ad",
    });
  });

  it("never reads a string of hex digits as base64, whatever its length", () => {
    expect(normaliseId("0123456789abcdef012345", 16, "traceId")).toMatchObject({ code: "NF_SPAN_BAD_ID" });
  });
});

describe("time normalisation", () => {
  it("turns Unix nanoseconds into exact microseconds from a string or from 32-bit halves", () => {
    const ns = 1_704_067_200_123_456_789n;
    expect(nanosStringToMicros(ns.toString())).toBe(1_704_067_200_123_456);
    expect(nanosHiLoToMicros(Number(ns >> 32n), Number(ns & 0xffffffffn))).toBe(1_704_067_200_123_456);
  });
});

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

  it("never reads a string of hex digits as base64, whatever its length: 22 hex digits are a short hex id", () => {
    expect(normaliseId("0123456789abcdef012345", 16, "traceId")).toEqual({
      id: "00000000000123456789abcdef012345",
    });
  });

  it("left-pads hex ids that lost their leading zeros, and still rejects an id too long or not hex", () => {
    expect(normaliseId("a0d0b5e", 8, "spanId")).toEqual({ id: "000000000a0d0b5e" });
    expect(normaliseId("3ee8fff1dcd9b9a03ee8fff1dcd9b9a", 16, "traceId")).toEqual({
      id: "03ee8fff1dcd9b9a03ee8fff1dcd9b9a",
    });
    expect(normaliseId("0123456789abcdef0", 8, "spanId")).toMatchObject({ code: "NF_SPAN_BAD_ID" });
    expect(normaliseId("0".repeat(33), 16, "traceId")).toMatchObject({ code: "NF_SPAN_BAD_ID" });
    expect(normaliseId("not-an-id!", 8, "spanId")).toMatchObject({ code: "NF_SPAN_BAD_ID" });
  });
});

describe("time normalisation", () => {
  it("turns Unix nanoseconds into exact microseconds from a string or from 32-bit halves", () => {
    const ns = 1_704_067_200_123_456_789n;
    expect(nanosStringToMicros(ns.toString())).toBe(1_704_067_200_123_456);
    expect(nanosHiLoToMicros(Number(ns >> 32n), Number(ns & 0xffffffffn))).toBe(1_704_067_200_123_456);
  });
});

import { describe, expect, it } from "vitest";
import { DEFAULT_LOAD, dueAt, runLoad } from "./load.ts";

describe("the load generator", () => {
  it("spaces a steady load evenly at the requested rate", () => {
    const o = { ...DEFAULT_LOAD, ratePerSecond: 100 };
    expect([0, 1, 2, 100].map((i) => dueAt(i, o))).toEqual([0, 10, 20, 1000]);
  });

  it("sends a bursty load in back-to-back bursts with idle gaps, at the same average rate", () => {
    const o = {
      ...DEFAULT_LOAD,
      profile: "bursty" as const,
      ratePerSecond: 100,
      burstSize: 5,
      idleEvery: 2,
      idleMs: 500,
    };
    expect([0, 4, 5, 9, 10].map((i) => dueAt(i, o))).toEqual([0, 0, 50, 50, 100 + 500]);
  });

  it("refuses to send load anywhere but loopback", async () => {
    await expect(runLoad({ url: "http://10.0.0.1:8080/" })).rejects.toMatchObject({ code: "NF_USAGE" });
  });
});

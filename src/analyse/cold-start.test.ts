import { describe, expect, it } from "vitest";
import { coldStarts, type Invocation } from "./cold-start.ts";

const inv = (unit: string, spanId: string, startUs: number, marked?: boolean): Invocation => ({
  unit,
  spanId,
  startUs,
  endUs: startUs + 10,
  marked,
});

describe("cold starts", () => {
  it("trust faas.coldstart where a unit's spans carry it", () => {
    const found = coldStarts([inv("resize", "1", 0, true), inv("resize", "2", 5_000, false)], () => 100);
    expect(found.map((i) => i.spanId)).toEqual(["1"]);
  });

  it("are inferred after an idle gap longer than the keep-alive, never for the first invocation seen", () => {
    const found = coldStarts([inv("tax", "3", 1_000), inv("tax", "1", 0), inv("tax", "2", 50)], () => 500);
    expect(found.map((i) => i.spanId)).toEqual(["3"]);
  });

  it("do not depend on the order invocations arrive in", () => {
    const all = [inv("a", "1", 0), inv("b", "2", 10), inv("a", "3", 900), inv("b", "4", 20)];
    expect(coldStarts([...all].reverse(), () => 100)).toEqual(coldStarts(all, () => 100));
  });
});

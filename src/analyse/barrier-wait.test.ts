import { describe, expect, it } from "vitest";
import { barrierWaits } from "./barrier-wait.ts";
import { buildTree, testSpan } from "./test-helpers.ts";

describe("barrier waits", () => {
  it("name the last of several overlapping children the straggler, waited on for its lateness over the second-to-last", () => {
    const root = buildTree([
      testSpan({ spanId: "a", startUs: 0, endUs: 100, unit: "checkout" }),
      testSpan({ spanId: "b", parentSpanId: "a", startUs: 10, endUs: 30, unit: "inventory" }),
      testSpan({ spanId: "c", parentSpanId: "a", startUs: 10, endUs: 60, unit: "shipping" }),
      testSpan({ spanId: "d", parentSpanId: "a", startUs: 12, endUs: 42, unit: "recommend" }),
    ]);
    const [wait] = barrierWaits(root);
    expect(wait).toMatchObject({ parentUnit: "checkout", stragglerUnit: "shipping", waitUs: 18 });
    expect(wait.slack.map((s) => [s.unit, s.slackUs])).toEqual([
      ["inventory", 30],
      ["recommend", 18],
    ]);
  });

  it("are not found for sequential children, and each overlapping group gets its own", () => {
    const root = buildTree([
      testSpan({ spanId: "a", startUs: 0, endUs: 100 }),
      testSpan({ spanId: "b", parentSpanId: "a", startUs: 0, endUs: 10 }),
      testSpan({ spanId: "c", parentSpanId: "a", startUs: 10, endUs: 20 }),
      testSpan({ spanId: "d", parentSpanId: "a", startUs: 30, endUs: 40 }),
      testSpan({ spanId: "e", parentSpanId: "a", startUs: 35, endUs: 55 }),
    ]);
    expect(barrierWaits(root).map((w) => [w.stragglerSpanId, w.waitUs])).toEqual([["e", 15]]);
  });
});

import { describe, expect, it } from "vitest";
import { buildCallTree } from "../assemble/call-tree.ts";
import { makeSpan, traceOf } from "../model/build.ts";
import { FEW_TRACES, inputWarnings, LayoutCensus } from "./input-warnings.ts";

/** A trace of a front unit calling back, recorded in the given processes under a variant label. */
function tree(i: number, processes: { front: string; back: string }, variant?: string) {
  const traceId = i.toString(16).padStart(32, "0");
  const resource = (unit: "front" | "back") => ({
    "service.name": processes[unit],
    ...(variant ? { "nanofuse.variant": variant } : {}),
  });
  return buildCallTree(
    traceOf([
      makeSpan({
        traceId,
        spanId: "a".repeat(16),
        unit: "front",
        startUs: 0,
        endUs: 10,
        resource: resource("front"),
      }),
      makeSpan({
        traceId,
        spanId: "b".repeat(16),
        parentSpanId: "a".repeat(16),
        unit: "back",
        startUs: 1,
        endUs: 9,
        resource: resource("back"),
      }),
    ]),
  );
}

const census = (trees: ReturnType<typeof tree>[]) => {
  const c = new LayoutCensus();
  for (const t of trees) c.add(t);
  return c;
};
const codes = (w: { code: string }[]) => w.map((x) => x.code);
const alone = { front: "front", back: "back" };
const fused = { front: "shop", back: "shop" };
const many = (n: number, p: typeof alone, variant?: string, from = 0) =>
  Array.from({ length: n }, (_, i) => tree(from + i + 1, p, variant));

describe("the warnings about a plan's input", () => {
  it("say nothing about a catalog-backed plan of enough traces of one layout", () => {
    expect(
      inputWarnings({ catalogGiven: true, census: census(many(FEW_TRACES, alone, "baseline")) }),
    ).toEqual([]);
  });

  it("say without a catalog that runtimes are unknown and which default was assumed", () => {
    const [w] = inputWarnings({ catalogGiven: false, census: census(many(FEW_TRACES, alone)) });
    expect(w.code).toBe("NF_PLAN_NO_CATALOG");
    expect(w.message).toContain("runtimes are unknown: every unit taken as node20, 256 MB");
  });

  it("warn on a sample of fewer than 100 traces, saying how many", () => {
    const w = inputWarnings({ catalogGiven: true, census: census(many(FEW_TRACES - 1, alone)) });
    expect(codes(w)).toEqual(["NF_PLAN_FEW_TRACES"]);
    expect(w[0].message).toContain("99 trace(s), fewer than 100");
  });

  it("warn on input of two variant labels, naming each with its trace count", () => {
    const w = inputWarnings({
      catalogGiven: true,
      census: census([...many(100, alone, "baseline"), ...many(50, alone, "canary", 100)]),
    });
    expect(codes(w)).toEqual(["NF_PLAN_MIXED_LAYOUTS"]);
    expect(w[0].message).toContain("2 layouts (nanofuse.variant baseline (100 traces), canary (50 traces))");
  });

  it("warn on input where a unit ran in two processes, even without variant labels", () => {
    const w = inputWarnings({
      catalogGiven: true,
      census: census([...many(100, alone), ...many(100, fused, undefined, 100)]),
    });
    expect(codes(w)).toEqual(["NF_PLAN_MIXED_LAYOUTS"]);
    expect(w[0].message).toContain(
      "units recorded in more than one process: back (back, shop), front (front, shop)",
    );
  });
});

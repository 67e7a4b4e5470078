import { DDSketch } from "@datadog/sketches-js";
import { describe, expect, it } from "vitest";
import { buildCallTree } from "../assemble/call-tree.ts";
import { makeSpan, traceOf } from "../model/build.ts";
import { encodeSketch, mergeStoredSketch } from "../store/sketch-codec.ts";
import { Analyser } from "./analyser.ts";
import { EXACT_VALUES, ExactSmallSketch } from "./exact-sketch.ts";
import { analysisSummary } from "./report.ts";

const sketchOf = (values: number[]) => {
  const s = new ExactSmallSketch({ relativeAccuracy: 0.01 });
  for (const v of values) s.accept(v);
  return s;
};
const quantiles = (s: ExactSmallSketch) => [0.5, 0.95, 0.99].map((q) => s.getValueAtQuantile(q));

describe("percentiles of few values", () => {
  it("are the exact order statistics by nearest rank: of 36.7 and 131.8 ms, p50 36.7 and p95 = p99 = 131.8", () => {
    const s = sketchOf([131_800, 36_700]);
    expect(s.isExact).toBe(true);
    expect(quantiles(s)).toEqual([36_700, 131_800, 131_800]);
  });

  it("come from the sketch, within 1%, once there are more than 100 values", () => {
    const values = Array.from({ length: EXACT_VALUES + 1 }, (_, i) => 1000 + i * 10);
    const s = sketchOf(values);
    expect(s.isExact).toBe(false);
    const p50 = s.getValueAtQuantile(0.5);
    expect(Math.abs(p50 - 1500) / 1500).toBeLessThan(0.01);
  });

  it("stay exact through merges of small windows, and fall back to the sketch when merged past 100 values", () => {
    const a = sketchOf([10, 20]);
    a.merge(sketchOf([30, 40, 50]));
    expect(a.isExact).toBe(true);
    expect(a.getValueAtQuantile(0.5)).toBe(30);
    a.merge(sketchOf(Array.from({ length: EXACT_VALUES }, () => 60)));
    expect(a.isExact).toBe(false);
    expect(a.count).toBe(EXACT_VALUES + 5);
  });

  it("stay exact through the store, which keeps a small sketch's values themselves", () => {
    const restored = new ExactSmallSketch({ relativeAccuracy: 0.01 });
    mergeStoredSketch(restored, encodeSketch(sketchOf([131_800, 36_700])));
    expect(restored.isExact).toBe(true);
    expect(quantiles(restored)).toEqual([36_700, 131_800, 131_800]);
  });

  it("of a sketch restored from stored bins (a plain DDSketch, or one stored before) come from the bins", () => {
    const plain = new DDSketch({ relativeAccuracy: 0.01 });
    plain.accept(36_700);
    plain.accept(131_800);
    const restored = new ExactSmallSketch({ relativeAccuracy: 0.01 });
    mergeStoredSketch(restored, encodeSketch(plain));
    expect(restored.count).toBe(2);
    expect(restored.isExact).toBe(false);
    expect(Math.abs(restored.getValueAtQuantile(0.5) - 36_700) / 36_700).toBeLessThan(0.01);
  });
});

describe("the analysis summary of two traces", () => {
  const trace = (i: number, durationUs: number) =>
    buildCallTree(
      traceOf([
        makeSpan({
          traceId: i.toString(16).padStart(32, "0"),
          spanId: "a".repeat(16),
          unit: "front",
          startUs: 1_000_000 * i,
          endUs: 1_000_000 * i + durationUs,
        }),
      ]),
    );

  it("says how many durations stand behind its percentiles and that they are exact", () => {
    const analyser = new Analyser();
    analyser.add(trace(1, 36_700));
    analyser.add(trace(2, 131_800));
    expect(analysisSummary(analyser.finish()).latencyUs).toEqual({
      p50: 36_700,
      p95: 131_800,
      p99: 131_800,
      count: 2,
      method: "exact",
    });
  });
});

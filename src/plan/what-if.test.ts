import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { replayFiles } from "../pipeline/replay.ts";
import { quantileSorted } from "./bootstrap.ts";
import { defaultCatalog } from "./catalog.ts";
import { PlanData } from "./plan-data.ts";
import { whatIf } from "./what-if.ts";

const fixtures = fileURLToPath(
  new URL("../../test/fixtures/synthetic/shop-checkout-baseline.otlp.jsonl.gz", import.meta.url),
);

async function load() {
  const data = new PlanData();
  const observed: number[] = [];
  await replayFiles([fixtures], (tree) => {
    data.add(tree);
    observed.push(Math.max(...tree.roots.map((r) => r.span.endUs - r.span.startUs)));
  });
  return { data, observed: Float64Array.from(observed).sort() };
}

describe("the what-if simulator", () => {
  it("reproduces the observed latency percentiles exactly under the recorded clustering", async () => {
    const { data, observed } = await load();
    const figures = whatIf(data, data.recordedClustering(), defaultCatalog());
    expect([figures.p50Us, figures.p95Us, figures.p99Us]).toEqual(
      [0.5, 0.95, 0.99].map((q) => quantileSorted(observed, q)),
    );
    expect(figures.ci.p50Us.low).toBeLessThanOrEqual(figures.p50Us);
    expect(figures.ci.p50Us.high).toBeGreaterThanOrEqual(figures.p50Us);
  });

  it("predicts lower latency when a chain on the critical path is fused, and fewer groups cost less", async () => {
    const { data } = await load();
    const current = data.recordedClustering();
    const fused = [
      ["cart", "pricing", "tax"],
      ...current.filter((g) => !["cart", "pricing", "tax"].includes(g[0])),
    ];
    const before = whatIf(data, current, defaultCatalog());
    const after = whatIf(data, fused, defaultCatalog());
    expect(after.p50Us).toBeLessThan(before.p50Us);
    expect(after.baseCostPerHour).toBeLessThan(before.baseCostPerHour);
    expect(after.groups).toBe(before.groups - 2);
  });

  it("gives the same figures on every run", async () => {
    const { data } = await load();
    expect(whatIf(data, data.recordedClustering(), defaultCatalog())).toEqual(
      whatIf(data, data.recordedClustering(), defaultCatalog()),
    );
  });
});

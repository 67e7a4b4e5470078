import { beforeAll, describe, expect, it } from "vitest";
import { analyseFiles, SHOP_CHECKOUT, windowView } from "../../test/support/aggregates.ts";
import { BACKENDS, useBackend } from "../../test/support/store-backends.ts";
import { WindowAggregate } from "../analyse/aggregates.ts";
import type { AnalysisResult } from "../analyse/analyser.ts";

/** The fixture spans about a second: windows of 100 ms give ten of them. */
const WINDOW_US = 100_000;
const at = new Date("2025-01-02T03:04:05.678Z");

let shop: AnalysisResult;
beforeAll(async () => {
  shop = await analyseFiles([SHOP_CHECKOUT], WINDOW_US);
});

const windowsOf = (result: AnalysisResult) =>
  [...result.windows.windows.values()].sort((a, b) => a.startUs - b.startUs);

/** A copy of a window, so a test can hand the store batches without sharing objects. */
const copy = (w: WindowAggregate) => new WindowAggregate(w.startUs).merge(w);

describe.each(BACKENDS)("aggregates on %s", (name) => {
  const backend = useBackend(name);

  it("gives back a replayed source's windows exactly as they were analysed, sketches included", async () => {
    const store = await backend.fresh();
    const summary = await store.aggregates.replaceSource("replay:shop", WINDOW_US, windowsOf(shop));
    expect(summary.windows).toBe(shop.windows.windows.size);
    expect(summary.edges).toBeGreaterThan(0);
    const stored = await store.aggregates.windows();
    expect(stored.map((w) => windowView(w.aggregate))).toEqual(windowsOf(shop).map(windowView));
    expect(
      stored.every((w) => w.source === "replay:shop" && w.partition === 0 && w.windowUs === WINDOW_US),
    ).toBe(true);
    expect(windowView(await store.aggregates.total())).toEqual(windowView(shop.total));
  });

  it("replacing a source with the same windows leaves the same aggregates, not twice as many", async () => {
    const store = await backend.fresh();
    await store.aggregates.replaceSource("replay:shop", WINDOW_US, windowsOf(shop));
    const once = (await store.aggregates.windows()).map((w) => windowView(w.aggregate));
    await store.aggregates.replaceSource("replay:shop", WINDOW_US, windowsOf(shop));
    expect((await store.aggregates.windows()).map((w) => windowView(w.aggregate))).toEqual(once);
    expect(await store.aggregates.sources()).toEqual(["replay:shop"]);
  });

  it("lists windows by time range and source with their sizes, and the units seen", async () => {
    const store = await backend.fresh();
    const windows = windowsOf(shop);
    await store.aggregates.replaceSource("b", WINDOW_US, windows);
    await store.aggregates.replaceSource("a", WINDOW_US, windows.slice(0, 1));
    const first = windows[0].startUs;
    const list = await store.aggregates.list({ toUs: first + 1 });
    expect(list.map((w) => w.source)).toEqual(["a", "b"]);
    expect(list[0]).toMatchObject({
      startUs: first,
      traces: windows[0].traces,
      edges: windows[0].edges.size,
    });
    expect((await store.aggregates.list({ sources: ["a"] })).length).toBe(1);
    const units = await store.aggregates.units();
    expect(units.map((u) => u.unit)).toEqual([...shop.total.units.keys()].sort());
    expect(units[0].firstWindowUs).toBe(first);
  });

  it("adds committed batches into their windows and moves the partition's progress with them", async () => {
    const store = await backend.fresh();
    const [w] = windowsOf(shop);
    const first = await store.aggregates.commit({
      source: "kafka:otlp_spans",
      partition: 3,
      windowUs: WINDOW_US,
      windows: [copy(w)],
      progress: { offset: "41", state: { completed: ["a"] } },
      expectedRevision: 0,
      at,
    });
    expect(first).toMatchObject({ partition: 3, offset: "41", revision: 1, state: { completed: ["a"] } });
    expect(first.updatedAt.getTime()).toBe(at.getTime());
    const second = await store.aggregates.commit({
      source: "kafka:otlp_spans",
      partition: 3,
      windowUs: WINDOW_US,
      windows: [copy(w)],
      progress: { offset: "9007199254740993" },
      expectedRevision: 1,
      at,
    });
    expect(second).toMatchObject({ offset: "9007199254740993", revision: 2, state: null });
    const [stored] = await store.aggregates.windows({ sources: ["kafka:otlp_spans"] });
    expect(windowView(stored.aggregate)).toEqual(windowView(copy(w).merge(w)));
    expect(await store.aggregates.progress("kafka:otlp_spans")).toEqual([second]);
  });

  it("refuses a batch whose expected revision is stale, and writes none of it", async () => {
    const store = await backend.fresh();
    const [w] = windowsOf(shop);
    const batch = {
      source: "kafka:t",
      partition: 0,
      windowUs: WINDOW_US,
      windows: [copy(w)],
      progress: { offset: "10" },
      expectedRevision: 0,
      at,
    };
    await store.aggregates.commit(batch);
    await expect(store.aggregates.commit({ ...batch, progress: { offset: "20" } })).rejects.toMatchObject({
      code: "NF_STORE_PROGRESS_CONFLICT",
    });
    await expect(store.aggregates.commit({ ...batch, expectedRevision: 5 })).rejects.toMatchObject({
      code: "NF_STORE_PROGRESS_CONFLICT",
    });
    const [stored] = await store.aggregates.windows();
    expect(stored.aggregate.traces).toBe(w.traces);
    expect((await store.aggregates.progress("kafka:t"))[0]).toMatchObject({ offset: "10", revision: 1 });
  });

  it("refuses offsets, partitions and window sizes it could not store faithfully", async () => {
    const store = await backend.fresh();
    const batch = {
      source: "s",
      partition: 0,
      windowUs: WINDOW_US,
      windows: [],
      progress: { offset: "1" },
      expectedRevision: 0,
      at,
    };
    for (const bad of [
      { progress: { offset: "-1" } },
      { progress: { offset: "1e3" } },
      { progress: { offset: "99999999999999999999" } },
      { partition: -1 },
      { partition: 1.5 },
      { windowUs: 0 },
    ])
      await expect(store.aggregates.commit({ ...batch, ...bad })).rejects.toMatchObject({
        code: "NF_STORE_INVALID",
      });
    expect(await store.aggregates.progress("s")).toEqual([]);
  });

  it("merges windows from several sources and partitions into one total", async () => {
    const store = await backend.fresh();
    const windows = windowsOf(shop);
    await store.aggregates.replaceSource("replay:one", WINDOW_US, windows);
    for (const partition of [0, 1])
      await store.aggregates.commit({
        source: "kafka:t",
        partition,
        windowUs: WINDOW_US,
        windows: windows.map(copy),
        progress: { offset: "1" },
        expectedRevision: 0,
        at,
      });
    const expected = new WindowAggregate(Number.NaN);
    for (let i = 0; i < 3; i++) for (const w of windows) expected.merge(w);
    expect(windowView(await store.aggregates.total())).toEqual(windowView(expected));
    expect((await store.aggregates.total({ sources: ["replay:one"] })).traces).toBe(shop.total.traces);
  });

  it("prunes old windows into coarser ones in bounded batches without changing what they add up to", async () => {
    const store = await backend.fresh();
    const windows = windowsOf(shop);
    expect(windows.length).toBeGreaterThan(2);
    await store.aggregates.replaceSource("replay:shop", WINDOW_US, windows);
    const before = windowView(await store.aggregates.total());
    const coarse = 10 * WINDOW_US;
    const result = await store.aggregates.prune({
      beforeUs: windows.at(-1)?.startUs as number,
      action: { merge: coarse },
      batchSize: 2,
    });
    expect(result.removed).toBe(windows.length - 1);
    expect(result.batches).toBe(Math.ceil((windows.length - 1) / 2));
    const after = await store.aggregates.windows();
    expect(after.filter((w) => w.windowUs === WINDOW_US).map((w) => w.startUs)).toEqual([
      windows.at(-1)?.startUs,
    ]);
    expect(after.filter((w) => w.windowUs === coarse).length).toBeGreaterThan(0);
    expect(windowView(await store.aggregates.total())).toEqual(before);
  });

  it("prunes by deleting when asked to, and leaves newer windows alone", async () => {
    const store = await backend.fresh();
    const windows = windowsOf(shop);
    await store.aggregates.replaceSource("replay:shop", WINDOW_US, windows);
    const keep = windows.at(-1) as WindowAggregate;
    const result = await store.aggregates.prune({ beforeUs: keep.startUs, action: "delete" });
    expect(result).toMatchObject({ removed: windows.length - 1, written: 0 });
    expect((await store.aggregates.windows()).map((w) => windowView(w.aggregate))).toEqual([
      windowView(keep),
    ]);
  });
});

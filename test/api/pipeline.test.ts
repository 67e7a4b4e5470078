/**
 * The live pipeline behind `serve` and the first-start seed, on a real PGlite store: spans offered on
 * the wall clock complete when idle, their windows are written with the progress, the planner's
 * proposal is stored with its exemplar traces, and the seed stores what `nanofuse plan` proposes.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Analyser } from "../../src/analyse/analyser.ts";
import { edgeReports } from "../../src/analyse/report.ts";
import { readTraceFile } from "../../src/ingest/sources/file.ts";
import type { Span } from "../../src/model/span.ts";
import { LivePipeline } from "../../src/pipeline/live.ts";
import { replayFiles } from "../../src/pipeline/replay.ts";
import { isEmptyStore, seedStore } from "../../src/pipeline/seed.ts";
import { loadCatalog } from "../../src/plan/catalog.ts";
import { PlanData } from "../../src/plan/plan-data.ts";
import { plan } from "../../src/plan/planner.ts";
import { SHOP_CHECKOUT } from "../support/aggregates.ts";
import { useBackend } from "../support/store-backends.ts";

const backend = useBackend("pglite");
const CATALOG = fileURLToPath(new URL("../../examples/shop/catalog.yaml", import.meta.url));
const T0 = Date.UTC(2026, 2, 1, 12) * 1000;
const at = (us: number) => new Date(us / 1000);

async function shopSpans(): Promise<Span[]> {
  const spans: Span[] = [];
  await readTraceFile(SHOP_CHECKOUT, { span: (s) => spans.push(s), problem: () => {} });
  return spans;
}

describe("the live pipeline", () => {
  it("completes traces once idle on the wall clock, writes their windows with the progress, and plans them", async () => {
    const store = await backend.fresh();
    const live = new LivePipeline(store, { buffer: { idleUs: 5_000_000 }, planMinTraces: 100 });
    await live.start();
    const spans = await shopSpans();
    live.offer(spans, T0);
    expect(live.cut(T0 + 4_000_000)).toBe(0);
    expect(await live.flush(at(T0 + 4_000_000))).toBeNull();
    const traces = live.cut(T0 + 6_000_000);
    expect(traces).toBe(280);
    const written = await live.flush(at(T0 + 6_000_000));
    expect(written?.windows).toBeGreaterThan(0);
    expect((await store.aggregates.total()).traces).toBe(280);
    expect(await store.aggregates.progress("otlp-http")).toEqual([
      expect.objectContaining({ offset: "280", revision: 1, state: { traces: 280 } }),
    ]);

    const planned = await live.plan(at(T0 + 6_000_000));
    expect(planned?.created).toBe(true);
    const proposal = planned?.proposal;
    expect(proposal).toMatchObject({ scope: "default", version: 1, state: "pending_approval" });
    expect((await store.proposals.audit(proposal?.id as number))[0].actor).toBe("nanofuse planner");
    const named = new Set(proposal?.plan.merges.flatMap((m) => m.edges.flatMap((e) => e.exemplarTraceIds)));
    const exemplars = await store.proposals.exemplars(proposal?.id as number);
    expect(exemplars.map((e) => e.traceId).sort()).toEqual([...named].sort());
    for (const e of exemplars) expect(e.paths[0].sections.length).toBeGreaterThan(0);
    // Nothing new since: no planning run.
    expect(await live.plan(at(T0 + 7_000_000))).toBeNull();
  });

  it("resumes the running trace count of an earlier run on the same store", async () => {
    const store = await backend.fresh();
    const first = new LivePipeline(store);
    await first.start();
    first.offer((await shopSpans()).slice(0, 100), T0);
    await first.drain(at(T0));
    const count = Number((await store.aggregates.progress("otlp-http"))[0].offset);
    expect(count).toBeGreaterThan(0);
    const second = new LivePipeline(store);
    await second.start();
    second.offer((await shopSpans()).slice(100, 200), T0);
    await second.drain(at(T0));
    const [progress] = await store.aggregates.progress("otlp-http");
    expect(progress.revision).toBe(2);
    expect(Number(progress.offset)).toBe(count + second.stats().tracesCompleted);
    expect((await store.aggregates.total()).traces).toBe(Number(progress.offset));
  });

  it("stops accepting spans while the buffer holds its maximum", async () => {
    const store = await backend.fresh();
    const live = new LivePipeline(store, { buffer: { maxBufferedSpans: 10 } });
    expect(live.accepting()).toBe(true);
    live.offer((await shopSpans()).slice(0, 10), T0);
    expect(live.accepting()).toBe(false);
    live.cut(T0 + 60_000_000);
    expect(live.accepting()).toBe(true);
  });
});

describe("the first-start seed", () => {
  it("stores the windows of the recording and the proposal `nanofuse plan` makes of it, with its evidence", async () => {
    const store = await backend.fresh();
    expect(await isEmptyStore(store)).toBe(true);
    const catalog = await loadCatalog(CATALOG);
    const seeded = await seedStore(store, [SHOP_CHECKOUT], { catalog, at: at(T0) });
    expect(await isEmptyStore(store)).toBe(false);
    expect(seeded).toMatchObject({ traces: 280, rejected: 0 });

    // What `nanofuse plan <file> --catalog <catalog>` computes.
    const data = new PlanData();
    const analyser = new Analyser({ windowUs: Number.MAX_SAFE_INTEGER });
    await replayFiles([SHOP_CHECKOUT], (tree) => {
      analyser.add(tree);
      data.add(tree);
    });
    const expected = plan(data, edgeReports(analyser.finish()), catalog, undefined);
    const stored = seeded.proposal.proposal;
    expect(stored).toMatchObject({ scope: "demo", contentHash: expected.contentHash });
    expect(stored.plan.merges).toEqual(expected.merges);
    expect(await store.aggregates.sources()).toEqual(["fixtures"]);
    expect((await store.aggregates.total()).traces).toBe(280);
    expect(stored.catalogHash).not.toBeNull();
    expect((await store.proposals.exemplars(stored.id)).length).toBeGreaterThan(0);

    // A second seed of the same recording writes the same rows and finds the same proposal.
    const again = await seedStore(store, [SHOP_CHECKOUT], { catalog, at: at(T0 + 1) });
    expect(again.proposal).toMatchObject({ created: false, proposal: { id: stored.id } });
    expect((await store.aggregates.total()).traces).toBe(280);
  });
});

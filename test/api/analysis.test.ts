/**
 * The analysis routes read the windows a replay stored: units, the service graph, edges with their
 * critical-path figures and the windows themselves, for all windows or a range and a source, equal
 * to what `nanofuse analyse` reports for the same traces.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { edgeReports, unitReports } from "../../src/analyse/report.ts";
import { analyseFiles, SHOP_CHECKOUT } from "../support/aggregates.ts";
import { useBackend } from "../support/store-backends.ts";
import { type ApiFixture, apiFixture, snapshot } from "./support.ts";

const backend = useBackend("pglite");
const WINDOW_US = 100_000;
let api: ApiFixture;
let analysis: Awaited<ReturnType<typeof analyseFiles>>;

beforeAll(async () => {
  api = await apiFixture(await backend.fresh());
  analysis = await analyseFiles([SHOP_CHECKOUT], WINDOW_US);
  await api.store.aggregates.replaceSource("shop", WINDOW_US, analysis.windows.windows.values());
});
afterAll(async () => {
  await api.app.close();
});

const get = async (url: string) => {
  const response = await api.as("viewer", { url });
  expect(response.statusCode, url).toBe(200);
  return response.json();
};

describe("analysis routes", () => {
  it("lists the edges with the critical-path figures that analyse reports for the same traces", async () => {
    const { edges } = await get("/api/edges");
    expect(edges).toEqual(edgeReports(analysis));
    expect(edges[0].criticalPathNetworkUs).toBeGreaterThan(0);
  });

  it("lists the units by critical-path time, with the first and last window each was seen in", async () => {
    const { units } = await get("/api/units");
    const expected = unitReports(analysis).map(({ coldStarts: _, coldStartCriticalPathUs: __, ...u }) => u);
    expect(
      units.map(
        ({
          coldStarts: _,
          coldStartCriticalPathUs: __,
          firstWindowUs: ___,
          lastWindowUs: ____,
          ...u
        }: Record<string, unknown>) => u,
      ),
    ).toEqual(expected);
    const starts = [...analysis.windows.windows.keys()];
    for (const u of units.filter((x: { spans: number }) => x.spans > 0)) {
      expect(u.firstWindowUs).toBeGreaterThanOrEqual(Math.min(...starts));
      expect(u.lastWindowUs).toBeLessThanOrEqual(Math.max(...starts));
    }
  });

  it("gives the service graph as units and weighted links between them", async () => {
    const graph = await get("/api/graph");
    expect(graph.nodes.map((n: { unit: string }) => n.unit)).toEqual(
      unitReports(analysis).map((u) => u.unit),
    );
    expect(graph.links).toEqual(
      edgeReports(analysis).map(({ from, to, calls, criticalPathNetworkUs }) => ({
        from,
        to,
        calls,
        criticalPathNetworkUs,
      })),
    );
  });

  it("lists the stored windows and narrows every read to a time range and a source", async () => {
    const { windows } = await get("/api/windows");
    const starts = [...analysis.windows.windows.keys()].sort((a, b) => a - b);
    expect(windows.map((w: { startUs: number }) => w.startUs)).toEqual(starts);
    expect(windows.reduce((n: number, w: { traces: number }) => n + w.traces, 0)).toBe(analysis.total.traces);
    const second = starts[1];
    const ranged = await get(`/api/windows?fromUs=${second}&toUs=${second + 1}`);
    expect(ranged.windows.map((w: { startUs: number }) => w.startUs)).toEqual([second]);
    const inRange = await get(`/api/edges?fromUs=${second}&toUs=${second + 1}`);
    const calls = (edges: { calls: number }[]) => edges.reduce((n, e) => n + e.calls, 0);
    expect(calls(inRange.edges)).toBeLessThan(calls(edgeReports(analysis)));
    expect((await get("/api/edges?source=elsewhere")).edges).toEqual([]);
    expect((await get("/api/edges?source=shop&source=elsewhere")).edges).toEqual(edgeReports(analysis));
  });

  it("answers 400 to malformed ranges and unknown parameters, and changes nothing", async () => {
    const before = await snapshot(api.store);
    for (const query of [
      "fromUs=-1",
      "toUs=soon",
      "fromUs=1.5",
      "source=",
      "window=60",
      "fromUs=1&fromUs=2",
    ]) {
      for (const route of ["units", "graph", "edges", "windows"]) {
        const response = await api.as("viewer", { url: `/api/${route}?${query}` });
        expect({ route, query, status: response.statusCode, code: response.json().error?.code }).toEqual({
          route,
          query,
          status: 400,
          code: "NF_REQUEST_INVALID",
        });
      }
    }
    expect(await snapshot(api.store)).toEqual(before);
  });
});

import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { namedSpan } from "../analyse/test-helpers.ts";
import { buildCallTree } from "../assemble/call-tree.ts";
import { traceOf } from "../model/build.ts";
import type { Span } from "../model/span.ts";
import { replayFiles } from "../pipeline/replay.ts";
import { compactTrace, TraceColumns, UnitTable } from "./compact-trace.ts";
import { type RetimeModel, retime } from "./retime.ts";

const span = namedSpan;

function compact(spans: Span[], units = new UnitTable()): TraceColumns {
  return compactTrace(buildCallTree(traceOf(spans)), units);
}

function model(units: UnitTable, groups: string[][], options: Partial<RetimeModel> = {}): RetimeModel {
  const groupOf = new Int32Array(units.names.length);
  units.names.forEach((name, i) => {
    const g = groups.findIndex((group) => group.includes(name));
    groupOf[i] = g === -1 ? groups.length + i : g;
  });
  return {
    groupOf,
    singleWorker: new Uint8Array(groups.length + units.names.length),
    inProcessUs: 0,
    splitNetworkUs: new Float64Array(units.names.length),
    ...options,
  };
}

/** Re-times trace `i` of the store (the only one unless given). */
const run = (t: TraceColumns, m: RetimeModel, i = 0) =>
  retime(t, i, m, new Float64Array(t.size(i)), new Float64Array(t.size(i)));

/** gateway → cart (client/server) → pricing (client/server), a chain with 10 µs network each way. */
const chain = () => [
  span("a", undefined, 0, 1000, "gateway", "server"),
  span("b", "a", 100, 900, "gateway", "client"),
  span("c", "b", 110, 890, "cart", "server"),
  span("d", "c", 200, 800, "cart", "client"),
  span("e", "d", 210, 790, "pricing", "server"),
];

describe("re-timing a trace under another clustering", () => {
  it("reproduces the recording exactly under the recorded clustering", () => {
    const units = new UnitTable();
    const t = compact(chain(), units);
    expect(run(t, model(units, []))).toEqual([1000]);
  });

  it("removes the network time of a hop whose units now share a group, adding the in-process cost", () => {
    const units = new UnitTable();
    const t = compact(chain(), units);
    expect(run(t, model(units, [["cart", "pricing"]], { inProcessUs: 2 }))).toEqual([1000 - 20 + 2]);
    expect(run(t, model(units, [["gateway", "cart", "pricing"]]))).toEqual([1000 - 40]);
  });

  it("saves nothing when the hop runs beside a longer sibling", () => {
    const units = new UnitTable();
    const t = compact(
      [
        span("a", undefined, 0, 1000, "checkout", "server"),
        span("b", "a", 100, 300, "checkout", "client"),
        span("c", "b", 150, 250, "inventory", "server"),
        span("d", "a", 100, 900, "checkout", "client"),
        span("e", "d", 110, 890, "shipping", "server"),
      ],
      units,
    );
    expect(run(t, model(units, [["checkout", "inventory"]]))).toEqual([1000]);
    expect(run(t, model(units, [["checkout", "shipping"]]))).toEqual([1000 - 20]);
  });

  it("serialises parallel calls that become in-process calls into a single-worker group", () => {
    const units = new UnitTable();
    const t = compact(
      [
        span("a", undefined, 0, 1000, "checkout", "server"),
        span("b", "a", 100, 600, "checkout", "client"),
        span("c", "b", 110, 590, "inventory", "server"),
        span("d", "a", 100, 900, "checkout", "client"),
        span("e", "d", 110, 890, "shipping", "server"),
      ],
      units,
    );
    const fused = model(units, [["checkout", "inventory", "shipping"]]);
    expect(run(t, fused)).toEqual([1000 - 20]);
    fused.singleWorker[0] = 1;
    // shipping now waits for inventory (480 µs in-process) before its own 780 µs.
    expect(run(t, fused)).toEqual([100 + 480 + 780 + 100]);
  });

  it("adds network time when an in-process call is split into another group", () => {
    const units = new UnitTable();
    const t = compact(
      [span("a", undefined, 0, 1000, "cart", "server"), span("b", "a", 100, 900, "pricing", "internal")],
      units,
    );
    const split = model(units, [], { splitNetworkUs: new Float64Array([0, 300]) });
    expect(run(t, split)).toEqual([1300]);
    expect(run(t, model(units, [["cart", "pricing"]]))).toEqual([1000]);
  });

  it("does not wait for an asynchronous consumer", () => {
    const units = new UnitTable();
    const t = compact(
      [span("a", undefined, 0, 100, "orders", "producer"), span("b", "a", 500, 600, "notify", "consumer")],
      units,
    );
    expect(run(t, model(units, [["orders", "notify"]]))).toEqual([100]);
  });

  it("re-times a trace stored after others exactly as it re-times alone", () => {
    const units = new UnitTable();
    const store = new TraceColumns();
    store.add(buildCallTree(traceOf([span("x", undefined, 0, 50, "gateway", "server")])), units);
    const i = store.add(buildCallTree(traceOf(chain())), units);
    const alone = compact(chain(), units);
    const fused = model(units, [["cart", "pricing"]], { inProcessUs: 2 });
    expect(i).toBe(1);
    expect(run(store, fused, i)).toEqual(run(alone, fused));
    expect(run(store, fused, i)).toEqual([1000 - 20 + 2]);
  });

  it("reproduces every real corpus trace exactly under the recorded clustering, all in one store", async () => {
    const units = new UnitTable();
    const store = new TraceColumns();
    const recorded: number[][] = [];
    const files = [
      "nezha-trainticket/08_50_trace.otlp.jsonl.gz",
      "zipkin-testdata/smartthings-mobile-web-install.json",
      "jaeger-hotrod-otlp/getTrace-response.json",
    ];
    await replayFiles(
      files.map((f) => fileURLToPath(new URL(`../../../shared/corpus/${f}`, import.meta.url))),
      (tree) => {
        const i = store.add(tree, units);
        const heads = store.heads.subarray(store.headStart[i], store.headStart[i + 1]);
        recorded.push(Array.from(heads, (h) => store.end[h] - store.start[h]));
      },
    );
    expect(store.count).toBeGreaterThan(1);
    const m = model(units, []);
    recorded.forEach((durations, i) => {
      expect(run(store, m, i)).toEqual(durations);
    });
  });
});

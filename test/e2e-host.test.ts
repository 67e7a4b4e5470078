/**
 * End to end on the real demo shop (examples/shop): the host runs it in a five-group layout, a bounded
 * load drives it, and the recorded spans are read back and analysed with nanofuse's own replay, as the
 * closed loop will. Then the same through the command line: `nanofuse host`, `host load`, `analyse`.
 */
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { makeRequest } from "../examples/shop/lib/request.ts";
import { Analyser, type AnalysisResult } from "../src/analyse/analyser.ts";
import { analysisSummary, type EdgeReport, edgeReports } from "../src/analyse/report.ts";
import { analyseTrace } from "../src/analyse/trace-analysis.ts";
import { type LoadReport, runLoad } from "../src/host/load.ts";
import { startHost } from "../src/host/supervisor.ts";
import type { CallTree } from "../src/model/call-tree.ts";
import type { Span } from "../src/model/span.ts";
import { type ReplayResult, replayFiles } from "../src/pipeline/replay.ts";
import { loadCatalog } from "../src/plan/catalog.ts";
import { firstLine } from "./processes.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "bin", "nanofuse.js");
const APP = join(ROOT, "examples", "shop", "app.ts");
const CATALOG = join(ROOT, "examples", "shop", "catalog.yaml");
/** Starting a group loads tsx and the OpenTelemetry SDK: seconds each on two busy cores. */
const SLOW_MS = 300_000;
/**
 * Timeouts of the host's calls and of the load's requests, far above what any request needs: on a
 * machine at load 10 a request of the shop can take seconds, and a call that times out would turn
 * into a failed request that says nothing about the layout. What is asserted stays the same.
 */
const PATIENT_MS = 60_000;
const DELAY_MS = 5;
/**
 * Every unit's simulated work scaled up: recommendations' 60 ms straggle against shipping's 9 becomes
 * 240 against 36, a gap no scheduling delay of a machine at load 18 closed (at 1× it did). What the
 * fan-out assertions claim stays the same, in the same units of the app's own work.
 */
const WORK_FACTOR = 4;

/** Five groups that respect the catalog: the chain fused, the fan-out siblings together, fraud (Python) alone. */
const LAYOUT = {
  version: "e2e-five-groups",
  groups: [
    { name: "edge", units: ["gateway", "auth"] },
    { name: "orders", units: ["checkout", "cart", "catalog", "pricing", "tax", "giftwrap"] },
    { name: "fulfilment", units: ["inventory", "shipping", "recommendations", "notify"] },
    { name: "payments", units: ["payment"] },
    { name: "risk", units: ["fraud"] },
  ],
};
const ALL_UNITS = LAYOUT.groups.flatMap((g) => g.units).sort();
const groupOf = (unit: string) => LAYOUT.groups.find((g) => g.units.includes(unit))?.name;

/** Thirty consecutive request ids around the first gift-wrapped order, so every unit runs. */
const GIFT_ID = Array.from({ length: 1000 }, (_, i) => i + 1).find(
  (id) => makeRequest(id).giftWrap,
) as number;
const FIRST_ID = Math.max(1, GIFT_ID - 10);
const REQUESTS = 30;
/** Request ids ending in 7 make recommendations work 60 ms: the fan-out's straggler. */
const SEVENS = Array.from({ length: REQUESTS }, (_, i) => FIRST_ID + i).filter((id) => id % 10 === 7).length;

const hopKey = (h: { from: string; to: string; mode: string }) => `${h.from}→${h.to} ${h.mode}`;
const spanById = (tree: CallTree, id: string | undefined) => tree.nodes.get(id ?? "")?.span as Span;
const unitSpans = (tree: CallTree, unit: string) => tree.trace.spans.filter((s) => s.unit === unit);

async function readRecording(dir: string): Promise<{ result: ReplayResult; trees: CallTree[] }> {
  const trees: CallTree[] = [];
  const result = await replayFiles(
    readdirSync(dir).map((f) => join(dir, f)),
    (tree) => trees.push(tree),
  );
  return { result, trees };
}

describe("the shop hosted in five groups, under a steady load", () => {
  const dir = mkdtempSync(join(tmpdir(), "nanofuse-e2e-"));
  let load: LoadReport;
  let result: ReplayResult;
  let trees: CallTree[];
  let analysis: AnalysisResult;
  let edges: EdgeReport[];
  const edge = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to) as EdgeReport;

  beforeAll(async () => {
    const host = await startHost({
      app: APP,
      catalog: await loadCatalog(CATALOG),
      manifest: LAYOUT,
      recordDir: dir,
      networkDelayMs: DELAY_MS,
      networkJitterMs: 0,
      initMs: 20,
      // No keep-alive: an instance, once warm, stays warm for the whole run.
      keepAliveMs: 0,
      workFactor: WORK_FACTOR,
      callTimeoutMs: PATIENT_MS,
      startTimeoutMs: PATIENT_MS,
      onEvent: () => {},
    });
    try {
      load = await runLoad({
        url: host.entryUrl,
        profile: "steady",
        requests: REQUESTS,
        ratePerSecond: 20,
        timeoutMs: PATIENT_MS,
        firstRequestId: FIRST_ID,
      });
    } finally {
      await host.stop();
    }
    ({ result, trees } = await readRecording(dir));
    const analyser = new Analyser();
    for (const tree of trees) analyser.add(tree);
    analysis = analyser.finish();
    edges = edgeReports(analysis);
  }, SLOW_MS);

  it("answers every request and records one complete trace per request, without an input problem", () => {
    expect(load).toMatchObject({ sent: REQUESTS, ok: REQUESTS, failed: 0 });
    expect(readdirSync(dir).sort()).toEqual(LAYOUT.groups.map((g) => `${g.name}.otlp.jsonl`).sort());
    expect(result.problems.total()).toBe(0);
    expect(trees).toHaveLength(REQUESTS);
    for (const tree of trees) {
      expect(tree.roots).toHaveLength(1);
      expect(tree.orphans).toHaveLength(0);
      expect(tree.roots[0].span).toMatchObject({ unit: "gateway", kind: "server" });
    }
    const units = new Set(trees.flatMap((t) => t.trace.spans.map((s) => s.unit)));
    expect([...units].sort()).toEqual(ALL_UNITS);
  });

  it("shows a CLIENT → SERVER hop for every call between groups, with the injected delay on the client span", () => {
    const expected = [
      "gateway→checkout sync",
      "checkout→inventory sync",
      "checkout→shipping sync",
      "checkout→recommendations sync",
      "recommendations→catalog sync",
      "checkout→payment sync",
      "payment→fraud sync",
      "checkout→notify async",
    ].sort();
    for (const tree of trees) {
      expect(tree.hops.map(hopKey).sort()).toEqual(expected);
      for (const hop of tree.hops.filter((h) => h.mode === "sync")) {
        const client = spanById(tree, hop.clientSpanId);
        const server = spanById(tree, hop.serverSpanId);
        expect(client.kind).toBe("client");
        expect(server.kind).toBe("server");
        expect(groupOf(hop.from)).not.toBe(groupOf(hop.to));
        expect(server.resource["service.name"]).toBe(groupOf(hop.to));
        expect(client.attributes["nanofuse.network_delay_ms"]).toBe(DELAY_MS);
        expect(hop.skewUs).toBe(0);
      }
    }
  });

  it("has no hop between units fused together: each call inside a group is an INTERNAL span in the caller's process", () => {
    const inProcess: [caller: string, callee: string][] = [
      ["gateway", "auth"],
      ["checkout", "cart"],
      ["cart", "catalog"],
      ["cart", "pricing"],
      ["pricing", "tax"],
    ];
    for (const tree of trees) {
      for (const [caller, callee] of inProcess) {
        const calls = unitSpans(tree, callee).filter((s) => spanById(tree, s.parentSpanId).unit === caller);
        expect(calls).toHaveLength(1);
        const parent = spanById(tree, calls[0].parentSpanId);
        expect(calls[0].kind).toBe("internal");
        expect(calls[0].resource["process.pid"]).toBe(parent.resource["process.pid"]);
        expect(calls[0].resource["service.name"]).toBe(groupOf(caller));
      }
    }
    const gift = trees.flatMap((t) => unitSpans(t, "giftwrap"));
    expect(gift.length).toBeGreaterThanOrEqual(1);
    for (const s of gift) expect(s.kind).toBe("internal");
    for (const [caller, callee] of [...inProcess, ["checkout", "giftwrap"]])
      expect(edges.some((e) => e.from === caller && e.to === callee)).toBe(false);
  });

  it("runs the fan-out's three calls at the same time, and finds recommendations holding the barrier for ids ending in 7", () => {
    // Which request a trace answers, from the id the load sends (on a busy machine requests sent 50 ms
    // apart can arrive out of order, so the roots' start order is not the ids' order).
    const ids = trees
      .map((t) => Number(t.roots[0].span.attributes["nanofuse.request_id"]))
      .sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: REQUESTS }, (_, i) => FIRST_ID + i));
    for (const tree of trees) {
      const requestId = Number(tree.roots[0].span.attributes["nanofuse.request_id"]);
      const checkout = unitSpans(tree, "checkout").find((s) => s.kind === "server") as Span;
      const fanOut = tree.trace.spans.filter(
        (s) =>
          s.parentSpanId === checkout.spanId &&
          s.kind === "client" &&
          ["inventory", "shipping", "recommendations"].includes(s.attributes["peer.service"] as string),
      );
      expect(fanOut).toHaveLength(3);
      expect(Math.max(...fanOut.map((s) => s.startUs))).toBeLessThan(Math.min(...fanOut.map((s) => s.endUs)));

      const barriers = analyseTrace(tree).barriers.filter((b) => b.parentSpanId === checkout.spanId);
      expect(barriers).toHaveLength(1);
      const [barrier] = barriers;
      expect(fanOut.map((s) => s.spanId)).toContain(barrier.stragglerSpanId);
      expect(barrier.slack.map((s) => s.spanId).sort()).toEqual(
        fanOut
          .map((s) => s.spanId)
          .filter((id) => id !== barrier.stragglerSpanId)
          .sort(),
      );
      if (requestId % 10 !== 7) continue;
      // Its 60 ms of work against shipping's 9 (both × WORK_FACTOR): a wait of ~50 ms × the factor,
      // less when the machine delays shipping.
      const recommendations = unitSpans(tree, "recommendations").find((s) => s.kind === "server") as Span;
      expect(recommendations.endUs - recommendations.startUs, `request ${requestId}`).toBeGreaterThanOrEqual(
        59_000 * WORK_FACTOR,
      );
      expect(spanById(tree, barrier.stragglerSpanId).attributes["peer.service"]).toBe("recommendations");
      expect(barrier.waitUs).toBeGreaterThanOrEqual(20_000 * WORK_FACTOR);
    }
    expect(edge("checkout", "recommendations").stragglerCount).toBeGreaterThanOrEqual(SEVENS);
    expect(edge("checkout", "recommendations").barrierWaitUs).toBeGreaterThanOrEqual(
      SEVENS * 20_000 * WORK_FACTOR,
    );
  });

  it("sends notify as a PRODUCER → CONSUMER pair whose consumer stays off the critical path", () => {
    for (const tree of trees) {
      const hop = tree.hops.find((h) => h.mode === "async");
      const producer = spanById(tree, hop?.clientSpanId);
      const consumer = spanById(tree, hop?.serverSpanId);
      expect(producer).toMatchObject({ unit: "checkout", kind: "producer" });
      expect(consumer).toMatchObject({ unit: "notify", kind: "consumer" });
      const { paths, hopCosts } = analyseTrace(tree);
      const onPath = new Set(paths.flatMap((p) => p.sections.map((s) => s.spanId)));
      expect(onPath.has(consumer.spanId)).toBe(false);
      expect(paths.flatMap((p) => p.sections).some((s) => s.unit === "notify")).toBe(false);
      expect(hopCosts.find((c) => c.hop === hop)?.criticalUs).toBe(0);
    }
    expect(edge("checkout", "notify")).toMatchObject({
      asyncCalls: REQUESTS,
      criticalPathNetworkUs: 0,
    });
  });

  it("marks faas.coldstart=true exactly once per unit per process, and the analysis counts those", () => {
    const cold = new Map<string, number>();
    for (const s of trees.flatMap((t) => t.trace.spans)) {
      const flag = s.attributes["faas.coldstart"];
      if (flag === undefined) continue;
      const key = `${s.unit}@${s.resource["process.pid"]}`;
      cold.set(key, (cold.get(key) ?? 0) + (flag === true ? 1 : 0));
    }
    expect([...cold.keys()].map((k) => k.split("@")[0]).sort()).toEqual(ALL_UNITS);
    for (const [key, n] of cold) expect({ key, n }).toEqual({ key, n: 1 });
    expect(analysis.coldStarts).toBe(ALL_UNITS.length);
  });

  it("shows the injected network time in the analysis: at least the delay per hop, and some of it on the critical path", () => {
    const gatewayCheckout = edge("gateway", "checkout");
    expect(gatewayCheckout.calls).toBe(REQUESTS);
    expect(gatewayCheckout.networkUs.p50).toBeGreaterThanOrEqual(DELAY_MS * 1000);
    expect(gatewayCheckout.criticalPathNetworkUs).toBeGreaterThan(0);
    for (const e of edges.filter((x) => x.asyncCalls === 0))
      expect(e.networkUs.p50, `${e.from} → ${e.to}`).toBeGreaterThanOrEqual(DELAY_MS * 1000);
    const summary = analysisSummary(analysis);
    expect(summary.criticalPathNetworkUs).toBeGreaterThan(0);
    // Seven synchronous hops, at least 5 ms each, at most three of them in parallel (the fan-out).
    expect(summary.latencyUs.p50).toBeGreaterThan(5 * DELAY_MS * 1000);
  });
});

describe("the shop through the command line: nanofuse host, host load, analyse", () => {
  it(
    "records the baseline layout while `host load` drives it, and `analyse` finds its hops",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "nanofuse-e2e-cli-"));
      const args = [
        "host",
        "--app",
        "examples/shop/app.ts",
        "--catalog",
        "examples/shop/catalog.yaml",
        "--baseline",
        "--record",
        dir,
        "--call-timeout-ms",
        String(PATIENT_MS),
        "--start-timeout-ms",
        String(PATIENT_MS),
      ];
      const host = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      const exited = once(host, "exit");
      let stderr = "";
      host.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      try {
        const url = await firstLine(host);
        expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/invoke\/gateway$/);

        const node = (...rest: string[]) =>
          promisify(execFile)(process.execPath, [BIN, ...rest], { cwd: ROOT, maxBuffer: 64 << 20 });
        // Ids around the first gift-wrapped order, so that every unit (giftwrap too) records spans.
        const first = String(Math.max(1, GIFT_ID - 4));
        const load = JSON.parse(
          (
            await node(
              "host",
              "load",
              url,
              "--requests",
              "10",
              "--first-request-id",
              first,
              "--timeout-ms",
              String(PATIENT_MS),
            )
          ).stdout,
        );
        expect(load).toMatchObject({ sent: 10, ok: 10, failed: 0 });

        host.kill("SIGINT");
        const [code] = await exited;
        expect(code, stderr).toBe(0);
        expect(readdirSync(dir)).toHaveLength(14);

        const doc = JSON.parse((await node("analyse", dir, "--format", "json")).stdout);
        expect(doc.summary).toMatchObject({ traces: 10, units: 14, rejected: {}, warnings: {} });
        expect(doc.summary.criticalPathNetworkUs).toBeGreaterThan(0);
        const found = new Map(doc.edges.map((e: EdgeReport) => [`${e.from}→${e.to}`, e]));
        for (const key of [
          "gateway→auth",
          "gateway→checkout",
          "checkout→cart",
          "cart→catalog",
          "cart→pricing",
          "pricing→tax",
          "checkout→inventory",
          "checkout→shipping",
          "checkout→recommendations",
          "recommendations→catalog",
          "checkout→payment",
          "payment→fraud",
        ])
          expect(found.get(key), key).toMatchObject({ calls: 10, asyncCalls: 0 });
        expect(found.get("checkout→notify")).toMatchObject({ calls: 10, asyncCalls: 10 });
      } finally {
        // A failed test must not leave the host running; its groups exit when it disappears.
        if (host.exitCode === null) host.kill("SIGKILL");
      }
    },
    SLOW_MS,
  );
});

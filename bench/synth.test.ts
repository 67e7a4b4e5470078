import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_LIST, fixtureBytes, SYNTHETIC_FIXTURES } from "../scripts/make-fixtures.ts";
import { Inventory } from "../src/analyse/inventory.ts";
import type { Problem } from "../src/errors.ts";
import { readTraceFile } from "../src/ingest/sources/file.ts";
import type { Span } from "../src/model/span.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import {
  generateTraces,
  Kind,
  type SyntheticTrace,
  toOtlpJsonLine,
  toOtlpProtoFrame,
  writeSyntheticFile,
} from "./synth.ts";

const TRACES = 200;
const SEED = 7;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nanofuse-synth-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const traces = (seed = SEED, n = TRACES) => [...generateTraces({ traces: n, seed })];
const jsonBytes = (list: SyntheticTrace[]) => Buffer.from(list.map((t) => `${toOtlpJsonLine(t)}\n`).join(""));
const protoBytes = (list: SyntheticTrace[]) => Buffer.concat(list.map(toOtlpProtoFrame));

async function decode(file: string): Promise<{ spans: Span[]; problems: Problem[]; format: string }> {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  const format = await readTraceFile(file, { span: (s) => spans.push(s), problem: (p) => problems.push(p) });
  return { spans, problems, format };
}

const byId = (a: Span, b: Span) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

/** What every synthetic CLIENT/PRODUCER span should become: a hop to its callee's unit, or to redis. */
function expectedEdges(list: SyntheticTrace[]): Map<string, number> {
  const edges = new Map<string, number>();
  for (const trace of list) {
    for (const span of trace.spans) {
      if (span.kind !== Kind.CLIENT && span.kind !== Kind.PRODUCER) continue;
      const callee = trace.spans.find((s) => s.parentSpanId === span.spanId);
      const key = `${span.service}>${callee ? callee.service : span.attributes["server.address"]}`;
      edges.set(key, (edges.get(key) ?? 0) + 1);
    }
  }
  return edges;
}

describe("the synthetic shop generator", () => {
  it("gives the same bytes for the same seed, and different ones for another seed", () => {
    expect(jsonBytes(traces()).equals(jsonBytes(traces()))).toBe(true);
    expect(protoBytes(traces()).equals(protoBytes(traces()))).toBe(true);
    expect(jsonBytes(traces(SEED + 1)).equals(jsonBytes(traces()))).toBe(false);
  });

  it("makes shop-shaped traces: 12–25 spans, a client longer than its server by 0.5–3 ms, ~1% errors", () => {
    const list = traces(SEED, 1000);
    let spans = 0;
    let errors = 0;
    for (const trace of list) {
      expect(trace.spans.length).toBeGreaterThanOrEqual(12);
      expect(trace.spans.length).toBeLessThanOrEqual(25);
      spans += trace.spans.length;
      for (const span of trace.spans) {
        if (span.status.code === 2) errors++;
        const attributes = Object.keys(span.attributes).length;
        expect(attributes).toBeGreaterThanOrEqual(5);
        expect(attributes).toBeLessThanOrEqual(10);
        if (span.kind !== Kind.SERVER || !span.parentSpanId) continue;
        const client = trace.spans.find((s) => s.spanId === span.parentSpanId);
        const network = client && Number(client.endNs - client.startNs - (span.endNs - span.startNs));
        expect(network).toBeGreaterThanOrEqual(500_000);
        expect(network).toBeLessThanOrEqual(3_000_000);
      }
    }
    expect(spans / list.length).toBeGreaterThan(20);
    expect(errors / spans).toBeGreaterThan(0.003);
    expect(errors / spans).toBeLessThan(0.03);
  });

  it("streams a file with at least the requested number of spans, in whole traces", async () => {
    const file = join(dir, "stream.jsonl");
    const result = await writeSyntheticFile(file, { format: "otlp-json", seed: SEED, spans: 1000 });
    expect(result.spans).toBeGreaterThanOrEqual(1000);
    expect(result.spans).toBeLessThan(1025);
    const expected = traces(SEED, result.traces);
    expect((await readFile(file)).equals(jsonBytes(expected))).toBe(true);
  });
});

describe("synthetic files read back through the pipeline", () => {
  it("decode to the same spans from an OTLP JSON line and from a framed OTLP protobuf", async () => {
    const list = traces();
    const jsonFile = join(dir, "shop.otlp.jsonl");
    const protoFile = join(dir, "shop.otlp-proto.pb");
    await writeFile(jsonFile, jsonBytes(list));
    await writeFile(protoFile, protoBytes(list));
    const json = await decode(jsonFile);
    const proto = await decode(protoFile);
    expect(json.format).toBe("json-lines");
    expect(proto.format).toBe("otlp-proto-framed");
    expect(json.problems).toEqual([]);
    expect(proto.problems).toEqual([]);
    expect(json.spans).toHaveLength(list.reduce((n, t) => n + t.spans.length, 0));
    expect([...proto.spans].sort(byId)).toEqual([...json.spans].sort(byId));
  });

  it("decode each span as generated: ids, kind, microsecond times, unit, status, attributes", async () => {
    const [trace] = traces(SEED, 1);
    const file = join(dir, "one.otlp-proto.pb");
    await writeFile(file, toOtlpProtoFrame(trace));
    const { spans } = await decode(file);
    const kinds = ["unspecified", "internal", "server", "client", "producer", "consumer"];
    const expected = trace.spans.map((s) => ({
      traceId: trace.traceId,
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      name: s.name,
      kind: kinds[s.kind],
      startUs: Number(s.startNs / 1000n),
      endUs: Number(s.endNs / 1000n),
      unit: s.service,
      status: s.status.code === 2 ? "error" : "unset",
      attributes: s.attributes,
    }));
    const comparable = (list: { spanId: string }[]) =>
      list
        .map((s) => ({ ...s, resource: undefined, links: undefined }))
        .sort((a, b) => (a.spanId < b.spanId ? -1 : 1));
    expect(comparable(spans)).toEqual(comparable(expected));
    expect(spans[0].resource).toMatchObject({
      "service.name": "gateway",
      "deployment.environment.name": "production",
    });
  });

  it("replay to one call tree per trace, with one hop per client/producer span on the shop's edges", async () => {
    const list = traces();
    const file = join(dir, "replay.otlp.jsonl");
    await writeFile(file, jsonBytes(list));
    const inventory = new Inventory();
    const result = await replayFiles([file], (tree) => inventory.add(tree));
    const summary = inventory.summary();
    const expected = expectedEdges(list);
    expect(result.problems.total()).toBe(0);
    expect(summary.traces).toBe(TRACES);
    expect(summary.spans).toBe(list.reduce((n, t) => n + t.spans.length, 0));
    expect(summary.hops).toBe([...expected.values()].reduce((a, b) => a + b, 0));
    expect(summary.orphanSpans).toBe(0);
    expect(summary.multiRootTraces).toBe(0);
    expect(summary.skewedHops).toBe(0);
    const edges = inventory.topEdges("calls");
    expect(new Map(edges.map((e) => [`${e.from}>${e.to}`, e.calls]))).toEqual(expected);
    for (const edge of [
      "gateway>auth",
      "gateway>checkout",
      "checkout>cart",
      "cart>pricing",
      "pricing>tax",
      "checkout>inventory",
      "checkout>shipping",
      "checkout>recommendations",
      "checkout>notify",
    ]) {
      expect(edges.find((e) => `${e.from}>${e.to}` === edge)).toMatchObject({ virtual: false });
    }
    expect(edges.find((e) => e.to === "redis")).toMatchObject({ from: "cart", virtual: true });
    expect(expected.get("gateway>checkout")).toBe(TRACES);
  });
});

describe("the synthetic fixtures in test/fixtures/synthetic/", () => {
  it.each(FIXTURE_LIST)("$file is what scripts/make-fixtures.ts writes", async (fixture) => {
    const committed = await readFile(join(SYNTHETIC_FIXTURES, fixture.file));
    expect(committed.equals(fixtureBytes(fixture))).toBe(true);
  });
});

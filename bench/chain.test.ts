import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Analyser } from "../src/analyse/analyser.ts";
import { analysisSummary, edgeReports } from "../src/analyse/report.ts";
import type { CallTree } from "../src/model/call-tree.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { chainTrace } from "./chain.ts";
import { Kind, toOtlpJsonLine } from "./synth.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nanofuse-chain-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SPANS = 2_000;

describe("the synthetic chain", () => {
  it("is deterministic, and each span is the only child of the one before", () => {
    const trace = chainTrace({ spans: SPANS, seed: 3 });
    expect(toOtlpJsonLine(trace)).toBe(toOtlpJsonLine(chainTrace({ spans: SPANS, seed: 3 })));
    expect(trace.spans).toHaveLength(SPANS);
    for (let i = 1; i < SPANS; i++) {
      const [parent, child] = [trace.spans[i - 1], trace.spans[i]];
      expect(child.parentSpanId).toBe(parent.spanId);
      expect(child.startNs).toBeGreaterThan(parent.startNs);
      expect(child.endNs).toBeLessThan(parent.endNs);
      expect(child.kind).toBe(i % 2 === 0 ? Kind.SERVER : Kind.CLIENT);
      expect(child.service === parent.service).toBe(i % 2 === 1);
    }
  });

  it("replays as one trace whose critical path runs through every span", async () => {
    const file = join(dir, "chain.otlp.jsonl");
    await writeFile(file, `${toOtlpJsonLine(chainTrace({ spans: SPANS, seed: 3, units: 3 }))}\n`);
    const trees: CallTree[] = [];
    const analyser = new Analyser();
    const result = await replayFiles(
      [file],
      (tree) => {
        trees.push(tree);
        analyser.add(tree);
      },
      { buffer: { maxSpansPerTrace: 1_000 * SPANS } },
    );
    expect(result.problems.total()).toBe(0);
    expect(trees).toHaveLength(1);
    expect(trees[0].roots).toHaveLength(1);
    const analysis = analyser.finish();
    const summary = analysisSummary(analysis);
    expect(summary).toMatchObject({ traces: 1, spans: SPANS, units: 3 });
    // SPANS / 2 − 1 CLIENT → SERVER hops, and the last CLIENT's virtual hop to its server.address,
    // the next unit, so on one of the 3 edges of the unit cycle.
    expect(summary.hops).toBe(SPANS / 2);
    expect(edgeReports(analysis).map((e) => `${e.from}>${e.to}`)).toEqual(
      expect.arrayContaining(["chain-0>chain-1", "chain-1>chain-2", "chain-2>chain-0"]),
    );
    expect(edgeReports(analysis)).toHaveLength(3);
    expect(summary.criticalPathUs).toBe(summary.rootDurationUs);
    for (const unit of analysis.total.units.values()) expect(unit.criticalPathUs).toBeGreaterThan(0);
  });
});

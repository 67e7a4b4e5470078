/**
 * Every real trace file analyses without error, and its critical paths add up: the sum of
 * critical-path time equals the sum of root (and orphan-subtree) durations.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Analyser } from "../src/analyse/analyser.ts";
import { analysisSummary } from "../src/analyse/report.ts";
import { replayFiles } from "../src/pipeline/replay.ts";

const corpus = (path: string) => fileURLToPath(new URL(`../../shared/corpus/${path}`, import.meta.url));
const files = [
  "jaeger-hotrod-otlp/getTrace-response.json",
  "kiali-bookinfo-tempo/responseTrace.json",
  "nezha-onlineboutique/17_00_trace.otlp.jsonl.gz",
  "nezha-trainticket/08_50_trace.otlp.jsonl.gz",
  "zipkin-testdata/smartthings-mobile-web-install.json",
  "zipkin-testdata/yelp.json",
];

describe("analysing the real trace corpus", () => {
  for (const file of files) {
    it(`analyses ${file} with critical paths that sum to the root durations`, async () => {
      const analyser = new Analyser({ perTrace: true });
      const replay = await replayFiles([corpus(file)], (tree) => analyser.add(tree));
      const result = analyser.finish();
      expect(replay.problems.bySeverity("reject")).toEqual({});
      const summary = analysisSummary(result);
      expect(summary.traces).toBeGreaterThan(0);
      expect(summary.criticalPathUs).toBe(summary.rootDurationUs);
      for (const path of result.paths) {
        const sum = path.sections.reduce((total, s) => total + s.endUs - s.startUs, 0);
        expect(sum).toBe(path.durationUs);
      }
      expect(summary.criticalPathNetworkUs).toBeLessThanOrEqual(summary.criticalPathUs);
    });
  }
});

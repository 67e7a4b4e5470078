import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { batchedJsonLines, batchedRecords, shopTraces } from "../../test/support/kafka-records.ts";
import { WindowedAggregates } from "../analyse/aggregates.ts";
import { analysisSummary, edgeReports, operationReports, unitReports } from "../analyse/report.ts";
import { analyseTrace } from "../analyse/trace-analysis.ts";
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import type { SpanSink } from "../ingest/decoder.ts";
import { decodeKafkaRecord } from "../ingest/sources/kafka-records.ts";
import type { Span } from "../model/span.ts";
import { replayFiles } from "../pipeline/replay.ts";
import { analysisOf } from "./analysis.ts";
import { MemoryCheckpointSink } from "./checkpoint.ts";
import { PartitionWorker } from "./partition-worker.ts";

const IDLE_US = 1_000_000;
const OPTIONS = {
  buffer: { ...DEFAULT_BUFFER_OPTIONS, idleUs: IDLE_US },
  windowUs: 1_000_000,
  tickUs: IDLE_US / 10,
};
const SOURCE = "kafka:test/otlp_spans";

const traces = shopTraces(1200);
const records = batchedRecords(traces, 64).map((record) => {
  const spans: Span[] = [];
  const sink: SpanSink = { span: (s) => spans.push(s), problem: (p) => expect.fail(p.message) };
  decodeKafkaRecord(record.value, "otlp_proto", { file: "test" }, sink);
  return spans;
});

const report = (windows: WindowedAggregates) => {
  const result = analysisOf(windows);
  return {
    summary: analysisSummary(result),
    edges: edgeReports(result),
    units: unitReports(result),
    operations: operationReports(result),
  };
};

/** Reads `records` from `from`, committing every `commitEvery` records; stops before `crashAt`. */
async function run(sink: MemoryCheckpointSink, commitEvery: number, crashAt = records.length) {
  const restored = await sink.load(SOURCE, 0);
  const worker = new PartitionWorker(0, OPTIONS, restored);
  for (let offset = restored?.offset ?? 0; offset < crashAt; offset++) {
    if (!worker.accepts(offset)) continue;
    worker.record(offset, records[offset]);
    if ((offset + 1) % commitEvery === 0) {
      const commit = worker.prepareCommit(SOURCE);
      expect(await sink.commitWindow(commit)).toBe("committed");
      worker.committed(commit);
    }
  }
  if (crashAt < records.length) return worker; // what was not committed is lost with the process
  worker.flush();
  const commit = worker.prepareCommit(SOURCE);
  expect(await sink.commitWindow(commit)).toBe("committed");
  worker.committed(commit);
  return worker;
}

describe("a partition worker", () => {
  it("builds from batched records, one trace over many records, the analysis a replay of the same spans gives", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nanofuse-worker-"));
    try {
      const file = join(dir, "batches.otlp.jsonl");
      await writeFile(file, `${batchedJsonLines(traces, 64).join("\n")}\n`);
      const replayed = new WindowedAggregates(OPTIONS.windowUs);
      await replayFiles([file], (tree) => replayed.add(tree, analyseTrace(tree)), { buffer: OPTIONS.buffer });

      const sink = new MemoryCheckpointSink();
      const worker = await run(sink, 50);
      expect(worker.counters.traces).toBe(traces.length);
      expect(report(sink.windows(SOURCE))).toEqual(report(replayed));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("restarted from the checkpoint after a crash at any point, ends with the aggregates of an uninterrupted run", async () => {
    const uninterrupted = new MemoryCheckpointSink();
    await run(uninterrupted, 50);
    const expected = report(uninterrupted.windows(SOURCE));
    let droppedOnReread = 0;
    for (const crashAt of [1, 37, 120, 233, 301, records.length - 2]) {
      const sink = new MemoryCheckpointSink();
      await run(sink, 17, crashAt);
      const restored = await sink.load(SOURCE, 0);
      // Traces were in flight at the checkpoint, so reading resumes before the last record read.
      if (crashAt > 17) expect(restored?.offset).toBeLessThan(restored?.next ?? 0);
      const resumed = await run(sink, 17);
      expect(report(sink.windows(SOURCE)), `crash at record ${crashAt}`).toEqual(expected);
      droppedOnReread += resumed.counters.alreadyCounted;
    }
    // Some restarts re-read records of traces counted before the crash, and counted them once.
    expect(droppedOnReread).toBeGreaterThan(0);
  });

  it("keeps the spans of a counted trace that arrive after its last record, and drops its re-read ones", () => {
    const [first, second] = traces;
    const spansOf = (id: string) => records.flat().filter((s) => s.traceId === id);
    const late = { ...spansOf(first.traceId)[0], spanId: "00000000000000ff" };
    const worker = new PartitionWorker(0, OPTIONS, {
      revision: 1,
      offset: 10,
      next: 12,
      watermarkUs: Number.NEGATIVE_INFINITY,
      completed: new Map([[first.traceId, 11]]),
    });
    expect(worker.accepts(9)).toBe(false);
    worker.record(10, spansOf(first.traceId));
    worker.record(11, spansOf(second.traceId));
    worker.record(12, [late]);
    worker.flush();
    expect(worker.counters.alreadyCounted).toBe(spansOf(first.traceId).length);
    expect(worker.counters.spans).toBe(spansOf(second.traceId).length + 1);
    expect(worker.counters.traces).toBe(2);
    expect(worker.readEarlier(11)).toBe(true);
    expect(worker.readEarlier(12)).toBe(false);
  });

  it("resumes on the restored clock, so a re-read trace is cut where the first read cut it", () => {
    const template = records[0][0];
    const span = (traceId: string, spanId: string, endUs: number): Span => ({
      ...template,
      traceId,
      spanId,
      parentSpanId: undefined,
      startUs: endUs - 1000,
      endUs,
    });
    const base = template.startUs;
    const x = span("0000000000000000000000000000000a", "000000000000000a", base + 10_000_000);
    const a1 = span("0000000000000000000000000000000b", "000000000000000b", base + 1_000_000);
    const y = span("0000000000000000000000000000000c", "000000000000000c", base + 10_900_000);
    const a2 = span("0000000000000000000000000000000b", "000000000000000d", base + 1_100_000);
    const uninterrupted = new PartitionWorker(0, OPTIONS);
    for (const [offset, s] of [x, a1, y, a2].entries()) uninterrupted.record(offset, [s]);
    uninterrupted.flush();
    // As if trace x was counted and the checkpoint taken after record 1: x's end is the clock.
    const restored = new PartitionWorker(0, OPTIONS, {
      revision: 1,
      offset: 1,
      next: 2,
      watermarkUs: x.endUs,
      completed: new Map([[x.traceId, 0]]),
    });
    for (const [i, s] of [a1, y, a2].entries()) restored.record(i + 1, [s]);
    restored.flush();
    // Trace b's two spans, 100 ms apart in event time, stay one trace in both runs.
    expect(uninterrupted.counters.traces).toBe(3);
    expect(restored.counters.traces).toBe(2);
  });

  it("refuses a commit of a stale revision, as after losing the partition to another daemon", async () => {
    const sink = new MemoryCheckpointSink();
    const a = new PartitionWorker(0, OPTIONS);
    const b = new PartitionWorker(0, OPTIONS);
    a.record(0, records[0]);
    b.record(0, records[0]);
    const commitA = a.prepareCommit(SOURCE);
    expect(await sink.commitWindow(commitA)).toBe("committed");
    expect(await sink.commitWindow(b.prepareCommit(SOURCE))).toBe("conflict");
    expect((await sink.load(SOURCE, 0))?.revision).toBe(1);
  });
});

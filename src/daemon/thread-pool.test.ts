import { afterAll, describe, expect, it } from "vitest";
import { batchedRecords, shopTraces } from "../../test/support/kafka-records.ts";
import type { WindowedAggregates } from "../analyse/aggregates.ts";
import { analysisSummary, edgeReports, operationReports, unitReports } from "../analyse/report.ts";
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import type { SpanSink } from "../ingest/decoder.ts";
import { decodeKafkaRecord } from "../ingest/sources/kafka-records.ts";
import type { Span } from "../model/span.ts";
import { analysisOf } from "./analysis.ts";
import { MemoryCheckpointSink } from "./checkpoint.ts";
import { PartitionWorker } from "./partition-worker.ts";
import { ThreadPool } from "./thread-pool.ts";

const IDLE_US = 1_000_000;
const OPTIONS = {
  buffer: { ...DEFAULT_BUFFER_OPTIONS, idleUs: IDLE_US },
  windowUs: 1_000_000,
  tickUs: IDLE_US / 10,
};
const SOURCE = "kafka:test/otlp_spans";
const records = batchedRecords(shopTraces(600, 5), 64);

const report = (windows: WindowedAggregates) => {
  const result = analysisOf(windows);
  return {
    summary: analysisSummary(result),
    edges: edgeReports(result),
    units: unitReports(result),
    operations: operationReports(result),
  };
};

const decoded = (value: Buffer): Span[] => {
  const spans: Span[] = [];
  const sink: SpanSink = { span: (s) => spans.push(s), problem: (p) => expect.fail(p.message) };
  decodeKafkaRecord(value, "otlp_proto", { file: "test" }, sink);
  return spans;
};

const pool = new ThreadPool(2, {
  topic: "otlp_spans",
  encoding: "otlp_proto",
  maxRecordBytes: 1 << 20,
  trees: true,
});
afterAll(() => pool.close());

describe("a partition on a thread", () => {
  it("commits the windows and checkpoints the in-thread worker commits, record for record", async () => {
    const inThread = new MemoryCheckpointSink();
    const local = new PartitionWorker(3, OPTIONS);
    const threaded = new MemoryCheckpointSink();
    const trees: number[] = [];
    const remote = await pool.open(3, OPTIONS, (t) => trees.push(t.length), undefined);
    for (let from = 0; from < records.length; from += 25) {
      const chunk = records.slice(from, from + 25).map((r, i) => ({ offset: from + i, value: r.value }));
      for (const r of chunk) local.record(r.offset, decoded(r.value));
      const { stoppedAt, events } = await remote.batch(chunk, Number.POSITIVE_INFINITY, false);
      expect(stoppedAt).toBe(from + chunk.length);
      expect(events).toEqual([]);
      const a = local.prepareCommit(SOURCE);
      const b = await remote.prepare(SOURCE);
      expect(b.checkpoint).toEqual(a.checkpoint);
      expect(await inThread.commitWindow(a)).toBe("committed");
      expect(await threaded.commitWindow(b)).toBe("committed");
      local.committed(a);
      remote.committed(b);
    }
    local.flush();
    remote.flush();
    expect(await remote.hasWork()).toBe(true);
    const a = local.prepareCommit(SOURCE);
    const b = await remote.prepare(SOURCE);
    await inThread.commitWindow(a);
    await threaded.commitWindow(b);
    expect(remote.counters).toEqual(local.counters);
    expect(trees.reduce((x, y) => x + y, 0)).toBe(local.counters.traces);
    expect(report(threaded.windows(SOURCE))).toEqual(report(inThread.windows(SOURCE)));
  });

  it("stops a batch where its grant of buffered spans runs out, and reports poison records in order", async () => {
    const remote = await pool.open(4, OPTIONS, undefined, undefined);
    const chunk = [
      { offset: 0, value: null },
      { offset: 1, value: Buffer.from("not protobuf at all") },
      ...records.slice(0, 10).map((r, i) => ({ offset: 2 + i, value: r.value })),
    ];
    const { stoppedAt, events } = await remote.batch(chunk, 1, false);
    // The first record with spans fills the grant of one span: the next is left for later.
    expect(stoppedAt).toBe(3);
    expect(events.filter((e) => e.kind === "poison").map((e) => e.kind === "poison" && e.offset)).toEqual([
      0, 1,
    ]);
    expect(remote.nextOffset).toBe(3);
    expect(remote.bufferedSpans()).toBeGreaterThan(0);
  });
});

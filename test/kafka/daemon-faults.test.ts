import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryCheckpointSink } from "../../src/daemon/checkpoint.ts";
import { DEAD_LETTER_HEADERS } from "../../src/daemon/dead-letter.ts";
import { type TestKafka, testKafka, uniqueName, until } from "../support/kafka.ts";
import { consume, daemonFor, replayOf, report } from "../support/kafka-daemon.ts";
import { batchedRecords, keyedRecords, shopTraces, spanCount } from "../support/kafka-records.ts";

let k: TestKafka;
let dir: string;
beforeAll(async () => {
  k = await testKafka();
  dir = await mkdtemp(join(tmpdir(), "nanofuse-kafka-"));
}, 180_000);
afterAll(async () => {
  await k?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const header = (value: unknown) => (Buffer.isBuffer(value) ? value.toString() : String(value));

describe("the Kafka daemon under bad input and pressure", () => {
  it("sends poison records to the dead-letter topic with where and why, and processes everything else", async () => {
    const good = keyedRecords(shopTraces(40, 3));
    const poison = [
      { key: null, value: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), reason: "NF_PROTO_MALFORMED" },
      { key: "5b8efff798038103d269b633813fc60c", value: null, reason: "NF_RECORD_EMPTY" },
      { key: null, value: Buffer.alloc(70_000, 0x0a), reason: "NF_RECORD_TOO_LARGE" },
      { key: null, value: Buffer.from('{"resourceSpans": []}'), reason: "NF_PROTO_MALFORMED" },
    ];
    const records = [...good.slice(0, 10), poison[0], ...good.slice(10, 20), poison[1], poison[2]];
    records.push(...good.slice(20, 30), poison[3], ...good.slice(30));
    const topic = await k.topic({ compression: "gzip" });
    await k.produce(topic, records);

    const { daemon, sink, source } = await consume(k, topic, records.length, { maxRecordBytes: 64 * 1024 });
    expect(daemon.stats()).toMatchObject({ traces: 40, deadLettered: 4, deadLetterFailed: 0 });
    expect(report(sink.windows(source))).toEqual(
      await replayOf(
        dir,
        good.map((r) => r.value),
      ),
    );
    expect(daemon.problems.bySeverity("reject")).toEqual({
      NF_PROTO_MALFORMED: 2,
      NF_RECORD_EMPTY: 1,
      NF_RECORD_TOO_LARGE: 1,
    });

    const letters = await k.readAll(`${topic}.dead-letter`, 4);
    const offsetOf = (p: (typeof poison)[number]) => String(records.indexOf(p as (typeof records)[number]));
    expect(
      letters
        .map((l) => ({
          topic: header(l.headers[DEAD_LETTER_HEADERS.topic]),
          partition: header(l.headers[DEAD_LETTER_HEADERS.partition]),
          offset: header(l.headers[DEAD_LETTER_HEADERS.offset]),
          reason: header(l.headers[DEAD_LETTER_HEADERS.reason]),
          key: l.key,
          bytes: l.value?.length ?? null,
        }))
        .sort((a, b) => Number(a.offset) - Number(b.offset)),
    ).toEqual(
      poison.map((p) => ({
        topic,
        partition: "0",
        offset: offsetOf(p),
        reason: p.reason,
        key: p.key,
        bytes: p.value?.length ?? null,
      })),
    );
  });

  it("pauses its partitions at the cap on buffered spans instead of growing, and resumes as traces complete", async () => {
    // 200 traces within ~1 s of event time: with a 1 s idle period all would be in flight at once.
    const traces = shopTraces(200, 9);
    const keyed = keyedRecords(traces);
    const topic = await k.topic({ partitions: 2 });
    await k.produce(topic, keyed);
    const cap = 1000;
    const { daemon, sink, source } = daemonFor(k, topic, { maxBufferedSpans: cap });
    await daemon.start();
    let peak = 0;
    let sawPaused = false;
    await until(() => {
      const s = daemon.stats();
      peak = Math.max(peak, s.bufferedSpans);
      sawPaused ||= s.paused;
      return s.records >= keyed.length && s.inFlightTraces === 0;
    }, "the daemon to read every record");
    expect(await daemon.stop()).toBe(true);
    const stats = daemon.stats();
    expect(sawPaused).toBe(true);
    expect(stats.pauses).toBeGreaterThan(0);
    // One record is read after the check: the cap is exceeded by at most one trace's spans.
    expect(peak).toBeLessThan(cap + Math.max(...traces.map((t) => t.spans.length)));
    expect(stats).toMatchObject({ traces: 200, spans: spanCount(traces), deadLettered: 0 });
    expect(report(sink.windows(source))).toEqual(
      await replayOf(
        dir,
        keyed.map((r) => r.value),
      ),
    );
  });

  it("after a daemon dies mid-stream, the next one in the group resumes from the checkpoint: same aggregates", async () => {
    const batched = batchedRecords(shopTraces(900, 13), 40);
    const half = Math.floor(batched.length / 2);
    const topic = await k.topic({ compression: "zstd" });
    const group = uniqueName("group");
    const sink = new MemoryCheckpointSink();
    await k.produce(topic, batched.slice(0, half));
    // A clock that never advances on its own: the last traces stay in flight until it dies.
    const first = daemonFor(k, topic, { group, sink, quietMs: 600_000 });
    await first.daemon.start();
    await until(
      async () => (await sink.load(first.source, 0))?.next === half,
      "the first daemon to read and commit half the records",
    );
    await first.daemon.abort();
    const restored = await sink.load(first.source, 0);
    // Traces were in flight when it died: the checkpoint resumes before what it had read.
    expect(restored?.offset).toBeLessThan(half);

    await k.produce(topic, batched.slice(half));
    const second = await consume(k, topic, batched.length - (restored?.offset ?? 0), { group, sink });
    expect(second.daemon.stats().alreadyCounted).toBeGreaterThan(0);
    expect(report(sink.windows(first.source))).toEqual(
      await replayOf(
        dir,
        batched.map((r) => r.value),
      ),
    );
  });
});

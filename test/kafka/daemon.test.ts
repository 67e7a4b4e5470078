import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestKafka, testKafka } from "../support/kafka.ts";
import { consume, replayOf, report } from "../support/kafka-daemon.ts";
import {
  batchedJsonLines,
  batchedRecords,
  jaegerRecords,
  keyedRecords,
  shopTraces,
  zipkinRecords,
} from "../support/kafka-records.ts";

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

describe("the Kafka daemon against a real broker", () => {
  const traces = shopTraces(300);
  const keyed = keyedRecords(traces);

  // The broker recompresses every batch with the topic's codec (Kafka's own Java implementations),
  // so the consumer meets exactly what a collector producing with that compression writes.
  for (const compression of ["uncompressed", "gzip", "snappy", "lz4", "zstd"]) {
    it(`reads ${compression} protobuf records keyed by trace id on 3 partitions and analyses them as a replay does`, async () => {
      const topic = await k.topic({ partitions: 3, compression });
      await k.produce(topic, keyed);
      const { daemon, sink, source } = await consume(k, topic, keyed.length);
      expect(daemon.stats()).toMatchObject({ traces: traces.length, partitions: [0, 1, 2], deadLettered: 0 });
      expect(report(sink.windows(source))).toEqual(
        await replayOf(
          dir,
          keyed.map((r) => r.value),
        ),
      );
    });
  }

  it("reads batches with a null key, several traces per record and one trace over many records", async () => {
    const batched = batchedRecords(shopTraces(600, 11), 50);
    const topic = await k.topic({ compression: "lz4" });
    await k.produce(topic, batched);
    const { daemon, sink, source } = await consume(k, topic, batched.length);
    expect(daemon.stats().traces).toBe(600);
    expect(report(sink.windows(source))).toEqual(
      await replayOf(
        dir,
        batched.map((r) => r.value),
      ),
    );
  });

  it("reads the otlp_json, zipkin_json and jaeger_json encodings as a replay of the same values does", async () => {
    const few = shopTraces(80, 5);
    const cases = [
      {
        encoding: "otlp_json",
        records: batchedJsonLines(few, 40).map((line) => ({ key: null, value: Buffer.from(line) })),
      },
      { encoding: "zipkin_json", records: zipkinRecords(few) },
      { encoding: "jaeger_json", records: jaegerRecords(few) },
    ] as const;
    for (const { encoding, records } of cases) {
      const topic = await k.topic({ compression: "snappy" });
      await k.produce(topic, records);
      const { daemon, sink, source } = await consume(k, topic, records.length, { encoding });
      expect(daemon.stats().traces, encoding).toBe(few.length);
      // A lone jaeger_json span is what the Jaeger decoder reads as a one-span chunk.
      const values = records.map((r) =>
        encoding === "jaeger_json" ? Buffer.from(`{"spans":[${r.value}]}`) : r.value,
      );
      expect(report(sink.windows(source)), encoding).toEqual(await replayOf(dir, values, true));
    }
  });
});

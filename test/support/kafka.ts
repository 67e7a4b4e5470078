/**
 * The real Kafka broker for tests: the one `npm run kafka -- start` runs (as .ci/run does), else one
 * started for this test file and stopped after it. There is no skipping: a test that needs Kafka
 * fails when no broker can be had, in CI and on a laptop alike.
 */
import { randomUUID } from "node:crypto";
import { type Admin, CompressionTypes, type IHeaders, Kafka, logLevel, Partitioners } from "kafkajs";
import { brokerStatus, startBroker, stopBroker } from "../../scripts/kafka.ts";
import { registerKafkaCodecs } from "../../src/ingest/sources/kafka-codecs.ts";

export interface TestKafka {
  brokers: string[];
  kafka: Kafka;
  admin: Admin;
  /** A topic of its own for each test; `compression` is the broker's (topic config `compression.type`). */
  topic(options?: { partitions?: number; compression?: string; maxMessageBytes?: number }): Promise<string>;
  produce(
    topic: string,
    records: { key: string | null; value: Buffer | null }[],
    options?: { compression?: CompressionTypes },
  ): Promise<void>;
  /** Every record of a topic (for dead letters), read by a throw-away group. */
  readAll(
    topic: string,
    count: number,
  ): Promise<{ key: string | null; value: Buffer | null; headers: IHeaders }[]>;
  close(): Promise<void>;
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function testKafka(): Promise<TestKafka> {
  registerKafkaCodecs();
  const shared = brokerStatus("default");
  const own = shared ? undefined : `test-${process.pid}`;
  const info = shared ?? (await startBroker({ name: own }));
  const brokers = [info.bootstrap];
  const kafka = new Kafka({ clientId: "nanofuse-test", brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // Idempotent, so that a request retried under load never writes a record twice.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();

  const readAll: TestKafka["readAll"] = async (topic, count) => {
    const consumer = kafka.consumer({ groupId: uniqueName("read"), maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const out: Awaited<ReturnType<TestKafka["readAll"]>> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${out.length} of ${count} records of ${topic}`)),
        30_000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            out.push({
              key: message.key?.toString() ?? null,
              value: message.value,
              headers: message.headers ?? {},
            });
            if (out.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return out;
  };

  // The first group join on a fresh broker finds the coordinator loading and restarts itself (DESIGN.md).
  const warm = uniqueName("warm-up");
  await admin.createTopics({ topics: [{ topic: warm, numPartitions: 1 }], waitForLeaders: true });
  await producer.send({ topic: warm, messages: [{ value: "x" }] });
  await readAll(warm, 1);

  return {
    brokers,
    kafka,
    admin,
    async topic(options = {}) {
      const name = uniqueName("spans");
      const configEntries = [];
      if (options.compression) configEntries.push({ name: "compression.type", value: options.compression });
      if (options.maxMessageBytes)
        configEntries.push({ name: "max.message.bytes", value: String(options.maxMessageBytes) });
      await admin.createTopics({
        topics: [{ topic: name, numPartitions: options.partitions ?? 1, configEntries }],
        waitForLeaders: true,
      });
      return name;
    },
    async produce(topic, records, options = {}) {
      // One producer request per ~512 KiB, under the broker's default 1 MiB limit on a batch.
      for (let i = 0; i < records.length; ) {
        const chunk = [];
        for (let bytes = 0; i < records.length && chunk.length < 500 && bytes < 512 * 1024; i++) {
          chunk.push(records[i]);
          bytes += records[i].value?.length ?? 0;
        }
        await producer.send({
          topic,
          compression: options.compression ?? CompressionTypes.None,
          messages: chunk,
        });
      }
    },
    readAll,
    async close() {
      await producer.disconnect();
      await admin.disconnect();
      if (own) await stopBroker(own);
    },
  };
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const began = Date.now();
  while (!(await condition())) {
    if (Date.now() - began > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

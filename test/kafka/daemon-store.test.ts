/**
 * `nanofuse daemon --store` against the real broker and the local PostgreSQL (and PGlite): records
 * in the collector's kafka exporter formats, aggregates compared with `nanofuse replay --store` of
 * the same spans, through a SIGKILL mid-stream and a daemon leaving its group mid-run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  inStore,
  replayIntoStore,
  startDaemon,
  stopDaemon,
  storedReport,
  untilStoredToEnd,
} from "../support/daemon-process.ts";
import { type TestKafka, testKafka, uniqueName, until } from "../support/kafka.ts";
import { batchedRecords, keyedRecords, shopTraces } from "../support/kafka-records.ts";
import { useBackend } from "../support/store-backends.ts";

let k: TestKafka;
let dir: string;
beforeAll(async () => {
  k = await testKafka();
  dir = await mkdtemp(join(tmpdir(), "nanofuse-daemon-store-"));
}, 180_000);
afterAll(async () => {
  await k?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const postgres = useBackend("postgres");

describe("nanofuse daemon with a store", () => {
  it("stores in PostgreSQL the aggregates that replay --store makes of the same keyed protobuf records", async () => {
    const url = await postgres.freshUrl();
    const records = keyedRecords(shopTraces(300, 31));
    expect(records.every((r) => /^[0-9a-f]{32}$/.test(r.key as string))).toBe(true);
    const topic = await k.topic({ partitions: 3, compression: "zstd" });
    await k.produce(topic, records);
    const group = uniqueName("group");
    const run = startDaemon(k, topic, group, url);
    await untilStoredToEnd(k, url, topic, group);
    await stopDaemon(run);
    expect(run.out.code, run.out.stderr).toBe(0);
    expect(JSON.parse(run.out.stdout).summary.traces).toBe(300);

    const replayed = await replayIntoStore(
      dir,
      records.map((r) => r.value),
      url,
    );
    await inStore(url, async (store) => {
      const daemon = await storedReport(store, `kafka:${group}/${topic}`);
      expect(daemon.summary.traces).toBe(300);
      expect(daemon).toEqual(await storedReport(store, replayed));
      // Every partition's checkpoint is at its end, committed to Kafka as well.
      const progress = await store.aggregates.progress(`kafka:${group}/${topic}`);
      const committed = await k.admin.fetchOffsets({ groupId: group, topics: [topic] });
      expect(committed[0].partitions.map((p) => p.offset).sort()).toEqual(
        progress.map((p) => p.offset).sort(),
      );
    });
  }, 180_000);

  it("stores in a PGlite directory, by default, the aggregates replay --store makes of batched records with null keys", async () => {
    const store = join(dir, uniqueName("pglite"));
    const records = batchedRecords(shopTraces(400, 32), 40);
    expect(records.every((r) => r.key === null)).toBe(true);
    const topic = await k.topic({ compression: "lz4" });
    await k.produce(topic, records);
    const group = uniqueName("group");
    const run = startDaemon(k, topic, group, store);
    await until(
      () => new RegExp(` records ${records.length} .* in flight 0 `).test(run.out.stderr),
      "the daemon to read and complete every trace",
      90_000,
    );
    await stopDaemon(run);
    expect(run.out.code, run.out.stderr).toBe(0);

    const replayed = await replayIntoStore(
      dir,
      records.map((r) => r.value),
      store,
    );
    await inStore(store, async (s) => {
      const daemon = await storedReport(s, `kafka:${group}/${topic}`);
      expect(daemon.summary.traces).toBe(400);
      expect(daemon).toEqual(await storedReport(s, replayed));
    });
  }, 180_000);
});

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

  it("after a SIGKILL mid-stream and a restart, stores exactly the aggregates of an uninterrupted daemon", async () => {
    const url = await postgres.freshUrl();
    const records = keyedRecords(shopTraces(800, 33));
    const half = records.length / 2;
    const topic = await k.topic({ partitions: 2, compression: "snappy" });
    await k.produce(topic, records.slice(0, half));
    const steady = uniqueName("steady");
    const killed = uniqueName("killed");
    const uninterrupted = startDaemon(k, topic, steady, url);
    const first = startDaemon(k, topic, killed, url);
    // Killed right after a checkpoint that left traces in flight: their records will be read again.
    const stored = () => inStore(url, (store) => store.aggregates.progress(`kafka:${killed}/${topic}`));
    const inFlight = (progress: Awaited<ReturnType<typeof stored>>) =>
      progress.some((p) => Number(p.offset) < Number((p.state as { next: string }).next));
    await inStore(url, (store) =>
      until(
        async () => inFlight(await store.aggregates.progress(`kafka:${killed}/${topic}`)),
        "a checkpoint with traces in flight",
      ),
    );
    first.child.kill("SIGKILL");
    await first.exited;
    expect(first.out.signal).toBe("SIGKILL");
    const atKill = await stored();
    expect(inFlight(atKill)).toBe(true);

    await k.produce(topic, records.slice(half));
    const second = startDaemon(k, topic, killed, url);
    await untilStoredToEnd(k, url, topic, killed);
    await untilStoredToEnd(k, url, topic, steady);
    await stopDaemon(second);
    await stopDaemon(uninterrupted);
    expect(second.out.code, second.out.stderr).toBe(0);
    // The restarted daemon read again, from the checkpoints' low watermarks, records the killed one had read.
    const resumedAt = atKill.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(JSON.parse(second.out.stdout).daemon.records).toBe(records.length - resumedAt);

    const replayed = await replayIntoStore(
      dir,
      records.map((r) => r.value),
      url,
    );
    await inStore(url, async (store) => {
      const afterKill = await storedReport(store, `kafka:${killed}/${topic}`);
      expect(afterKill.summary.traces).toBe(800);
      expect(afterKill).toEqual(await storedReport(store, `kafka:${steady}/${topic}`));
      expect(afterKill).toEqual(await storedReport(store, replayed));
    });
  }, 240_000);

  it("with two daemons in one group on 4 partitions, one stopped mid-run, stores what one daemon stores", async () => {
    const url = await postgres.freshUrl();
    const records = keyedRecords(shopTraces(800, 34));
    const half = records.length / 2;
    const topic = await k.topic({ partitions: 4, compression: "gzip" });
    await k.produce(topic, records.slice(0, half));
    const alone = uniqueName("alone");
    const shared = uniqueName("shared");
    const single = startDaemon(k, topic, alone, url);
    const a = startDaemon(k, topic, shared, url);
    const b = startDaemon(k, topic, shared, url);
    // Both own partitions and all four have a checkpoint before one of them leaves.
    // The latest status line, whatever else the daemon logged since (rebalance notes, refused commits).
    const owns = (run: typeof a) => {
      const status = run.out.stderr.match(/partitions \[[\d,]*\]/g) ?? [];
      return /\[\d/.test(status[status.length - 1] ?? "");
    };
    await until(() => owns(a) && owns(b), "both daemons to own partitions", 90_000);
    await inStore(url, (store) =>
      until(
        async () => (await store.aggregates.progress(`kafka:${shared}/${topic}`)).length === 4,
        "a checkpoint of every partition",
      ),
    );
    await stopDaemon(b);
    expect(b.out.code, b.out.stderr).toBe(0);
    const left = JSON.parse(b.out.stdout).daemon.partitions as number[];
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(4);

    await k.produce(topic, records.slice(half));
    await untilStoredToEnd(k, url, topic, shared);
    await untilStoredToEnd(k, url, topic, alone);
    await stopDaemon(a);
    await stopDaemon(single);
    expect(a.out.code, a.out.stderr).toBe(0);
    // The one that stayed took over the partitions of the one that left.
    expect(JSON.parse(a.out.stdout).daemon.partitions).toEqual([0, 1, 2, 3]);

    const replayed = await replayIntoStore(
      dir,
      records.map((r) => r.value),
      url,
    );
    await inStore(url, async (store) => {
      const two = await storedReport(store, `kafka:${shared}/${topic}`);
      expect(two.summary.traces).toBe(800);
      expect(two).toEqual(await storedReport(store, `kafka:${alone}/${topic}`));
      expect(two).toEqual(await storedReport(store, replayed));
    });
  }, 240_000);
});

/**
 * The daemons' planner against the real broker and PostgreSQL: two daemons in one group, each with
 * its own connections to one database, plan one at a time (the store's advisory-lock lease), each run
 * a versioned proposal; when the leader leaves, the other takes over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaDaemon } from "../../src/daemon/daemon.ts";
import { DaemonPlanner } from "../../src/daemon/planner.ts";
import { StoreCheckpointSink } from "../../src/daemon/store-sink.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { type TestKafka, testKafka, uniqueName, until } from "../support/kafka.ts";
import { TEST_DAEMON } from "../support/kafka-daemon.ts";
import { keyedRecords, shopTraces } from "../support/kafka-records.ts";
import { useBackend } from "../support/store-backends.ts";

let k: TestKafka;
beforeAll(async () => {
  k = await testKafka();
}, 180_000);
afterAll(async () => {
  await k?.close();
}, 60_000);

const postgres = useBackend("postgres");

describe("the daemons' planner", () => {
  it("runs on one daemon at a time, on its schedule, through the store's versioned proposals; the other leads once it leaves", async () => {
    const url = await postgres.freshUrl();
    const stores: Store[] = [await openStore(url), await openStore(url)];
    try {
      const topic = await k.topic({ partitions: 2 });
      const group = uniqueName("group");
      const scope = uniqueName("scope");
      // On the schedule only: thresholds that never fire, a plan every 300 ms while traces arrive.
      const plannerOptions = { scope, everyMs: 300, barrierWaitShare: Infinity, networkShare: Infinity };
      const runs = stores.map((store) => {
        const planner = new DaemonPlanner(store, Date.now(), plannerOptions);
        const sink = new StoreCheckpointSink(store);
        const daemon = new KafkaDaemon({
          brokers: k.brokers,
          topic,
          group,
          ...TEST_DAEMON,
          sink,
          planner,
        });
        return { planner, daemon };
      });
      for (const run of runs) await run.daemon.start();
      await k.produce(topic, keyedRecords(shopTraces(400, 41)));
      await until(
        () => runs.some((r) => r.planner.stats().plans > 0),
        "a daemon to plan on the traces it completed",
      );
      const leaders = runs.filter((r) => r.planner.stats().leader);
      expect(leaders).toHaveLength(1);
      const [leader] = leaders;
      const other = runs.find((r) => r !== leader) as (typeof runs)[number];
      expect(other.planner.stats().plans).toBe(0);

      expect(await leader.daemon.stop()).toBe(true);
      await k.produce(topic, keyedRecords(shopTraces(400, 42)));
      await until(() => other.planner.stats().plans > 0, "the other daemon to take the lease and plan");
      expect(other.planner.stats().leader).toBe(true);
      expect(await other.daemon.stop()).toBe(true);

      const proposals = await stores[0].proposals.list({ scope });
      const versions = proposals.map((p) => p.version).sort((a, b) => a - b);
      // A run that finds the clustering of the stored proposal gets that one back (once per content).
      expect(versions.length).toBeGreaterThanOrEqual(1);
      expect(versions).toContain(other.planner.stats().lastVersion);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      const created = runs.reduce((n, r) => n + r.planner.stats().proposalsCreated, 0);
      expect(created).toBe(proposals.length);
      // Each version supersedes the one before it.
      const byVersion = new Map(proposals.map((p) => [p.version, p]));
      for (const p of proposals)
        if (p.version > 1) expect(p.supersedes).toBe(byVersion.get(p.version - 1)?.id);
    } finally {
      for (const store of stores) await store.close();
    }
  }, 180_000);

  it("plans early, without a schedule, when the critical-path network share crosses its threshold", async () => {
    const store = await openStore(await postgres.freshUrl());
    try {
      const topic = await k.topic();
      const scope = uniqueName("scope");
      const options = { scope, everyMs: Infinity, barrierWaitShare: Infinity, minTraces: 50, minGapMs: 0 };
      const planner = new DaemonPlanner(store, Date.now(), { ...options, networkShare: 0.01 });
      const daemon = new KafkaDaemon({
        brokers: k.brokers,
        topic,
        group: uniqueName("group"),
        ...TEST_DAEMON,
        sink: new StoreCheckpointSink(store),
        planner,
      });
      await daemon.start();
      await k.produce(topic, keyedRecords(shopTraces(200, 43)));
      await until(() => planner.stats().plans > 0, "the network share to trigger a plan");
      expect(await daemon.stop()).toBe(true);
      expect(planner.stats().lastReason).toBe("network-share");
      expect((await store.proposals.list({ scope })).map((p) => p.version)).toEqual([1]);
    } finally {
      await store.close();
    }
  }, 120_000);
});

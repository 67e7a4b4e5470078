/**
 * The soak test (issue 14, `npm run soak`, not part of `npm test`): steady load through the real
 * Kafka broker into two daemons of one group on the local PostgreSQL, for SOAK_MINUTES (default 10).
 * A third of the way in one daemon is restarted (SIGTERM, then started again: two rebalances); half
 * way a third daemon joins and, at two thirds, leaves (two more). At the end the lag returns to zero,
 * each daemon's memory stayed flat, and the stored aggregates equal `nanofuse replay --store` of
 * every record produced. Its figures go to bench/SOAK.md.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTraces } from "../../bench/synth.ts";
import {
  type DaemonProcess,
  inStore,
  replayIntoStore,
  startDaemon,
  stopDaemon,
  storedReport,
  untilStoredToEnd,
} from "../support/daemon-process.ts";
import { type TestKafka, testKafka, uniqueName } from "../support/kafka.ts";
import { keyedRecords, spanCount } from "../support/kafka-records.ts";
import { createDatabase, databaseUrl, dropDatabase } from "../support/store-backends.ts";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const TRACES_PER_SECOND = Number(process.env.SOAK_TRACES_PER_SECOND ?? 100);
const SAMPLE_MS = 5_000;
const RESULTS = new URL("../../bench/SOAK.md", import.meta.url);

/** Resident set size of a process in MiB, from /proc (Linux). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  atS: number;
  lag: number;
  rss: Record<string, number>;
}

let k: TestKafka;
let dir: string;
let database: string;
beforeAll(async () => {
  k = await testKafka();
  dir = await mkdtemp(join(tmpdir(), "nanofuse-soak-"));
  database = await createDatabase();
}, 180_000);
afterAll(async () => {
  await k?.close();
  if (database) await dropDatabase(database);
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe("the soak", () => {
  it(
    "keeps memory flat and lag bounded under steady load with restarts and rebalances, and stores what a replay stores",
    async () => {
      const url = databaseUrl(database);
      const topic = await k.topic({ partitions: 4, compression: "lz4" });
      const group = uniqueName("soak");
      const daemons = new Map<string, DaemonProcess>();
      daemons.set("a", startDaemon(k, topic, group, url));
      daemons.set("b", startDaemon(k, topic, group, url));

      const values: Buffer[] = [];
      let spans = 0;
      const samples: Sample[] = [];
      const began = Date.now();
      const durationMs = MINUTES * 60_000;
      const events: string[] = [];
      let restarted = false;
      let joined = false;
      let left = false;
      let nextSample = 0;
      for (let second = 0; Date.now() - began < durationMs; second++) {
        const traces = [
          ...generateTraces({
            traces: TRACES_PER_SECOND,
            seed: 1_000 + second,
            startNs: BigInt(Date.now()) * 1_000_000n,
          }),
        ];
        const records = keyedRecords(traces);
        await k.produce(topic, records);
        values.push(...records.map((r) => r.value));
        spans += spanCount(traces);
        const elapsed = Date.now() - began;
        if (!restarted && elapsed > durationMs / 3) {
          restarted = true;
          await stopDaemon(daemons.get("a") as DaemonProcess);
          daemons.set("a", startDaemon(k, topic, group, url));
          events.push(`${Math.round(elapsed / 1000)} s: daemon a restarted (SIGTERM, start)`);
        }
        if (!joined && elapsed > durationMs / 2) {
          joined = true;
          daemons.set("c", startDaemon(k, topic, group, url));
          events.push(`${Math.round(elapsed / 1000)} s: daemon c joined the group`);
        }
        if (!left && elapsed > (2 * durationMs) / 3) {
          left = true;
          await stopDaemon(daemons.get("c") as DaemonProcess);
          daemons.delete("c");
          events.push(`${Math.round(elapsed / 1000)} s: daemon c left the group`);
        }
        if (elapsed >= nextSample) {
          nextSample += SAMPLE_MS;
          samples.push(await sample(k, topic, group, daemons, elapsed));
        }
        await sleep(Math.max(0, (second + 1) * 1000 - (Date.now() - began)));
      }
      const producedS = (Date.now() - began) / 1000;
      await untilStoredToEnd(k, url, topic, group);
      const drainedS = (Date.now() - began) / 1000 - producedS;
      samples.push(await sample(k, topic, group, daemons, Date.now() - began));
      for (const run of daemons.values()) await stopDaemon(run);

      const replayed = await replayIntoStore(dir, values, url);
      const equal = await inStore(url, async (store) => {
        const daemon = await storedReport(store, `kafka:${group}/${topic}`);
        expect(daemon).toEqual(await storedReport(store, replayed));
        return daemon.summary;
      });

      // Flat: the last quarter's largest RSS of the daemons that ran throughout (b) within 25% of the
      // largest after the first quarter (warm-up: the JIT, the buffers reaching their steady size).
      const b = samples.map((s) => ({ atS: s.atS, rss: s.rss.b })).filter((s) => Number.isFinite(s.rss));
      const warm = b.filter((s) => s.atS > producedS / 4 && s.atS <= producedS / 2).map((s) => s.rss);
      const late = b.filter((s) => s.atS > (producedS * 3) / 4).map((s) => s.rss);
      const growth = Math.max(...late) / Math.max(...warm);
      const lag = samples.at(-1)?.lag;

      await writeFile(
        RESULTS,
        soakReport({ producedS, drainedS, spans, records: values.length, samples, events, growth, equal }),
      );
      expect(lag).toBe(0);
      expect(growth).toBeLessThan(1.25);
    },
    (MINUTES + 10) * 60_000,
  );
});

async function sample(
  k: TestKafka,
  topic: string,
  group: string,
  daemons: Map<string, DaemonProcess>,
  elapsedMs: number,
): Promise<Sample> {
  const ends = await k.admin.fetchTopicOffsets(topic);
  const committed = await k.admin.fetchOffsets({ groupId: group, topics: [topic] });
  const at = new Map(committed[0].partitions.map((p) => [p.partition, Number(p.offset)]));
  const lag = ends.reduce((n, e) => n + Number(e.high) - Math.max(0, at.get(e.partition) ?? 0), 0);
  const rss: Record<string, number> = {};
  for (const [name, run] of daemons)
    if (run.child.pid && run.out.code === undefined)
      rss[name] = await rssMiB(run.child.pid).catch(() => Number.NaN);
  return { atS: Math.round(elapsedMs / 1000), lag, rss };
}

function soakReport(r: {
  producedS: number;
  drainedS: number;
  spans: number;
  records: number;
  samples: Sample[];
  events: string[];
  growth: number;
  equal: { traces: number };
}): string {
  const cpu = os.cpus()[0]?.model.trim() ?? "unknown CPU";
  const rows = r.samples.map(
    (s) =>
      `| ${s.atS} | ${s.lag} | ${["a", "b", "c"].map((n) => (s.rss[n] ? s.rss[n].toFixed(0) : "")).join(" | ")} |`,
  );
  return [
    "# Soak (issue 14)",
    "",
    "Recorded by `npm run soak` (test/soak/daemon.soak.ts): steady load through a real Kafka broker",
    "(4 partitions, lz4) into daemons of one consumer group on the local PostgreSQL.",
    "",
    `- machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; node ${process.version}; ${new Date().toISOString().slice(0, 10)}; load average at the end ${os.loadavg()[0].toFixed(1)}`,
    `- produced ${r.records.toLocaleString("en")} records (${r.spans.toLocaleString("en")} spans, ${TRACES_PER_SECOND} traces/s, keyed by trace id) over ${r.producedS.toFixed(0)} s; lag back to 0 ${r.drainedS.toFixed(1)} s after the last record`,
    ...r.events.map((e) => `- ${e}`),
    `- stored aggregates equal \`nanofuse replay --store\` of every record: ${r.equal.traces.toLocaleString("en")} traces`,
    `- memory: daemon b's largest RSS in the last quarter is ${r.growth.toFixed(2)}× its largest in the second quarter (flat: below 1.25×)`,
    "",
    "| s | lag (records) | RSS a (MiB) | RSS b (MiB) | RSS c (MiB) |",
    "|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n");
}

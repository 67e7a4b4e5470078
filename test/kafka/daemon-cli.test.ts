import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestKafka, testKafka, uniqueName, until } from "../support/kafka.ts";
import { keyedRecords, shopTraces } from "../support/kafka-records.ts";
import { useBackend } from "../support/store-backends.ts";

let k: TestKafka;
beforeAll(async () => {
  k = await testKafka();
}, 180_000);
afterAll(async () => {
  await k?.close();
}, 60_000);

function nanofuse(args: string[], brokers?: string) {
  const env = { ...process.env };
  delete env.KAFKA_BROKERS;
  if (brokers) env.KAFKA_BROKERS = brokers;
  const child = spawn(process.execPath, ["bin/nanofuse.js", ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "", code: undefined as number | null | undefined };
  child.stdout.on("data", (d) => {
    out.stdout += d;
  });
  child.stderr.on("data", (d) => {
    out.stderr += d;
  });
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code) => {
      out.code = code;
      resolve();
    }),
  );
  return { child, out, exited };
}

const postgres = useBackend("postgres");

describe("nanofuse daemon", () => {
  it("consumes until SIGTERM, then commits its offsets, reports and exits", async () => {
    const traces = shopTraces(120, 21);
    const topic = await k.topic({ partitions: 2, compression: "snappy" });
    await k.produce(topic, keyedRecords(traces));
    const group = uniqueName("cli");
    const args = ["daemon", "--topic", topic, "--group", group, "--idle-ms", "1000"];
    args.push("--commit-interval-ms", "200", "--status-every-s", "1", "--format", "json");
    args.push("--store", await postgres.freshUrl(), "--metrics-listen", "127.0.0.1:0");
    const run = nanofuse(args, k.brokers.join(","));
    await until(
      () => / records 120 .* in flight 0 /.test(run.out.stderr),
      "the daemon to read and complete every trace",
    );
    run.child.kill("SIGTERM");
    await run.exited;
    expect(run.out.code).toBe(0);
    const doc = JSON.parse(run.out.stdout);
    expect(doc.summary.traces).toBe(traces.length);
    expect(doc.daemon).toMatchObject({ records: 120, deadLettered: 0 });
    // The group's committed offsets are the ends of both partitions: nothing is left in flight.
    const committed = await k.admin.fetchOffsets({ groupId: group, topics: [topic] });
    const ends = await k.admin.fetchTopicOffsets(topic);
    expect(committed[0].partitions.map((p) => p.offset).sort()).toEqual(ends.map((p) => p.high).sort());
  }, 60_000);

  it("refuses to start without brokers, as a usage error", async () => {
    const run = nanofuse(["daemon"]);
    await run.exited;
    expect(run.out.code).toBe(2);
    expect(run.out.stderr).toMatch(/--brokers/);
  });
});

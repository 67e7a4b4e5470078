/**
 * What `nanofuse daemon` tells about itself, against the real broker and PostgreSQL: OpenTelemetry
 * metrics on a Prometheus endpoint, /healthz and /readyz.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthUrl, startDaemon, stopDaemon, untilStoredToEnd } from "../support/daemon-process.ts";
import { type TestKafka, testKafka, uniqueName, until } from "../support/kafka.ts";
import { keyedRecords, shopTraces, spanCount } from "../support/kafka-records.ts";
import { useBackend } from "../support/store-backends.ts";

let k: TestKafka;
beforeAll(async () => {
  k = await testKafka();
}, 180_000);
afterAll(async () => {
  await k?.close();
}, 60_000);

const postgres = useBackend("postgres");

/** Prometheus text: the value of `name` with exactly these labels (besides the exporter's own). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const got = Object.fromEntries(
      [...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => got[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe("nanofuse daemon's own observability", () => {
  it("serves its lag, spans, traces in flight, dead letters, drops and flush latency to Prometheus, and /healthz and /readyz", async () => {
    const url = await postgres.freshUrl();
    const traces = shopTraces(150, 51);
    const records = [
      ...keyedRecords(traces),
      { key: null, value: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) },
    ];
    const topic = await k.topic({ partitions: 2 });
    await k.produce(topic, records);
    const group = uniqueName("group");
    const run = startDaemon(k, topic, group, url);
    const base = await healthUrl(run);
    await until(async () => (await fetch(`${base}/readyz`)).status === 200, "the daemon to be ready");
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    await untilStoredToEnd(k, url, topic, group);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(sample(text, "nanofuse_daemon_spans_total")).toBe(spanCount(traces));
    expect(sample(text, "nanofuse_daemon_traces_total")).toBe(traces.length);
    expect(sample(text, "nanofuse_daemon_records_total")).toBe(records.length);
    expect(sample(text, "nanofuse_daemon_traces_in_flight")).toBe(0);
    expect(sample(text, "nanofuse_daemon_dead_lettered_total")).toBe(1);
    expect(sample(text, "nanofuse_daemon_dropped_spans_total", { reason: "already_counted" })).toBe(0);
    expect(sample(text, "nanofuse_daemon_dropped_spans_total", { reason: "duplicate" })).toBe(0);
    expect(sample(text, "nanofuse_daemon_lag_records", { partition: "0" })).toBe(0);
    expect(sample(text, "nanofuse_daemon_lag_records", { partition: "1" })).toBe(0);
    expect(sample(text, "nanofuse_daemon_flush_duration_seconds_count")).toBeGreaterThan(0);
    expect(sample(text, "nanofuse_daemon_planner_leader")).toBe(1);
    expect(text).toMatch(/# TYPE nanofuse_daemon_flush_duration_seconds histogram/);
    // A second scrape has an interval to measure spans/s over: none were read in it.
    const again = await (await fetch(`${base}/metrics`)).text();
    expect(sample(again, "nanofuse_daemon_spans_per_second")).toBe(0);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);

    await stopDaemon(run);
    expect(run.out.code, run.out.stderr).toBe(0);
    await expect(fetch(`${base}/readyz`)).rejects.toThrow();
  }, 120_000);
});

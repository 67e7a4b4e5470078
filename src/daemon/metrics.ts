/**
 * The daemon's own metrics as OpenTelemetry instruments, read by Prometheus (the exporter renders
 * them on each scrape of /metrics, see health-server.ts). Totals are observable counters read from
 * the daemon's stats at scrape time, so the hot path pays nothing for them; `rate()` of
 * `nanofuse_daemon_spans_total` is spans/s, and the gauge `nanofuse_daemon_spans_per_second` gives
 * the same over the time between two scrapes for readers without PromQL. Flush latency is a
 * histogram recorded after each partition commit (store transaction, then Kafka offset).
 */
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { DaemonStats } from "./daemon.ts";
import type { PlannerStats } from "./planner.ts";

/** Seconds: a store commit takes milliseconds, a slow one seconds. */
const FLUSH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class DaemonMetrics {
  readonly exporter = new PrometheusExporter({ preventServerStart: true });
  private readonly provider = new MeterProvider({ readers: [this.exporter] });
  private readonly flushSeconds;
  private last?: { spans: number; at: number };

  constructor(
    stats: () => DaemonStats,
    planner: () => PlannerStats | undefined,
    private readonly clock: () => number = Date.now,
  ) {
    const meter = this.provider.getMeter("nanofuse-daemon");
    this.flushSeconds = meter.createHistogram("nanofuse_daemon_flush_duration_seconds", {
      unit: "s",
      description:
        "Time of one partition's commit: windows and checkpoint to the store, then the offset to Kafka",
      advice: { explicitBucketBoundaries: FLUSH_BUCKETS },
    });
    const counter = (name: string, description: string, unit = "1") =>
      meter.createObservableCounter(name, { description, unit });
    const gauge = (name: string, description: string, unit = "1") =>
      meter.createObservableGauge(name, { description, unit });
    const spans = counter("nanofuse_daemon_spans_total", "Spans read into the trace buffers");
    const records = counter("nanofuse_daemon_records_total", "Kafka records read");
    const traces = counter("nanofuse_daemon_traces_total", "Traces completed and analysed");
    const deadLettered = counter(
      "nanofuse_daemon_dead_lettered_total",
      "Poison records sent to the dead-letter topic",
    );
    const deadLetterFailed = counter(
      "nanofuse_daemon_dead_letter_failed_total",
      "Poison records whose dead letter could not be written (counted, skipped)",
    );
    const dropped = counter(
      "nanofuse_daemon_dropped_spans_total",
      "Spans dropped: counted before the checkpoint (already_counted) or exact duplicates (duplicate)",
    );
    const evicted = counter(
      "nanofuse_daemon_evicted_traces_total",
      "Traces completed early and flagged partial because memory is bounded",
    );
    const rate = gauge("nanofuse_daemon_spans_per_second", "Spans read per second since the previous scrape");
    const inFlight = gauge("nanofuse_daemon_traces_in_flight", "Traces buffered, waiting to complete");
    const buffered = gauge("nanofuse_daemon_buffered_spans", "Spans held by the trace buffers");
    const lag = gauge("nanofuse_daemon_lag_records", "Records of an assigned partition not read yet");
    const paused = gauge("nanofuse_daemon_paused", "1 while consumption is paused at the span cap");
    const leader = gauge("nanofuse_daemon_planner_leader", "1 while this daemon holds the planner lease");
    const plans = counter("nanofuse_daemon_plans_total", "Planner runs of this daemon");

    meter.addBatchObservableCallback(
      (result) => {
        const s = stats();
        const now = this.clock();
        result.observe(spans, s.spans);
        result.observe(records, s.records);
        result.observe(traces, s.traces);
        result.observe(deadLettered, s.deadLettered);
        result.observe(deadLetterFailed, s.deadLetterFailed);
        result.observe(dropped, s.alreadyCounted, { reason: "already_counted" });
        result.observe(dropped, s.duplicateSpans, { reason: "duplicate" });
        result.observe(evicted, s.evictedTraces);
        const previous = this.last;
        if (previous && now > previous.at)
          result.observe(rate, ((s.spans - previous.spans) * 1000) / (now - previous.at));
        this.last = { spans: s.spans, at: now };
        result.observe(inFlight, s.inFlightTraces);
        result.observe(buffered, s.bufferedSpans);
        for (const l of s.lag) result.observe(lag, l.records, { partition: String(l.partition) });
        result.observe(paused, s.paused ? 1 : 0);
        const p = planner();
        if (p) {
          result.observe(leader, p.leader ? 1 : 0);
          result.observe(plans, p.plans);
        }
      },
      [
        spans,
        records,
        traces,
        deadLettered,
        deadLetterFailed,
        dropped,
        evicted,
        rate,
        inFlight,
        buffered,
        lag,
        paused,
        leader,
        plans,
      ],
    );
  }

  /** One partition commit took `ms` milliseconds. */
  flushed(ms: number): void {
    this.flushSeconds.record(ms / 1000);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

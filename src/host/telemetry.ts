/**
 * A group process's tracing: the OpenTelemetry NodeSDK with the JSON-lines recorder. Everything that
 * matters is set here rather than taken from OTEL_* variables, so a stray OTEL_SERVICE_NAME or
 * OTEL_PROPAGATORS in the shell cannot relabel the group or break context propagation.
 * Resource: service.name = the group (the unit is each span's faas.name), nanofuse.group,
 * nanofuse.variant (tells A/B layouts apart) and process.pid (one cold start per unit per process).
 */
import { type Tracer, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler } from "@opentelemetry/sdk-trace-base";
import { OtlpJsonLinesExporter } from "./recorder.ts";

export interface Telemetry {
  tracer: Tracer;
  /** Flushes every span still queued, then stops. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  group: string;
  variant?: string;
  /** Without it (and without otlpEndpoint) no span is recorded. */
  recordFile?: string;
  /** OTLP/HTTP traces URL (e.g. `nanofuse serve`'s …/v1/traces): spans are also exported there. */
  otlpEndpoint?: string;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = defaultResource().merge(
    resourceFromAttributes({
      "service.name": options.group,
      "nanofuse.group": options.group,
      ...(options.variant ? { "nanofuse.variant": options.variant } : {}),
      "process.pid": process.pid,
    }),
  );
  // A queue large enough for a load test's bursts: the default 2048 drops spans silently.
  const batch = { maxQueueSize: 100_000, maxExportBatchSize: 2048, scheduledDelayMillis: 500 };
  const spanProcessors = [
    ...(options.recordFile
      ? [new BatchSpanProcessor(new OtlpJsonLinesExporter(options.recordFile), batch)]
      : []),
    ...(options.otlpEndpoint
      ? [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint }), batch)]
      : []),
  ];
  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    spanProcessors,
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    textMapPropagator: new W3CTraceContextPropagator(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { tracer: trace.getTracer("nanofuse-host", "0.1.0"), shutdown: () => sdk.shutdown() };
}

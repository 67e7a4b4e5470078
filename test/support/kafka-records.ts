/**
 * Kafka records as the OpenTelemetry Collector's kafka exporter writes them, built from the
 * synthetic shop (bench/synth.ts), for the daemon's tests and benchmark:
 * - `keyedRecords`: `partition_traces_by_id`, one ExportTraceServiceRequest per trace, keyed by
 *   its 32 lowercase hex trace id (exporter/kafkaexporter: batchpersignal.SplitTraces, then
 *   TraceIDToHexOrEmptyString);
 * - `batchedRecords`: the default, a null key and one request per exported batch. Spans are batched
 *   in the order they end, as an SDK's batch span processor sees them, so a record holds spans of
 *   several traces and a trace is spread over several records.
 * Protobuf concatenation merges messages, repeated fields appending, so a batch is the concatenation
 * of its traces' requests: one ResourceSpans per trace and service.
 */
import { generateTraces, type SyntheticTrace, toOtlpJsonLine, toOtlpProto } from "../../bench/synth.ts";

export interface TestRecord {
  key: string | null;
  value: Buffer;
}

export const shopTraces = (traces: number, seed = 7): SyntheticTrace[] => [
  ...generateTraces({ traces, seed }),
];

export const spanCount = (traces: SyntheticTrace[]) => traces.reduce((n, t) => n + t.spans.length, 0);

export function keyedRecords(traces: SyntheticTrace[]): TestRecord[] {
  return traces.map((trace) => ({ key: trace.traceId, value: Buffer.from(toOtlpProto(trace)) }));
}

/** Spans in end order, cut into batches of `spansPerRecord`; each batch as per-trace parts. */
export function batches(traces: SyntheticTrace[], spansPerRecord: number): SyntheticTrace[][] {
  const all = traces.flatMap((trace) => trace.spans.map((span) => ({ trace, span })));
  all.sort((a, b) => (a.span.endNs < b.span.endNs ? -1 : a.span.endNs > b.span.endNs ? 1 : 0));
  const out: SyntheticTrace[][] = [];
  for (let i = 0; i < all.length; i += spansPerRecord) {
    const byTrace = new Map<SyntheticTrace, SyntheticTrace>();
    for (const { trace, span } of all.slice(i, i + spansPerRecord)) {
      const part = byTrace.get(trace) ?? { traceId: trace.traceId, spans: [] };
      part.spans.push(span);
      byTrace.set(trace, part);
    }
    out.push([...byTrace.values()]);
  }
  return out;
}

export function batchedRecords(traces: SyntheticTrace[], spansPerRecord: number): TestRecord[] {
  return batches(traces, spansPerRecord).map((parts) => ({
    key: null,
    value: Buffer.concat(parts.map((t) => toOtlpProto(t))),
  }));
}

/** The same batches as OTLP/JSON requests (hex ids): the exporter's `otlp_json`, or a file's lines. */
export function batchedJsonLines(traces: SyntheticTrace[], spansPerRecord: number): string[] {
  return batches(traces, spansPerRecord).map((parts) =>
    JSON.stringify({ resourceSpans: parts.flatMap((t) => JSON.parse(toOtlpJsonLine(t)).resourceSpans) }),
  );
}

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

const ZIPKIN_KIND: Record<number, string | undefined> = {
  2: "SERVER",
  3: "CLIENT",
  4: "PRODUCER",
  5: "CONSUMER",
};
const tagsOf = (attributes: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, String(v)]));

/** The exporter's `zipkin_json`: a Zipkin v2 list of spans, here one record per trace. */
export function zipkinRecords(traces: SyntheticTrace[]): TestRecord[] {
  return traces.map((trace) => ({
    key: trace.traceId,
    value: Buffer.from(
      JSON.stringify(
        trace.spans.map((s) => ({
          traceId: trace.traceId,
          id: s.spanId,
          ...(s.parentSpanId ? { parentId: s.parentSpanId } : {}),
          name: s.name,
          ...(ZIPKIN_KIND[s.kind] ? { kind: ZIPKIN_KIND[s.kind] } : {}),
          timestamp: Number(s.startNs / 1000n),
          duration: Number((s.endNs - s.startNs) / 1000n),
          localEndpoint: { serviceName: s.service },
          tags: tagsOf(s.attributes),
        })),
      ),
    ),
  }));
}

const base64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");
const rfc3339 = (ns: bigint) =>
  `${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19)}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;

/** The exporter's `jaeger_json`: one api_v2 span per record through jsonpb, keyed by trace id. */
export function jaegerRecords(traces: SyntheticTrace[]): TestRecord[] {
  return traces.flatMap((trace) =>
    trace.spans.map((s) => {
      const kind = ZIPKIN_KIND[s.kind]?.toLowerCase();
      const tags = Object.entries(s.attributes).map(([key, v]) => ({ key, vStr: String(v) }));
      if (kind) tags.push({ key: "span.kind", vStr: kind });
      const span = {
        traceId: base64(trace.traceId),
        spanId: base64(s.spanId),
        operationName: s.name,
        references: s.parentSpanId
          ? [{ traceId: base64(trace.traceId), spanId: base64(s.parentSpanId) }]
          : [],
        startTime: rfc3339(s.startNs),
        duration: `${(Number(s.endNs - s.startNs) / 1e9).toFixed(9)}s`,
        tags,
        process: { serviceName: s.service },
      };
      return { key: trace.traceId, value: Buffer.from(JSON.stringify(span)) };
    }),
  );
}

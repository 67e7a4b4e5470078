/**
 * One Kafka record value to spans, in the encodings of the OpenTelemetry Collector's kafka exporter
 * (opentelemetry-collector-contrib exporter/kafkaexporter, `encoding` per signal):
 * - `otlp_proto` (default): one ExportTraceServiceRequest. With `partition_traces_by_id` the exporter
 *   splits the batch per trace and keys each record by the 32-hex trace id; otherwise one record
 *   holds the whole batch (several traces, several resources) with a null key;
 * - `otlp_json`: the same request as OTLP/JSON;
 * - `jaeger_json`: one Jaeger api_v2 span per record, through jsonpb (base64 ids, inline process);
 * - `zipkin_json`: a Zipkin v2 JSON list of spans.
 * The decoders of the file formats do the work; this file only splits a protobuf request at its top
 * level (it arrives as one buffer, so it needs no streaming) and wraps a lone Jaeger span as a chunk.
 */
import { type Location, problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { decodeJaegerTrace } from "../decoders/jaeger-json.ts";
import { decodeResourceSpansFast } from "../decoders/otlp-proto-fast.ts";
import { ProtoMalformed, WireReader } from "../decoders/otlp-proto-wire.ts";
import { quoteNumericNanos } from "../nanos-json.ts";
import { decodeJsonValue } from "../route.ts";

export const KAFKA_ENCODINGS = ["otlp_proto", "otlp_json", "jaeger_json", "zipkin_json"] as const;
export type KafkaEncoding = (typeof KAFKA_ENCODINGS)[number];

/** ExportTraceServiceRequest field 1 (`resource_spans`), length-delimited. */
const RESOURCE_SPANS_TAG = 0x0a;

function decodeExportRequest(value: Buffer, where: Location, sink: SpanSink): void {
  const r = new WireReader(value);
  const end = value.length;
  try {
    for (let index = 0; r.pos < end; ) {
      const tag = r.tag(end);
      if (tag !== RESOURCE_SPANS_TAG) {
        r.skip(tag & 7, end, 0, tag >>> 3);
        continue;
      }
      const stop = r.payloadEnd(end);
      const element = value.subarray(r.pos, stop);
      decodeResourceSpansFast(element, { ...where, offset: r.pos, path: `resourceSpans[${index++}]` }, sink);
      r.pos = stop;
    }
  } catch (error) {
    if (!(error instanceof ProtoMalformed)) throw error;
    sink.problem(
      problem("NF_PROTO_MALFORMED", `${error.message} at byte ${error.at}`, { ...where, offset: error.at }),
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function decodeJson(value: Buffer, encoding: KafkaEncoding, where: Location, sink: SpanSink): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(quoteNumericNanos(value.toString("utf8")));
  } catch (error) {
    sink.problem(problem("NF_JSON_MALFORMED", (error as Error).message, where));
    return;
  }
  // The exporter's jaeger_json record is a single span, not the {spans: [...]} chunk the decoder reads.
  if (encoding === "jaeger_json" && isObject(parsed) && !Array.isArray(parsed.spans))
    decodeJaegerTrace({ spans: [parsed] }, where, sink);
  else decodeJsonValue(parsed, where, sink);
}

/** Decodes one record value into `sink`; every problem found goes to the sink, nothing throws. */
export function decodeKafkaRecord(
  value: Buffer,
  encoding: KafkaEncoding,
  where: Location,
  sink: SpanSink,
): void {
  if (encoding === "otlp_proto") decodeExportRequest(value, where, sink);
  else decodeJson(value, encoding, where, sink);
}

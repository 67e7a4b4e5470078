/**
 * The reference OTLP protobuf decoder: protobufjs 8.8.1 over the official opentelemetry-proto files
 * (shipped in the npm package @elastic/mockotlpserver, Apache-2.0). It is the yardstick the fast
 * decoder (otlp-proto-fast.ts) is tested against, and what tests use to encode messages.
 * `AnyValue` is read through its `value` oneof: its members carry presence, so `false`, `0` and ""
 * are values, while reading the fields directly returns the prototype defaults for unset members.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";
import { type Location, type Problem, problem } from "../../errors.ts";
import type { Attributes, AttributeValue, Span, SpanLink } from "../../model/span.ts";
import type { SpanSink } from "../decoder.ts";
import { finishSpan, nanosHiLoToMicros } from "../normalise.ts";
import {
  idFromBytes,
  int64Value,
  isZeroBytes,
  kvlistText,
  setAttribute,
  statusOf,
} from "./otlp-proto-values.ts";

export interface OtlpTypes {
  ExportTraceServiceRequest: protobuf.Type;
  ResourceSpans: protobuf.Type;
}

let types: OtlpTypes | undefined;

/** Loads the .proto files once, on first use (a few milliseconds of synchronous reads). */
export function otlpTypes(): OtlpTypes {
  if (types) return types;
  const require = createRequire(import.meta.url);
  const protoRoot = dirname(require.resolve("@elastic/mockotlpserver/package.json"));
  const root = new protobuf.Root();
  // Imports inside the files are relative to the proto root, not to the importing file.
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto");
  // proto3 strings are verified UTF-8 by default (`stringVerify`); ours are decoded with U+FFFD for
  // invalid sequences, as protobufjs's Buffer reader does without verification: the reference
  // decodes the same way. protobufjs keeps the edition feature on each field.
  root.resolveAll();
  const lenient = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) {
        for (const field of nested.fieldsArray) {
          const features = (field as unknown as { _features?: Record<string, unknown> })._features;
          if (features) features.utf8_validation = "NONE";
        }
      }
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) lenient(nested);
    }
  };
  lenient(root);
  types = {
    ExportTraceServiceRequest: root.lookupType(
      "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest",
    ),
    ResourceSpans: root.lookupType("opentelemetry.proto.trace.v1.ResourceSpans"),
  };
  return types;
}

/** The decoded shapes we read (protobufjs message instances, with 64-bit values as `Long`). */
interface Long64 {
  high: number;
  low: number;
}
interface PbAnyValue {
  value?:
    | "stringValue"
    | "boolValue"
    | "intValue"
    | "doubleValue"
    | "arrayValue"
    | "kvlistValue"
    | "bytesValue";
  stringValue: string;
  boolValue: boolean;
  intValue: Long64 | number;
  doubleValue: number;
  arrayValue: { values: PbAnyValue[] } | null;
  kvlistValue: { values: PbKeyValue[] } | null;
  bytesValue: Uint8Array;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array;
  name: string;
  kind: number;
  startTimeUnixNano: Long64 | number;
  endTimeUnixNano: Long64 | number;
  attributes: PbKeyValue[];
  links: { traceId: Uint8Array; spanId: Uint8Array }[];
  status: { code: number } | null;
}
interface PbResourceSpans {
  resource: { attributes: PbKeyValue[] } | null;
  scopeSpans: { spans: PbSpan[] }[];
}

const halves = (v: Long64 | number): Long64 =>
  typeof v === "number" ? { high: Math.floor(v / 4_294_967_296), low: v >>> 0 } : v;

function anyValue(v: PbAnyValue | null): AttributeValue {
  switch (v?.value) {
    case "stringValue":
      return v.stringValue;
    case "boolValue":
      return v.boolValue;
    case "intValue": {
      const { high, low } = halves(v.intValue);
      return int64Value(high, low);
    }
    case "doubleValue":
      return v.doubleValue;
    case "arrayValue":
      return (v.arrayValue?.values ?? []).map(anyValue);
    case "kvlistValue":
      return kvlistText(keyValues(v.kvlistValue?.values ?? []));
    case "bytesValue":
      return Buffer.from(v.bytesValue).toString("base64");
    default:
      return null;
  }
}

function keyValues(list: PbKeyValue[]): Attributes {
  const out: Attributes = {};
  for (const kv of list) setAttribute(out, kv.key, anyValue(kv.value));
  return out;
}

const bytesOf = (b: Uint8Array | number[]): Uint8Array => (b instanceof Uint8Array ? b : Uint8Array.from(b));

function linksOf(links: PbSpan["links"]): SpanLink[] | undefined {
  const out: SpanLink[] = [];
  for (const link of links) {
    const t = bytesOf(link.traceId);
    const s = bytesOf(link.spanId);
    const traceId = idFromBytes(t, 0, t.length, 16, "link traceId");
    const spanId = idFromBytes(s, 0, s.length, 8, "link spanId");
    if ("id" in traceId && "id" in spanId) out.push({ traceId: traceId.id, spanId: spanId.id });
  }
  return out.length ? out : undefined;
}

function mapSpan(
  raw: PbSpan,
  resource: Attributes,
  where: Location,
  report: (p: Problem) => void,
): Span | undefined {
  const t = bytesOf(raw.traceId);
  const traceId = idFromBytes(t, 0, t.length, 16, "traceId");
  if ("code" in traceId) return void report(problem(traceId.code, traceId.detail, where));
  const s = bytesOf(raw.spanId);
  const spanId = idFromBytes(s, 0, s.length, 8, "spanId");
  if ("code" in spanId) return void report(problem(spanId.code, spanId.detail, where));
  const p = bytesOf(raw.parentSpanId);
  let parentSpanId: string | undefined;
  if (!isZeroBytes(p, 0, p.length)) {
    const parent = idFromBytes(p, 0, p.length, 8, "parentSpanId");
    if ("code" in parent) return void report(problem(parent.code, parent.detail, where));
    parentSpanId = parent.id;
  }
  const start = halves(raw.startTimeUnixNano);
  const end = halves(raw.endTimeUnixNano);
  return finishSpan(
    {
      traceId: traceId.id,
      spanId: spanId.id,
      parentSpanId,
      name: raw.name,
      rawKind: raw.kind,
      startUs: nanosHiLoToMicros(start.high, start.low),
      endUs: nanosHiLoToMicros(end.high, end.low),
      status: statusOf(raw.status?.code ?? 0),
      attributes: keyValues(raw.attributes),
      resource,
      links: linksOf(raw.links),
    },
    where,
    report,
  );
}

/**
 * Decodes one ResourceSpans message (the payload of a top-level `resource_spans` record) whose
 * payload starts at `where.offset`. A message protobufjs rejects is one NF_PROTO_MALFORMED problem.
 */
export function decodeResourceSpansReference(element: Buffer, where: Location, sink: SpanSink): void {
  let message: PbResourceSpans;
  try {
    message = otlpTypes().ResourceSpans.decode(element) as unknown as PbResourceSpans;
  } catch (error) {
    sink.problem(problem("NF_PROTO_MALFORMED", (error as Error).message, where));
    return;
  }
  const resource = keyValues(message.resource?.attributes ?? []);
  const report = (p: Problem) => sink.problem(p);
  for (let s = 0; s < message.scopeSpans.length; s++) {
    const spans = message.scopeSpans[s].spans;
    for (let i = 0; i < spans.length; i++) {
      const at = { ...where, path: `${where.path}.scopeSpans[${s}].spans[${i}]` };
      const span = mapSpan(spans[i], resource, at, report);
      if (span) sink.span(span);
    }
  }
}

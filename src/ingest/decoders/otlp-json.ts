/**
 * OTLP/JSON ResourceSpans → spans, per the OTLP specification's JSON mapping
 * (opentelemetry-proto, "JSON Protobuf Encoding"): ids are hex strings, times are Unix nanoseconds as
 * decimal strings, enums are numbers. Also accepts what real users paste: Tempo's `batches` with
 * base64 ids and string enums, and the deprecated `instrumentationLibrarySpans`.
 */
import type { ErrorCode, Location, Problem } from "../../errors.ts";
import { problem } from "../../errors.ts";
import type { Attributes, AttributeValue, Span, SpanLink, SpanStatus } from "../../model/span.ts";
import type { ElementDecoder, SpanSink } from "../decoder.ts";
import { JsonTooDeep, MAX_JSON_DEPTH } from "../depth.ts";
import { finishSpan, isNoParent, nanosStringToMicros, normaliseId, plainHexId } from "../normalise.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** OTLP AnyValue: exactly one of its fields is set. int64 arrives as a string. */
export function anyValue(v: unknown, depth = 0): AttributeValue {
  if (!isObject(v)) return null;
  if (depth > MAX_JSON_DEPTH) throw new JsonTooDeep();
  if ("stringValue" in v) return String(v.stringValue);
  if ("boolValue" in v) return v.boolValue === true || v.boolValue === "true";
  if ("intValue" in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("arrayValue" in v) {
    const values = isObject(v.arrayValue) && Array.isArray(v.arrayValue.values) ? v.arrayValue.values : [];
    return values.map((x) => anyValue(x, depth + 1));
  }
  if ("kvlistValue" in v) {
    const values = isObject(v.kvlistValue) ? v.kvlistValue.values : undefined;
    return JSON.stringify(keyValues(values, depth + 1));
  }
  if ("bytesValue" in v) return String(v.bytesValue);
  return null;
}

export function keyValues(list: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (isObject(kv) && typeof kv.key === "string") out[kv.key] = anyValue(kv.value, depth);
  }
  return out;
}

function statusOf(status: unknown): SpanStatus {
  const code = isObject(status) ? status.code : undefined;
  if (code === 2 || code === "STATUS_CODE_ERROR") return "error";
  if (code === 1 || code === "STATUS_CODE_OK") return "ok";
  return "unset";
}

function linksOf(links: unknown): SpanLink[] | undefined {
  if (!Array.isArray(links) || links.length === 0) return undefined;
  const out: SpanLink[] = [];
  for (const link of links) {
    if (!isObject(link)) continue;
    const traceId = normaliseId(link.traceId, 16, "link traceId");
    const spanId = normaliseId(link.spanId, 8, "link spanId");
    if ("id" in traceId && "id" in spanId) out.push({ traceId: traceId.id, spanId: spanId.id });
  }
  return out.length ? out : undefined;
}

type IdCheck = { id: string } | { code: ErrorCode; detail: string };

/** Lowercase hex of the right length is the norm; anything else goes the careful way. */
function idOf(raw: unknown, bytes: 8 | 16, what: string): IdCheck {
  const id = plainHexId(raw, bytes);
  return id === undefined ? normaliseId(raw, bytes, what) : { id };
}

function decodeSpan(
  raw: unknown,
  resource: Attributes,
  where: () => Location,
  sink: SpanSink,
  report: (p: Problem) => void,
): Span | undefined {
  if (!isObject(raw)) {
    sink.problem(problem("NF_SHAPE_INVALID", "span is not an object", where()));
    return undefined;
  }
  const traceId = idOf(raw.traceId, 16, "traceId");
  if ("code" in traceId) return void sink.problem(problem(traceId.code, traceId.detail, where()));
  const spanId = idOf(raw.spanId, 8, "spanId");
  if ("code" in spanId) return void sink.problem(problem(spanId.code, spanId.detail, where()));
  let parentSpanId: string | undefined;
  if (!isNoParent(raw.parentSpanId)) {
    const parent = idOf(raw.parentSpanId, 8, "parentSpanId");
    if ("code" in parent) return void sink.problem(problem(parent.code, parent.detail, where()));
    parentSpanId = parent.id;
  }
  return finishSpan(
    {
      traceId: traceId.id,
      spanId: spanId.id,
      parentSpanId,
      name: typeof raw.name === "string" ? raw.name : "",
      rawKind: raw.kind,
      startUs: nanosStringToMicros(raw.startTimeUnixNano),
      endUs: nanosStringToMicros(raw.endTimeUnixNano),
      status: statusOf(raw.status),
      attributes: keyValues(raw.attributes),
      resource,
      links: linksOf(raw.links),
    },
    where,
    report,
  );
}

/** One ResourceSpans element (of `resourceSpans` or Tempo's `batches`). */
export const decodeOtlpResourceSpans: ElementDecoder = (element, where, sink) => {
  const base = where.path ?? "";
  if (!isObject(element)) {
    sink.problem(problem("NF_SHAPE_INVALID", "resourceSpans element is not an object", where));
    return;
  }
  const resource = keyValues(isObject(element.resource) ? element.resource.attributes : undefined);
  const scopes = element.scopeSpans ?? element.instrumentationLibrarySpans;
  if (!Array.isArray(scopes)) {
    sink.problem(problem("NF_SHAPE_INVALID", "scopeSpans is not an array", { ...where, path: base }));
    return;
  }
  // One closure for the whole element, reading the loop's current indices when a problem needs them:
  // a closure per span would cost more than the span's decoding.
  let s = 0;
  let i = 0;
  const at = () => ({ ...where, path: `${base}.scopeSpans[${s}].spans[${i}]` });
  const report = (p: Problem) => sink.problem(p);
  for (s = 0; s < scopes.length; s++) {
    const spans = isObject(scopes[s]) ? (scopes[s] as Json).spans : undefined;
    if (!Array.isArray(spans)) continue;
    for (i = 0; i < spans.length; i++) {
      const span = decodeSpan(spans[i], resource, at, sink, report);
      if (span) sink.span(span);
    }
  }
};

/** Shape tests the router uses to tell document elements apart. */
export const looksLikeResourceSpans = (v: unknown): boolean =>
  isObject(v) && ("scopeSpans" in v || "instrumentationLibrarySpans" in v || "resource" in v);

export const looksLikeExportRequest = (v: unknown): v is Json =>
  isObject(v) && Array.isArray(v.resourceSpans);

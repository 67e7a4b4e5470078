/**
 * Jaeger JSON: one element is one trace `{traceID, spans, processes}` of the query service's
 * `{"data":[...]}` export (jaeger model/json/model.go: hex ids, times in µs, typed tags
 * `{key, type, value}`, `processID` into `processes`). Also read: the api_v2 protobuf-JSON span
 * (jaeger-idl model.proto through jsonpb: `traceId`/`spanId` in base64, inline `process`, RFC 3339
 * `startTime`, `duration` like "0.000123s", tags `{key, vType, vStr|vBool|vInt64|vFloat64|vBinary}`).
 */
import { type Location, problem } from "../../errors.ts";
import type { Attributes, AttributeValue, SpanLink, SpanStatus } from "../../model/span.ts";
import type { ElementDecoder } from "../decoder.ts";
import { finishSpan, isNoParent, normaliseHexId, normaliseId } from "../normalise.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
/** A field in the UI spelling (`spanID`) or the api_v2 one (`spanId`), with the name found. */
const field = (obj: Json, ui: string, v2: string): [unknown, string] =>
  obj[ui] !== undefined ? [obj[ui], ui] : [obj[v2], v2];

/**
 * The caller routes elements with this: a trace has a `spans` array and `processes`, a `traceID`, or
 * (an api_v2 chunk) spans with an `operationName`.
 */
export function looksLikeJaegerTrace(obj: unknown): boolean {
  if (!isObject(obj) || !Array.isArray(obj.spans)) return false;
  const first: unknown = obj.spans[0];
  return (
    isObject(obj.processes) ||
    typeof obj.traceID === "string" ||
    (isObject(first) && "operationName" in first)
  );
}

/** One tag to an attribute value. jsonpb omits default fields: no `vType` is STRING, no value is zero. */
function tagValue(kv: Json): AttributeValue {
  const type = String(kv.type ?? kv.vType ?? "string").toLowerCase();
  const raw = "value" in kv ? kv.value : (kv.vStr ?? kv.vBool ?? kv.vInt64 ?? kv.vFloat64 ?? kv.vBinary);
  if (type === "bool") return raw === true || raw === "true";
  if (type === "int64") {
    // jsonpb writes int64 as a string; beyond 2^53 it stays a string rather than lose digits.
    const n = Number(raw ?? 0);
    return Number.isSafeInteger(n) ? n : String(raw);
  }
  if (type === "float64") return Number(raw ?? 0);
  return raw === undefined || raw === null ? "" : String(raw);
}

function tagsToAttributes(tags: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(tags)) if (isObject(kv) && typeof kv.key === "string") out[kv.key] = tagValue(kv);
  return out;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i;
const DURATION = /^(-?)(\d+)(?:\.(\d{1,9}))?(s|ms|us|µs|ns)$/;
const DIGITS_PER_UNIT: Record<string, number> = { s: 6, ms: 3, us: 0, µs: 0, ns: -3 };

/** µs since the epoch from a number (UI JSON) or an RFC 3339 string (api_v2); NaN if neither. */
function startMicros(raw: unknown): number {
  if (typeof raw === "number") return Math.round(raw);
  const m = typeof raw === "string" ? RFC3339.exec(raw) : null;
  if (!m) return Number.NaN;
  return Date.parse(`${m[1]}${m[3]}`) * 1000 + Number((m[2] ?? "").padEnd(6, "0").slice(0, 6));
}

/** µs from a number (UI JSON) or a one-unit duration string (api_v2), decimal digits shifted exactly. */
function durationMicros(raw: unknown): number {
  if (typeof raw === "number") return Math.round(raw);
  const m = typeof raw === "string" ? DURATION.exec(raw) : null;
  if (!m) return Number.NaN;
  const [, sign, whole, frac = "", unit] = m;
  const shift = DIGITS_PER_UNIT[unit];
  const us =
    shift >= 0 ? Number(whole + frac.padEnd(shift, "0").slice(0, shift)) : Math.trunc(Number(whole) / 1000);
  return sign ? -us : us;
}

export const decodeJaegerTrace: ElementDecoder = (element, where, sink) => {
  const report = sink.problem.bind(sink);
  if (!isObject(element) || !Array.isArray(element.spans)) {
    report(problem("NF_SHAPE_INVALID", "a Jaeger trace must be an object with a spans array", where));
    return;
  }
  const processes = isObject(element.processes) ? element.processes : {};
  const resources = new Map<string, Attributes>();
  const resourceOf = (process: unknown): Attributes => {
    if (!isObject(process)) return {};
    const resource = tagsToAttributes(process.tags);
    if (typeof process.serviceName === "string" && process.serviceName)
      resource["service.name"] = process.serviceName;
    return resource;
  };

  element.spans.forEach((raw, i) => {
    const at: Location = { ...where, path: where.path ? `${where.path}.spans[${i}]` : `spans[${i}]` };
    if (!isObject(raw)) {
      report(problem("NF_SHAPE_INVALID", "a Jaeger span must be an object", at));
      return;
    }
    // Field names follow the input's spelling: the UI's `spanID` is hex only (an 11- or 22-digit hex
    // id must not pass as base64); api_v2's `spanId` is base64 (hex accepted too).
    const id = (value: unknown, bytes: 8 | 16, what: string): string | undefined => {
      const result = what.endsWith("ID")
        ? normaliseHexId(value, bytes, what)
        : normaliseId(value, bytes, what);
      if ("id" in result) return result.id;
      report(problem(result.code, result.detail, at));
    };
    const [rawTrace, traceField] = field(raw, "traceID", "traceId");
    const traceId = id(rawTrace ?? element.traceID, 16, traceField);
    const [rawSpan, spanField] = field(raw, "spanID", "spanId");
    const spanId = traceId && id(rawSpan, 8, spanField);
    if (!spanId) return;

    // Parent: the first CHILD_OF reference in this trace, else the first FOLLOWS_FROM; every other
    // reference is a link. jsonpb omits the default enum value, so no refType means CHILD_OF.
    const refs: { type: string; link: SpanLink }[] = [];
    for (const ref of list(raw.references)) {
      if (!isObject(ref)) continue;
      const [refRawSpan, refSpanField] = field(ref, "spanID", "spanId");
      if (isNoParent(refRawSpan)) continue;
      const [refRawTrace, refTraceField] = field(ref, "traceID", "traceId");
      const refSpan = id(refRawSpan, 8, `references.${refSpanField}`);
      const refTrace =
        refSpan && (refRawTrace === undefined ? traceId : id(refRawTrace, 16, `references.${refTraceField}`));
      if (!refSpan || !refTrace) return;
      refs.push({ type: String(ref.refType ?? "CHILD_OF"), link: { traceId: refTrace, spanId: refSpan } });
    }
    const inTrace = refs.filter((r) => r.link.traceId === traceId);
    const parentRef =
      inTrace.find((r) => r.type === "CHILD_OF") ?? inTrace.find((r) => r.type === "FOLLOWS_FROM");
    let parentSpanId = parentRef?.link.spanId;
    if (!parentRef && !isNoParent(raw.parentSpanID)) {
      parentSpanId = id(raw.parentSpanID, 8, "parentSpanID");
      if (!parentSpanId) return;
    }
    const links = refs.filter((r) => r !== parentRef).map((r) => r.link);

    const attributes = tagsToAttributes(raw.tags);
    // Jaeger has no kind field: the OpenTracing `span.kind` tag carries it.
    const rawKind = attributes["span.kind"];
    delete attributes["span.kind"];
    // `error=true` is OpenTracing's failure mark; `otel.status_code` is what OTLP→Jaeger writes.
    const statusCode = attributes["otel.status_code"];
    const status: SpanStatus =
      attributes.error === true || attributes.error === "true" || statusCode === "ERROR"
        ? "error"
        : statusCode === "OK"
          ? "ok"
          : "unset";

    // One resource object per process, shared by its spans (as OTLP shares one per ResourceSpans).
    let resource: Attributes;
    const pid = raw.processID ?? raw.processId;
    if (typeof pid === "string" && isObject(processes[pid])) {
      resource = resources.get(pid) ?? resourceOf(processes[pid]);
      resources.set(pid, resource);
    } else {
      resource = resourceOf(raw.process);
    }

    const startUs = startMicros(raw.startTime);
    // An absent duration is a 0-length span (jsonpb may omit it); an unreadable one is rejected.
    const durationUs = raw.duration === undefined ? 0 : durationMicros(raw.duration);
    if (Number.isNaN(startUs) || Number.isNaN(durationUs)) {
      const what = Number.isNaN(startUs)
        ? "startTime is absent or not µs / RFC 3339"
        : "duration is not µs or like 0.000123s";
      report(problem("NF_SPAN_BAD_TIMESTAMP", what, at));
      return;
    }
    const span = finishSpan(
      {
        traceId,
        spanId,
        ...(parentSpanId && { parentSpanId }),
        name: typeof raw.operationName === "string" ? raw.operationName : "",
        rawKind,
        startUs,
        endUs: startUs + durationUs,
        status,
        attributes,
        resource,
        ...(links.length > 0 && { links }),
      },
      at,
      report,
    );
    if (span) sink.span(span);
  });
};

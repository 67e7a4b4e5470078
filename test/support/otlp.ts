/** Builds OTLP/JSON ExportTraceServiceRequests for tests, in the shape the Collector writes. */
export interface OtlpSpanInput {
  traceId?: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  kind?: number | string;
  startMs?: number;
  endMs?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: Record<string, string | number | boolean>;
  service?: string | null;
}

export const TRACE_ID = "5b8efff798038103d269b633813fc60c";
/** 2024-01-01T00:00:00Z in nanoseconds, as a string. */
const BASE_NS = 1_704_067_200_000_000_000n;

const anyValue = (v: string | number | boolean) =>
  typeof v === "string"
    ? { stringValue: v }
    : typeof v === "boolean"
      ? { boolValue: v }
      : { intValue: String(v) };

export function otlpSpan(s: OtlpSpanInput) {
  return {
    traceId: s.traceId ?? TRACE_ID,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId ?? "",
    name: s.name ?? "op",
    kind: s.kind ?? 1,
    startTimeUnixNano: s.startTimeUnixNano ?? String(BASE_NS + BigInt(Math.round((s.startMs ?? 0) * 1e6))),
    endTimeUnixNano: s.endTimeUnixNano ?? String(BASE_NS + BigInt(Math.round((s.endMs ?? 1) * 1e6))),
    attributes: Object.entries(s.attributes ?? {}).map(([key, value]) => ({ key, value: anyValue(value) })),
    status: {},
  };
}

/** One request; spans are grouped into one ResourceSpans per service, in order of first appearance. */
export function otlpRequest(spans: OtlpSpanInput[]) {
  const byService = new Map<string | null, OtlpSpanInput[]>();
  for (const s of spans) {
    const service = s.service === undefined ? "svc" : s.service;
    byService.set(service, [...(byService.get(service) ?? []), s]);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: {
        attributes: service === null ? [] : [{ key: "service.name", value: { stringValue: service } }],
      },
      scopeSpans: [{ scope: { name: "test" }, spans: list.map(otlpSpan) }],
    })),
  };
}

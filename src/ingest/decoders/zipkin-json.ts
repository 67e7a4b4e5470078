/**
 * Zipkin v2 JSON: one element is one span record of a `ListOfSpans` (openzipkin/zipkin-api,
 * zipkin2-api.yaml, definition `Span`). Ids are hex only (16 or 32 for the trace, 16 for spans),
 * `timestamp` and `duration` are epoch microseconds, tags are string to string.
 *
 * Zipkin's client and server halves of one RPC share one span id (the server half says
 * `shared: true`). This decoder does NOT resolve that: it emits both records as separate spans with
 * the same spanId, because only the assembly stage sees both halves; it re-ids the CLIENT half and
 * hangs the SERVER half under it. Records that are pieces of one span (fragments) are merged before
 * they reach this decoder (zipkin-merge.ts); a record without timestamp that reaches it alone is a
 * fragment with nothing to merge into.
 */
import { problem } from "../../errors.ts";
import type { Attributes } from "../../model/span.ts";
import type { ElementDecoder } from "../decoder.ts";
import { finishSpan, isNoParent, normaliseHexId } from "../normalise.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The caller routes elements with this: a span record has string `traceId` and `id`, no `spans`. */
export function looksLikeZipkinSpan(obj: unknown): boolean {
  return isObject(obj) && typeof obj.traceId === "string" && typeof obj.id === "string" && !("spans" in obj);
}

export const decodeZipkinSpan: ElementDecoder = (element, where, sink) => {
  const report = sink.problem.bind(sink);
  if (!isObject(element)) {
    report(problem("NF_SHAPE_INVALID", "a Zipkin span must be an object", where));
    return;
  }
  const id = (raw: unknown, bytes: 8 | 16, what: string): string | undefined => {
    const result = normaliseHexId(raw, bytes, what);
    if ("id" in result) return result.id;
    report(problem(result.code, result.detail, where));
  };
  const traceId = id(element.traceId, 16, "traceId");
  const spanId = traceId && id(element.id, 8, "id");
  if (!spanId) return;
  // zipkin2.Span.Builder.build() drops a parentId equal to the span's own id ("circular dependency").
  const root = isNoParent(element.parentId) || element.parentId === element.id;
  const parentSpanId = root ? undefined : id(element.parentId, 8, "parentId");
  if (!root && !parentSpanId) return;
  // The spec allows an absent timestamp (late data, e.g. tags sent after the fact): zipkin-merge.ts
  // merges such a record into its span; one that arrives here had none, and cannot be placed in time.
  if (element.timestamp === undefined || element.timestamp === null) {
    report(problem("NF_SPAN_FRAGMENT", undefined, where));
    return;
  }
  if (typeof element.timestamp !== "number") {
    report(problem("NF_SPAN_BAD_TIMESTAMP", "timestamp is not a number", where));
    return;
  }
  const startUs = Math.round(element.timestamp);
  // An absent duration means the span's end was not recorded: kept as a 0-length span.
  const endUs = startUs + (typeof element.duration === "number" ? Math.round(element.duration) : 0);

  const attributes: Attributes = {};
  const tags = isObject(element.tags) ? element.tags : {};
  for (const [key, value] of Object.entries(tags)) {
    attributes[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  const kind = typeof element.kind === "string" ? element.kind.toUpperCase() : element.kind;
  const remote = isObject(element.remoteEndpoint) ? element.remoteEndpoint : {};
  if (typeof remote.serviceName === "string" && remote.serviceName)
    attributes["peer.service"] = remote.serviceName;
  // remoteEndpoint is the server for CLIENT/PRODUCER but the caller for SERVER/CONSUMER (spec, `kind`).
  const side = kind === "SERVER" || kind === "CONSUMER" ? "client" : "server";
  const address = remote.ipv4 ?? remote.ipv6;
  if (typeof address === "string" && address) attributes[`${side}.address`] = address;
  if (typeof remote.port === "number") attributes[`${side}.port`] = remote.port;
  // As zipkin2.Span.Builder.build(): `shared` belongs to the server half; ignored on a CLIENT.
  if (element.shared === true && kind !== "CLIENT") attributes["zipkin.shared"] = true;

  const local = isObject(element.localEndpoint) ? element.localEndpoint : {};
  const resource: Attributes = {};
  if (typeof local.serviceName === "string" && local.serviceName)
    resource["service.name"] = local.serviceName;

  const span = finishSpan(
    {
      traceId,
      spanId,
      ...(parentSpanId && { parentSpanId }),
      name: typeof element.name === "string" ? element.name : "",
      rawKind: kind,
      startUs,
      endUs,
      // Zipkin marks a failed span with an `error` tag, whatever its value (even empty).
      status: "error" in tags ? "error" : "unset",
      attributes,
      resource,
    },
    where,
    report,
  );
  if (span) sink.span(span);
};

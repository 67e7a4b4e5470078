/**
 * Routes parsed JSON to the decoder of its format. Real users paste API responses, so besides the
 * plain formats we accept the envelopes they come in: OTLP `{resourceSpans}`, Tempo `{batches}`,
 * Jaeger v3 `{result: {resourceSpans}}`, Jaeger UI `{data: [trace...]}`, Zipkin `[span...]`.
 */
import { type Location, problem } from "../errors.ts";
import type { SpanSink } from "./decoder.ts";
import { decodeJaegerTrace, looksLikeJaegerTrace } from "./decoders/jaeger-json.ts";
import { decodeOtlpResourceSpans, looksLikeResourceSpans } from "./decoders/otlp-json.ts";
import { decodeZipkinSpan, looksLikeZipkinSpan } from "./decoders/zipkin-json.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The paths of document elements, as stream-json names them (dot-separated, indices as numbers). */
export const ELEMENT_PATH = /^(?:(?:resourceSpans|batches|data|result\.resourceSpans)\.)?\d+$/;

/** One element of any envelope, told apart by its shape. */
export function decodeElement(element: unknown, where: Location, sink: SpanSink): void {
  if (looksLikeResourceSpans(element)) decodeOtlpResourceSpans(element, where, sink);
  else if (looksLikeJaegerTrace(element)) decodeJaegerTrace(element, where, sink);
  else if (looksLikeZipkinSpan(element)) decodeZipkinSpan(element, where, sink);
  else
    sink.problem(
      problem("NF_FORMAT_UNKNOWN", "element is not an OTLP, Jaeger or Zipkin span container", where),
    );
}

function eachElement(list: unknown[], name: string, where: Location, sink: SpanSink): void {
  const base = where.path ? `${where.path}.` : "";
  for (let i = 0; i < list.length; i++)
    decodeElement(list[i], { ...where, path: `${base}${name}[${i}]` }, sink);
}

/** A whole parsed JSON value: one line of a JSON-lines file, or a small document. */
export function decodeJsonValue(value: unknown, where: Location, sink: SpanSink): void {
  if (Array.isArray(value)) eachElement(value, "", where, sink);
  else if (!isObject(value)) {
    sink.problem(problem("NF_FORMAT_UNKNOWN", "JSON value is not an object or array", where));
  } else if (Array.isArray(value.resourceSpans))
    eachElement(value.resourceSpans, "resourceSpans", where, sink);
  else if (Array.isArray(value.batches)) eachElement(value.batches, "batches", where, sink);
  else if (isObject(value.result) && Array.isArray(value.result.resourceSpans)) {
    eachElement(value.result.resourceSpans, "result.resourceSpans", where, sink);
  } else if (Array.isArray(value.data)) eachElement(value.data, "data", where, sink);
  else decodeElement(value, where, sink);
}

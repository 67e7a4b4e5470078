/**
 * Routes parsed JSON to the decoder of its format. Real users paste API responses, so besides the
 * plain formats we accept the envelopes they come in: OTLP `{resourceSpans}`, Tempo `{batches}` and
 * its v2 `{trace: {resourceSpans|batches}}`, Jaeger v3 `{result: {resourceSpans}}`, Jaeger UI
 * `{data: [trace...]}`, a bare Jaeger trace `{traceID, spans, processes}` or an array of them, Zipkin
 * `[span...]`.
 *
 * One table, `ENVELOPE_ARRAYS`, says where the elements are; the one-line path (JSON.parse, then
 * `decodeJsonValue`) and the streaming path (json-document.ts, which streams the elements of those
 * arrays and hands the rest of the document to `decodeJsonValue`) both read it, so the same JSON
 * decodes the same way whatever its whitespace.
 */
import { type Location, problem } from "../errors.ts";
import type { SpanSink } from "./decoder.ts";
import { decodeJaegerTrace, looksLikeJaegerTrace } from "./decoders/jaeger-json.ts";
import { decodeOtlpResourceSpans, looksLikeResourceSpans } from "./decoders/otlp-json.ts";
import { looksLikeZipkinSpan } from "./decoders/zipkin-json.ts";
import { ZipkinMerger } from "./decoders/zipkin-merge.ts";
import { guardDepth } from "./depth.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The dotted paths of the arrays whose elements are trace data (ResourceSpans, Jaeger traces or
 * Zipkin spans); "" is a top-level array. Every array found at one of these paths is read.
 */
export const ENVELOPE_ARRAYS: readonly string[] = [
  "",
  "resourceSpans",
  "batches",
  "result.resourceSpans",
  "data",
  "trace.resourceSpans",
  "trace.batches",
];
const ENVELOPE_SET = new Set(ENVELOPE_ARRAYS);

/** Whether the array at this path (as a list of keys) holds trace elements. */
export const isEnvelopeArray = (path: readonly (string | number)[]): boolean =>
  path.every((p) => typeof p === "string") && ENVELOPE_SET.has(path.join("."));

const describe = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "an array" : `a ${typeof v}`);

/** Names what was found, for NF_FORMAT_UNKNOWN: the first keys of an object, or the JSON type. */
function found(value: unknown): string {
  if (!isObject(value)) return `${describe(value)}, not an object`;
  const keys = Object.keys(value);
  if (keys.length === 0) return "an empty object";
  const shown = keys.slice(0, 8).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  return `an object with keys ${shown.join(", ")}${keys.length > 8 ? ` and ${keys.length - 8} more` : ""}`;
}

/**
 * Decodes the elements of one document (or of one JSON-lines file): Zipkin records are held until
 * `end()` so that the fragments of one span, wherever they are in the input, are merged into it.
 */
export class ElementRouter {
  private zipkin: ZipkinMerger | undefined;

  constructor(private readonly sink: SpanSink) {}

  /** One element of any envelope, told apart by its shape. */
  element(element: unknown, where: Location): void {
    const { sink } = this;
    if (looksLikeResourceSpans(element))
      guardDepth(() => decodeOtlpResourceSpans(element, where, sink), where, sink);
    else if (looksLikeJaegerTrace(element))
      guardDepth(() => decodeJaegerTrace(element, where, sink), where, sink);
    else if (looksLikeZipkinSpan(element)) {
      this.zipkin ??= new ZipkinMerger(this.sink);
      this.zipkin.add(element as Json, where);
    } else
      this.sink.problem(
        problem("NF_FORMAT_UNKNOWN", `no OTLP, Jaeger or Zipkin trace data: found ${found(element)}`, where),
      );
  }

  /** A whole parsed JSON value: its envelope arrays' elements, or the value itself as one element. */
  value(value: unknown, where: Location): void {
    if (Array.isArray(value)) {
      this.each(value, "", where);
      return;
    }
    if (!isObject(value)) {
      this.element(value, where);
      return;
    }
    let envelope = false;
    for (const path of ENVELOPE_ARRAYS) {
      if (path === "") continue;
      let at: unknown = value;
      for (const key of path.split(".")) at = isObject(at) ? at[key] : undefined;
      if (Array.isArray(at)) {
        envelope = true;
        this.each(at, path, where);
      }
    }
    if (!envelope) this.element(value, where);
  }

  /** Decodes what is held (the Zipkin records): call once the document or file has been read. */
  end(): void {
    this.zipkin?.flush();
  }

  private each(list: unknown[], name: string, where: Location): void {
    const base = where.path ? `${where.path}.` : "";
    for (let i = 0; i < list.length; i++) this.element(list[i], { ...where, path: `${base}${name}[${i}]` });
  }
}

/** One element of any envelope, decoded at once. */
export function decodeElement(element: unknown, where: Location, sink: SpanSink): void {
  const router = new ElementRouter(sink);
  router.element(element, where);
  router.end();
}

/** A whole parsed JSON value: one line of a JSON-lines file, a Kafka record, a small document. */
export function decodeJsonValue(value: unknown, where: Location, sink: SpanSink): void {
  const router = new ElementRouter(sink);
  router.value(value, where);
  router.end();
}

import type { Location, Problem } from "../errors.ts";
import type { Span } from "../model/span.ts";

/** Where decoders put what they read: spans that passed validation, and every problem found. */
export interface SpanSink {
  span(span: Span): void;
  problem(problem: Problem): void;
}

/**
 * Maps one element of a trace document (an OTLP ResourceSpans, a Jaeger trace, a Zipkin span) to
 * spans. `where` locates the element (file, line or byte offset, path inside the document).
 */
export type ElementDecoder = (element: unknown, where: Location, sink: SpanSink) => void;

/**
 * One OTLP/HTTP request body (already decompressed) into spans, with the ingest decoders the files
 * use: protobuf through the streaming decoder on a one-chunk stream, JSON through the document router.
 * Problems are counted, never thrown: a span the decoders reject is a rejected span of a partial success.
 */
import { Readable } from "node:stream";
import { formatLocation, type Problem, problem, severityOf } from "../errors.ts";
import type { SpanSink } from "../ingest/decoder.ts";
import { decodeOtlpProtoStream } from "../ingest/decoders/otlp-proto.ts";
import { quoteNumericNanos } from "../ingest/nanos-json.ts";
import { decodeJsonValue } from "../ingest/route.ts";
import type { Span } from "../model/span.ts";
import type { Encoding } from "./otlp-messages.ts";

export interface DecodedExport {
  spans: Span[];
  /** Problems that dropped input (spans, or a part of the message that could not be read). */
  rejected: number;
  /** The first few of them, for the answer's error message. */
  problems: Problem[];
}

const KEPT_PROBLEMS = 5;
const WHERE = { file: "request" };

function collector(): SpanSink & DecodedExport {
  const out: SpanSink & DecodedExport = {
    spans: [],
    rejected: 0,
    problems: [],
    span: (span) => out.spans.push(span),
    problem(p) {
      if (severityOf(p.code) !== "reject") return;
      out.rejected++;
      if (out.problems.length < KEPT_PROBLEMS) out.problems.push(p);
    },
  };
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function decodeJson(body: Buffer, sink: SpanSink): void {
  let value: unknown;
  try {
    value = JSON.parse(quoteNumericNanos(body.toString("utf8")));
  } catch (error) {
    sink.problem(problem("NF_JSON_MALFORMED", (error as Error).message.replace(/"[^"]*"/g, "…"), WHERE));
    return;
  }
  const shape = (detail: string) => sink.problem(problem("NF_SHAPE_INVALID", detail, WHERE));
  if (!isObject(value)) shape("expected an ExportTraceServiceRequest object");
  // Receivers ignore fields they do not know (OTLP/JSON), so `{}` is an empty request.
  else if (value.resourceSpans === undefined) return;
  else if (!Array.isArray(value.resourceSpans)) shape("resourceSpans must be a list");
  else decodeJsonValue({ resourceSpans: value.resourceSpans }, WHERE, sink);
}

export async function decodeExport(body: Buffer, encoding: Encoding): Promise<DecodedExport> {
  const sink = collector();
  if (encoding === "json") decodeJson(body, sink);
  else await decodeOtlpProtoStream(Readable.from([body]), WHERE.file, sink, { framed: false });
  return sink;
}

/** The problems of a request in one line, each with where it was found. */
export function describeProblems(decoded: DecodedExport): string {
  const shown = decoded.problems.map((p) => `${formatLocation(p.where)}: ${p.message}`);
  const more = decoded.rejected - decoded.problems.length;
  return more > 0 ? `${shown.join("; ")}; and ${more} more` : shown.join("; ");
}

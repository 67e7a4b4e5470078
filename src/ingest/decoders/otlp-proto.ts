/**
 * OTLP protobuf trace files, streamed: one `ExportTraceServiceRequest`
 * (opentelemetry-proto collector/trace/v1/trace_service.proto), or the sequence the Collector's file
 * exporter writes with `format: proto`, each message prefixed by its length as a 4-byte big-endian
 * uint32 (opentelemetry-collector-contrib exporter/fileexporter/file_writer.go,
 * `exportMessageAsBuffer`). A request is `repeated ResourceSpans resource_spans = 1`, so it is split
 * at the top level and each ResourceSpans is decoded on its own: memory is bounded by the largest
 * ResourceSpans, not by the file. Byte offsets are in the decompressed stream.
 *
 * After a malformed ResourceSpans the next one is read (its length prefix said where it ends); a
 * broken top-level header ends a single message, and in a framed file skips to the next frame.
 */
import type { Readable } from "node:stream";
import { type Location, problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { decodeResourceSpansFast } from "./otlp-proto-fast.ts";
import { ByteSource } from "./otlp-proto-source.ts";
import { FIXED32, FIXED64, LEN, ProtoMalformed, VARINT, WireReader } from "./otlp-proto-wire.ts";

export interface OtlpProtoOptions {
  /** true: the file exporter's length-prefixed frames; false: one message; unset: sniffed. */
  framed?: boolean;
  /** Largest ResourceSpans decoded; a larger one is reported and skipped. */
  maxElementBytes?: number;
  /** Largest frame believed; a larger length means the frame headers are lost and reading stops. */
  maxFrameBytes?: number;
  /** "fast" (hand-rolled) or "reference" (protobufjs, several times slower). */
  decoder?: "fast" | "reference";
}

export const OTLP_PROTO_DEFAULTS = {
  // 64 MiB: 16× gRPC's default message limit, so a real batch passes; a 250 MB message of empty
  // fields (issue 17.1) is skipped without being held.
  maxElementBytes: 64 * 1024 * 1024,
  maxFrameBytes: 1024 * 1024 * 1024,
  decoder: "fast",
} as const satisfies OtlpProtoOptions;

/** Enough for any top-level tag (5 bytes) and length (5) or varint value (10). */
const HEADER_BYTES = 15;
const RESOURCE_SPANS_TAG = 0x0a;

interface Run {
  src: ByteSource;
  file: string;
  sink: SpanSink;
  decode: (element: Buffer, where: Location, sink: SpanSink) => void;
  maxElementBytes: number;
  maxFrameBytes: number;
}

function malformed(run: Run, detail: string, offset: number, path?: string): false {
  run.sink.problem(
    problem(
      "NF_PROTO_MALFORMED",
      detail,
      path ? { file: run.file, offset, path } : { file: run.file, offset },
    ),
  );
  return false;
}

/** Byte length of a top-level record's payload after its header, or a thrown ProtoMalformed. */
function readHeader(header: WireReader): { tag: number; length: number } {
  const end = header.buf.length;
  const tag = header.tag(end);
  if (tag >>> 3 === 0) throw new ProtoMalformed("illegal field number 0", 0);
  switch (tag & 7) {
    case VARINT:
      header.uint32(end);
      return { tag, length: 0 };
    case FIXED64:
      return { tag, length: 8 };
    case FIXED32:
      return { tag, length: 4 };
    case LEN:
      return { tag, length: header.size(end) };
    default: // groups are long deprecated and never part of an OTLP request
      throw new ProtoMalformed(`wire type ${tag & 7} at the top level`, 0);
  }
}

/**
 * Reads the records of one ExportTraceServiceRequest up to `end` (Infinity: the end of the stream).
 * Returns false once it has reported a record it cannot get past.
 */
async function readRequest(run: Run, end: number, prefix: string): Promise<boolean> {
  const { src } = run;
  const within = prefix ? prefix.slice(0, -1) : undefined;
  for (let index = 0; src.offset < end; ) {
    const at = src.offset;
    const window = Math.min(HEADER_BYTES, end - at);
    if (src.available < window) await src.fill(window);
    if (src.available === 0) {
      return (
        end === Infinity ||
        malformed(run, `stream ends ${end - at} bytes before the end of the frame`, at, within)
      );
    }
    const header = new WireReader(src.peek(window));
    let record: { tag: number; length: number };
    try {
      record = readHeader(header);
    } catch (error) {
      if (!(error instanceof ProtoMalformed)) throw error;
      return malformed(run, `${error.message} in a top-level record header`, at + error.at, within);
    }
    src.consume(header.pos);
    const payloadAt = src.offset;
    const { tag, length } = record;
    if (payloadAt + length > end) {
      return malformed(
        run,
        `record of ${length} bytes at byte ${at} runs past the end of its frame`,
        at,
        within,
      );
    }
    if (tag !== RESOURCE_SPANS_TAG) {
      if (!(await src.skip(length)))
        return malformed(run, `stream ends inside the record at byte ${at}`, at, within);
      continue;
    }
    const path = `${prefix}resourceSpans[${index++}]`;
    if (length > run.maxElementBytes) {
      run.sink.problem(
        problem(
          "NF_ELEMENT_TOO_LARGE",
          `${length} bytes, more than maxElementBytes (${run.maxElementBytes})`,
          {
            file: run.file,
            offset: payloadAt,
            path,
          },
        ),
      );
      if (!(await src.skip(length))) return false;
      continue;
    }
    if (!(await src.fill(length))) {
      return malformed(
        run,
        `truncated: ${length} bytes declared, the stream ends after ${src.available}`,
        payloadAt,
        path,
      );
    }
    run.decode(src.take(length), { file: run.file, offset: payloadAt, path }, run.sink);
  }
  return true;
}

/** The file exporter's frames; one report per broken frame, then on to the next one. */
async function readFrames(run: Run): Promise<void> {
  const { src } = run;
  for (let m = 0; ; m++) {
    const at = src.offset;
    if (!(await src.fill(4))) {
      if (src.available > 0) malformed(run, `${src.available} bytes at the end are not a frame header`, at);
      return;
    }
    const length = src.take(4).readUInt32BE(0);
    if (length > run.maxFrameBytes) {
      malformed(
        run,
        `frame length ${length} exceeds maxFrameBytes (${run.maxFrameBytes}): frames lost, rest skipped`,
        at,
      );
      return;
    }
    // The collector writes resource_spans first; anything else means we are not at a frame start.
    if (length > 0 && (await src.fill(1)) && src.peek(1)[0] !== RESOURCE_SPANS_TAG) {
      malformed(run, `frame at byte ${at} does not start with resource_spans: frames lost, rest skipped`, at);
      return;
    }
    const end = src.offset + length;
    if (!(await readRequest(run, end, `messages[${m}].`)) && !(await src.skip(end - src.offset))) return;
  }
}

/**
 * Decodes an OTLP protobuf trace stream (already decompressed) into `sink`. Read errors of the
 * stream itself are not caught: the caller knows whether they are I/O or gzip errors.
 */
export async function decodeOtlpProtoStream(
  stream: Readable,
  file: string,
  sink: SpanSink,
  options: OtlpProtoOptions = {},
): Promise<void> {
  const settings = { ...OTLP_PROTO_DEFAULTS, ...options };
  const decode =
    settings.decoder === "reference"
      ? (await import("./otlp-proto-reference.ts")).decodeResourceSpansReference
      : decodeResourceSpansFast;
  const src = new ByteSource(stream[Symbol.asyncIterator]());
  const run: Run = { src, file, sink, decode, ...settings };
  let framed = options.framed;
  if (framed === undefined) {
    await src.fill(64);
    framed = looksLikeOtlpProto(src.peek(64)) === "framed";
  }
  if (framed) await readFrames(run);
  else await readRequest(run, Number.POSITIVE_INFINITY, "");
}

/** Whether a ResourceSpans record plausibly starts at `at`: tag 0x0A, a length, then a known field. */
function resourceSpansAt(bytes: Buffer, at: number, limit: number): boolean {
  if (bytes[at] !== RESOURCE_SPANS_TAG) return false;
  const r = new WireReader(bytes);
  r.pos = at + 1;
  let length: number;
  try {
    length = r.size(Math.min(bytes.length, limit));
  } catch {
    return false;
  }
  if (r.pos + length > limit) return false;
  // resource (1), scope_spans (2) or schema_url (3), all length-delimited.
  return length === 0 || r.pos >= bytes.length || [0x0a, 0x12, 0x1a].includes(bytes[r.pos]);
}

/**
 * Tells an OTLP protobuf stream from its first bytes: "single" when it starts with a ResourceSpans
 * record (field 1, length-delimited: 0x0A), "framed" when a 4-byte length is followed by one.
 */
export function looksLikeOtlpProto(firstBytes: Buffer): "single" | "framed" | undefined {
  if (resourceSpansAt(firstBytes, 0, Number.POSITIVE_INFINITY)) return "single";
  if (firstBytes.length >= 5) {
    const length = firstBytes.readUInt32BE(0);
    if (length > 0 && resourceSpansAt(firstBytes, 4, 4 + length)) return "framed";
  }
  return undefined;
}

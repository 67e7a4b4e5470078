/**
 * Reads one recorded trace file of any supported format, streamed: gzip is detected by its magic
 * bytes, the format by the first bytes of content (JSON lines, a JSON document, OTLP protobuf as one
 * message or as the Collector file exporter's length-prefixed frames). Every problem is reported to
 * the sink with the file and where in it; what can still be read is read.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { decodeOtlpProtoStream, looksLikeOtlpProto } from "../decoders/otlp-proto.ts";
import { notRegularFile } from "./file-kind.ts";
import { decodeJsonDocument } from "./json-document.ts";
import { decodeJsonLines } from "./json-lines.ts";

export type FileFormat =
  | "json-lines"
  | "json-document"
  | "otlp-proto"
  | "otlp-proto-framed"
  | "unknown"
  | "empty";

export interface FileReadOptions {
  /** Longest JSON line read; longer ones are reported and skipped. */
  maxLineBytes?: number;
  /** Called with the number of raw (possibly compressed) bytes read so far. */
  onBytes?: (bytes: number) => void;
}

export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;
const SNIFF_BYTES = 1024 * 1024;

async function readHead(file: string): Promise<Buffer> {
  const handle = await open(file, "r");
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Pulls chunks until the sniff window holds a newline or enough bytes, then replays them first. */
async function sniff(
  source: AsyncIterator<Buffer>,
): Promise<{ head: Buffer; complete: boolean; rest: AsyncIterable<Buffer> }> {
  const seen: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < SNIFF_BYTES) {
    const next = await source.next();
    if (next.done) {
      done = true;
      break;
    }
    seen.push(next.value);
    size += next.value.length;
    if (next.value.includes(10) && size > 64 * 1024) break;
  }
  const head = Buffer.concat(seen);
  const rest = (async function* () {
    yield* seen;
    if (done) return;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  })();
  return { head, complete: done, rest };
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * JSON lines when the first non-blank line is a JSON value by itself, or when it is not but the next
 * non-blank line is an object or array by itself and the first is not a lone `{` or `[` (a first
 * line that was cut short, then good lines); also when no line ends within the sniff window:
 * JSON.parse of one long line is far faster than streaming it, and a line beyond --max-line-bytes is
 * reported, not held. A pretty-printed document (its first line alone is no JSON value, and it opens
 * with a bracket or a key that the next line continues) is streamed element by element. Whichever
 * path reads it, route.ts recognises the envelope the same way.
 */
export function classifyJson(head: string, complete: boolean): "json-lines" | "json-document" {
  const lines: string[] = [];
  let from = 0;
  // The window's last line may be cut by the window, not by the file: only whole lines count.
  for (let nl = head.indexOf("\n"); nl !== -1 && lines.length < 2; nl = head.indexOf("\n", from)) {
    const line = head.slice(from, nl).trim();
    if (line !== "") lines.push(line);
    from = nl + 1;
  }
  if (lines.length < 2 && from < head.length && (complete || lines.length === 0)) {
    const last = head.slice(from).trim();
    if (last !== "") lines.push(last);
  }
  if (lines.length === 0) return "json-lines";
  if (lines.length === 1) return complete && !parsesAsJson(lines[0]) ? "json-document" : "json-lines";
  if (parsesAsJson(lines[0])) return "json-lines";
  const opener = lines[0] === "{" || lines[0] === "[";
  return !opener && /^[[{]/.test(lines[1]) && parsesAsJson(lines[1]) ? "json-lines" : "json-document";
}

/** Text has no control bytes but tab, CR and LF; protobuf has them within its first bytes (lengths, ids). */
function looksLikeText(head: Buffer): boolean {
  const end = Math.min(head.length, 4096);
  for (let i = 0; i < end; i++) {
    const b = head[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

export function classify(head: Buffer, complete = true): FileFormat {
  if (head.length === 0) return "empty";
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09))
    i++;
  const jsonStart = head[i] === 0x7b || head[i] === 0x5b;
  // A ResourceSpans record starts with 0x0A, which is also a newline: text decides.
  if (jsonStart && looksLikeText(head)) return classifyJson(head.subarray(i).toString("utf8"), complete);
  const proto = looksLikeOtlpProto(head);
  if (proto === "single") return "otlp-proto";
  if (proto === "framed") return "otlp-proto-framed";
  if (jsonStart) return classifyJson(head.subarray(i).toString("utf8"), complete);
  return i === head.length ? "empty" : "unknown";
}

export async function readTraceFile(
  file: string,
  sink: SpanSink,
  options: FileReadOptions = {},
): Promise<FileFormat> {
  const notRegular = await notRegularFile(file);
  if (notRegular) {
    sink.problem(problem("NF_FILE_NOT_REGULAR", notRegular, { file }));
    return "unknown";
  }
  let magic: Buffer;
  try {
    magic = await readHead(file);
  } catch (error) {
    sink.problem(
      problem("NF_FILE_UNREADABLE", (error as NodeJS.ErrnoException).code ?? String(error), { file }),
    );
    return "unknown";
  }
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let rawBytes = 0;
  const { onBytes } = options;
  if (onBytes) {
    raw.on("data", (chunk) => {
      rawBytes += chunk.length;
      onBytes(rawBytes);
    });
  }
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  const content: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  if (gzip) raw.on("error", (error) => content.destroy(error));

  let offset = 0;
  const counted = (async function* () {
    for await (const chunk of content) {
      offset += chunk.length;
      yield chunk as Buffer;
    }
  })();
  let format: FileFormat = "unknown";
  try {
    const { head, complete, rest } = await sniff(counted[Symbol.asyncIterator]());
    format = classify(head, complete);
    if (format === "empty") sink.problem(problem("NF_FILE_EMPTY", undefined, { file }));
    else if (format === "unknown") {
      sink.problem(problem("NF_FORMAT_UNKNOWN", "not JSON, OTLP protobuf or gzip", { file, offset: 0 }));
    } else if (format === "json-lines") {
      await decodeJsonLines(rest, file, sink, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    } else if (format === "json-document") {
      const reread = () => {
        const again = createReadStream(file, { highWaterMark: 1 << 20 });
        return gzip ? again.pipe(createGunzip()) : again;
      };
      await decodeJsonDocument(rest, file, sink, reread);
    } else
      await decodeOtlpProtoStream(Readable.from(rest), file, sink, {
        framed: format === "otlp-proto-framed",
      });
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("Z_")) {
      sink.problem(problem("NF_GZIP_CORRUPT", (error as Error).message, { file, offset }));
    } else {
      sink.problem(problem("NF_FILE_UNREADABLE", (error as Error).message, { file, offset }));
    }
  } finally {
    raw.destroy();
  }
  return format;
}

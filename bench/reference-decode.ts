/**
 * The bare parse of a benchmark file, as the floor under nanofuse's decoders (issue 8.9): for OTLP
 * JSON lines, `JSON.parse` of every line; for framed OTLP protobuf (a 4-byte big-endian length before
 * each message, bench/synth.ts), protobufjs's `ExportTraceServiceRequest.decode` of every frame, from
 * the official .proto files. Both read the file in 1 MiB chunks as `readTraceFile` does and do nothing
 * with what they parsed but count its spans.
 */
import { createReadStream } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { otlpTypes } from "../src/ingest/decoders/otlp-proto-reference.ts";

interface Request {
  resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
}

function countSpans(request: Request): number {
  let n = 0;
  for (const rs of request.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  return n;
}

async function jsonLines(file: string): Promise<number> {
  const text = new StringDecoder("utf8");
  let pending = "";
  let spans = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const piece = pending + text.write(chunk as Buffer);
    let from = 0;
    for (let nl = piece.indexOf("\n"); nl !== -1; nl = piece.indexOf("\n", from)) {
      if (nl > from) spans += countSpans(JSON.parse(piece.slice(from, nl)) as Request);
      from = nl + 1;
    }
    pending = piece.slice(from);
  }
  const last = pending + text.end();
  if (last.trim()) spans += countSpans(JSON.parse(last) as Request);
  return spans;
}

async function protoFrames(file: string): Promise<number> {
  const type = otlpTypes().ExportTraceServiceRequest;
  let pending: Buffer = Buffer.alloc(0);
  let spans = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const data: Buffer = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
    let at = 0;
    while (at + 4 <= data.length) {
      const length = data.readUInt32BE(at);
      if (at + 4 + length > data.length) break;
      spans += countSpans(type.decode(data.subarray(at + 4, at + 4 + length)) as Request);
      at += 4 + length;
    }
    pending = data.subarray(at);
  }
  return spans;
}

export function referenceDecode(file: string): Promise<number> {
  return file.endsWith(".pb") ? protoFrames(file) : jsonLines(file);
}

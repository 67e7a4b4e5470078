/**
 * A JSON document that is not one value per line (pretty-printed, or one huge line): streamed with
 * stream-json, which hands over one envelope element at a time (a ResourceSpans, a Jaeger trace, a
 * Zipkin span), so memory holds one element, never the file.
 */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pick from "stream-json/filters/pick.js";
import parser from "stream-json/parser.js";
import streamValues from "stream-json/streamers/stream-values.js";
import { problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { decodeElement, ELEMENT_PATH } from "../route.ts";

export async function decodeJsonDocument(
  chunks: AsyncIterable<Buffer>,
  file: string,
  sink: SpanSink,
): Promise<void> {
  let offset = 0;
  let elements = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of chunks) {
        yield chunk;
        offset += chunk.length;
      }
    })(),
  );
  const consume = new Writable({
    objectMode: true,
    write(item: { value: unknown }, _encoding, done) {
      decodeElement(item.value, { file, offset, path: `element ${elements++}` }, sink);
      done();
    },
  });
  try {
    await pipeline(
      counted,
      parser.asStream(),
      pick.asStream({ filter: ELEMENT_PATH }),
      streamValues.asStream(),
      consume,
    );
  } catch (error) {
    // Errors of the stream under the document (gzip, the file size limit) are the file reader's.
    const code = (error as { code?: string }).code;
    if (code?.startsWith?.("Z_") || code === "NF_FILE_TOO_LARGE") throw error;
    sink.problem(problem("NF_JSON_MALFORMED", (error as Error).message, { file, offset }));
    return;
  }
  if (elements === 0) {
    sink.problem(
      problem("NF_FORMAT_UNKNOWN", "no OTLP, Jaeger or Zipkin trace data in the document", { file }),
    );
  }
}

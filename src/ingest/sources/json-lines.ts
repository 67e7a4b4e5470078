/**
 * JSON lines, as the Collector's file exporter writes them: one ExportTraceServiceRequest per line.
 * A bad line is reported with its number and skipped; a line longer than `maxLineBytes` is skipped
 * without ever being held in memory, so a 2 GB line costs nothing but the time to read past it.
 */
import { constants } from "node:buffer";
import { StringDecoder } from "node:string_decoder";
import { problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { quoteNumericNanos } from "../nanos-json.ts";
import { ElementRouter } from "../route.ts";

/** The longest line held: V8's longest string, less room for the quotes nanos-json.ts may add. */
export const MAX_LINE_LIMIT = constants.MAX_STRING_LENGTH - 64 * 1024;

export async function decodeJsonLines(
  chunks: AsyncIterable<Buffer>,
  file: string,
  sink: SpanSink,
  requestedMaxLineBytes: number,
): Promise<void> {
  // A line is held as one string: beyond V8's longest string, appending to it throws and the rest of
  // the file would be lost. Such a limit is lowered to what can be held, and said so.
  const maxLineBytes = Math.min(requestedMaxLineBytes, MAX_LINE_LIMIT);
  if (requestedMaxLineBytes > MAX_LINE_LIMIT) {
    const detail = `${requestedMaxLineBytes} lowered to ${MAX_LINE_LIMIT}`;
    sink.problem(problem("NF_LINE_LIMIT_CLAMPED", detail, { file }));
  }
  const text = new StringDecoder("utf8");
  let pending = "";
  let line = 1;
  let skipping = false;
  // One router for the file: Zipkin fragments on other lines than their span still merge into it.
  const router = new ElementRouter(sink);

  const finishLine = (content: string) => {
    const trimmed = content.trim();
    if (trimmed === "") return;
    let value: unknown;
    try {
      value = JSON.parse(quoteNumericNanos(trimmed));
    } catch (error) {
      sink.problem(problem("NF_JSON_MALFORMED", (error as Error).message, { file, line }));
      return;
    }
    router.value(value, { file, line });
  };

  const tooLong = () =>
    sink.problem(problem("NF_LINE_TOO_LONG", `longer than ${maxLineBytes} characters`, { file, line }));

  for await (const chunk of chunks) {
    const piece = text.write(chunk);
    let from = 0;
    for (let nl = piece.indexOf("\n"); nl !== -1; nl = piece.indexOf("\n", from)) {
      if (!skipping) {
        if (pending.length + nl - from > maxLineBytes) tooLong();
        else finishLine(pending + piece.slice(from, nl));
      }
      skipping = false;
      pending = "";
      from = nl + 1;
      line++;
    }
    if (skipping) continue;
    if (pending.length + piece.length - from > maxLineBytes) {
      tooLong();
      skipping = true;
      pending = "";
    } else pending += piece.slice(from);
  }
  if (!skipping) finishLine(pending + text.end());
  router.end();
}

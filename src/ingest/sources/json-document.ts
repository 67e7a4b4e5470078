/**
 * A JSON document that is not one value per line (pretty-printed, or one huge line): parsed with
 * stream-json's token parser. The elements of the envelope arrays that route.ts names (a
 * ResourceSpans, a Jaeger trace, a Zipkin span) are assembled and decoded one at a time, so memory
 * holds one element, never the file; everything else is assembled into the rest of the document
 * (with those arrays left empty), which goes through the same `ElementRouter.value` as a parsed line,
 * so the format is told apart the same way on both paths.
 */
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import Assembler from "stream-json/assembler.js";
import parser from "stream-json/parser.js";
import { problem } from "../../errors.ts";
import type { SpanSink } from "../decoder.ts";
import { NANOS_KEYS } from "../nanos-json.ts";
import { ElementRouter, isEnvelopeArray } from "../route.ts";
import { firstJsonErrorOffset } from "./json-error-offset.ts";

type Token = parser.Token;

/** An assembler that keeps numeric nanosecond timestamps as text, exactly (see nanos-json.ts). */
function assembler(): Assembler {
  const asm = new Assembler();
  const number = asm.numberValue.bind(asm);
  const text = (asm as unknown as { stringValue: (v: string) => void }).stringValue.bind(asm);
  asm.numberValue = (value: string) =>
    typeof asm.key === "string" && NANOS_KEYS.has(asm.key) ? text(value) : number(value);
  return asm;
}

const OPEN = new Set(["startObject", "startArray"]);
const VALUE = new Set(["stringValue", "numberValue", "nullValue", "trueValue", "falseValue"]);

export async function decodeJsonDocument(
  chunks: AsyncIterable<Buffer>,
  file: string,
  sink: SpanSink,
  /** The same content from its start, to find a syntax error's byte (error path only). */
  reread?: () => AsyncIterable<Buffer>,
): Promise<void> {
  let offset = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of chunks) {
        yield chunk;
        offset += chunk.length;
      }
    })(),
  );
  const router = new ElementRouter(sink);
  const rest = assembler();
  let element: Assembler | undefined;
  let elementPath = "";
  const counts = new Map<string, number>();

  /** Where the next value goes, when it is an element of an envelope array: that array's path. */
  const envelopeOfNext = (): string | undefined => {
    if (rest.done || !Array.isArray(rest.current)) return undefined;
    const path = rest.path as (string | number)[];
    return isEnvelopeArray(path) ? path.join(".") : undefined;
  };
  const emit = (value: unknown) => {
    const n = counts.get(elementPath) ?? 0;
    counts.set(elementPath, n + 1);
    router.element(value, { file, offset, path: `${elementPath}[${n}]` });
  };

  const consume = new Writable({
    objectMode: true,
    write(token: Token, _encoding, done) {
      if (element) {
        element.consume(token);
        if (element.done) {
          const value = element.current;
          element = undefined;
          emit(value);
        }
      } else {
        const envelope = OPEN.has(token.name) || VALUE.has(token.name) ? envelopeOfNext() : undefined;
        if (envelope === undefined) rest.consume(token);
        else {
          elementPath = envelope;
          element = assembler();
          element.consume(token);
          if (element.done) {
            const value = element.current;
            element = undefined;
            emit(value);
          }
        }
      }
      done();
    },
  });
  try {
    await pipeline(counted, parser.asStream(), consume);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith?.("Z_")) throw error;
    // What was read before the error is decoded: the Zipkin records held, whole elements streamed.
    router.end();
    // The parser knows what it expected, not where: the chunk's end is all we have, unless the
    // content can be read again to find the byte.
    let at = offset;
    if (reread) {
      const exact = await firstJsonErrorOffset(reread()).catch(() => -1);
      if (exact >= 0) at = exact;
    }
    sink.problem(problem("NF_JSON_MALFORMED", (error as Error).message, { file, offset: at }));
    return;
  }
  router.value(rest.current, { file });
  router.end();
}

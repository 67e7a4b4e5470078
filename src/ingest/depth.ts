/**
 * Deeply nested JSON. JSON.parse and stream-json's assembler build any depth without recursion, but
 * our decoders walk attribute values recursively (OTLP `arrayValue`/`kvlistValue`, JSON.stringify of
 * a Zipkin tag or a kvlist): a value nested beyond `MAX_JSON_DEPTH` (the protobuf decoder's limit
 * too) skips its element with NF_JSON_TOO_DEEP, never the rest of the file. A stack overflow from
 * any other walk is caught the same way, so no depth can end the read.
 */
import { type Location, problem } from "../errors.ts";
import type { SpanSink } from "./decoder.ts";

export const MAX_JSON_DEPTH = 100;

export class JsonTooDeep extends Error {
  constructor() {
    super(`a value is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
}

const isStackOverflow = (error: unknown) => error instanceof RangeError && /call stack/i.test(error.message);

/** Runs one element's decoding; too deep a value reports the element and lets the caller go on. */
export function guardDepth(decode: () => void, where: Location, sink: SpanSink): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof JsonTooDeep) && !isStackOverflow(error)) throw error;
    const detail = error instanceof JsonTooDeep ? error.message : "nesting too deep to decode";
    sink.problem(problem("NF_JSON_TOO_DEEP", `${detail}: element skipped`, where));
  }
}

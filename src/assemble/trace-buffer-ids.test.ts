import { describe, expect, it } from "vitest";
import { EPOCH_US, makeSpan } from "../model/build.ts";
import { TraceBuffer } from "./trace-buffer.ts";

const T1 = "11111111111111111111111111111111";
const id = (n: number) => n.toString(16).padStart(16, "0");

/** A trace of `size` distinct spans, then an exact duplicate of span 1 and another span with its id. */
function replayWithRepeats(size: number) {
  const buffer = new TraceBuffer();
  for (let i = 1; i <= size; i++)
    buffer.push(makeSpan({ traceId: T1, spanId: id(i), startUs: EPOCH_US + i }), EPOCH_US + i);
  buffer.push(makeSpan({ traceId: T1, spanId: id(1), startUs: EPOCH_US + 1 }), EPOCH_US + size + 1);
  buffer.push(makeSpan({ traceId: T1, spanId: id(1), startUs: EPOCH_US + 2 }), EPOCH_US + size + 2);
  const [trace] = buffer.flush();
  return { spans: trace.spans.length, duplicates: trace.duplicates, repeatedIds: trace.repeatedIds };
}

describe("span ids in small and large traces", () => {
  it("drops a duplicate and keeps a repeated id alike whether the trace is scanned (few spans) or indexed (many)", () => {
    for (const size of [1, 3, 15, 16, 17, 40]) {
      expect({ size, ...replayWithRepeats(size) }).toEqual({
        size,
        spans: size + 1,
        duplicates: 1,
        repeatedIds: true,
      });
    }
  });

  it("finds a repeat of an id filed before the trace grew past the scanning size", () => {
    const buffer = new TraceBuffer();
    for (let i = 1; i <= 30; i++)
      buffer.push(makeSpan({ traceId: T1, spanId: id(i % 20), startUs: EPOCH_US + i }), EPOCH_US + i);
    const [trace] = buffer.flush();
    // Spans 20–30 reuse the ids of 0–10 with other start times: kept, flagged, none dropped.
    expect([trace.spans.length, trace.duplicates, trace.repeatedIds]).toEqual([30, 0, true]);
  });
});

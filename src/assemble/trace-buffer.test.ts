import { describe, expect, it } from "vitest";
import { EPOCH_US, makeSpan } from "../model/build.ts";
import { TraceBuffer } from "./trace-buffer.ts";

const T1 = "11111111111111111111111111111111";
const T2 = "22222222222222222222222222222222";
const id = (n: number) => n.toString(16).padStart(16, "0");

describe("the trace buffer", () => {
  it("groups spans by trace id and completes a trace once it has been idle long enough", () => {
    const buffer = new TraceBuffer({ idleUs: 1000 });
    buffer.push(makeSpan({ traceId: T1, spanId: id(1) }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T2, spanId: id(2) }), EPOCH_US + 900);
    buffer.push(makeSpan({ traceId: T1, spanId: id(3) }), EPOCH_US + 500);
    expect(buffer.cutIdle(EPOCH_US + 1400)).toEqual([]);
    const done = buffer.cutIdle(EPOCH_US + 1600);
    expect(done.map((t) => [t.key, t.spans.length, t.cut, t.partial])).toEqual([[T1, 2, "idle", false]]);
    expect(buffer.flush().map((t) => t.key)).toEqual([T2]);
  });

  it("completes a trace that is older than the maximum age even while spans keep coming", () => {
    const buffer = new TraceBuffer({ idleUs: 1000, maxAgeUs: 5000 });
    for (let t = 0; t <= 6000; t += 500)
      buffer.push(makeSpan({ traceId: T1, spanId: id(t + 1) }), EPOCH_US + t);
    const [trace] = buffer.cutIdle(EPOCH_US + 6000);
    expect(trace.cut).toBe("max-age");
    expect(trace.spans).toHaveLength(13);
  });

  it("drops exact duplicate spans and counts them", () => {
    const buffer = new TraceBuffer();
    const span = makeSpan({ traceId: T1, spanId: id(1) });
    buffer.push(span, EPOCH_US);
    buffer.push({ ...span }, EPOCH_US);
    const [trace] = buffer.flush();
    expect(trace.spans).toHaveLength(1);
    expect(trace.duplicates).toBe(1);
    expect(buffer.stats().duplicates).toBe(1);
  });

  it("bounds memory by completing the oldest traces early, flagged partial and counted", () => {
    const buffer = new TraceBuffer({ maxBufferedSpans: 3 });
    buffer.push(makeSpan({ traceId: T1, spanId: id(1) }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T1, spanId: id(2) }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T2, spanId: id(3) }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T2, spanId: id(4) }), EPOCH_US);
    expect(buffer.stats()).toMatchObject({ bufferedSpans: 2, evictedTraces: 1 });
    const [evicted] = buffer.cutIdle(EPOCH_US);
    expect(evicted).toMatchObject({ key: T1, cut: "evicted", partial: true });
  });

  it("flags spans that arrive after their trace was cut as a partial continuation", () => {
    const buffer = new TraceBuffer({ maxSpansPerTrace: 2 });
    for (let n = 1; n <= 3; n++) buffer.push(makeSpan({ traceId: T1, spanId: id(n) }), EPOCH_US);
    const traces = buffer.flush();
    expect(traces.map((t) => [t.spans.length, t.cut, t.partial])).toEqual([
      [2, "max-spans", true],
      [1, "flush", true],
    ]);
  });

  it("stitches traces that share a correlation attribute or a span link into one request", () => {
    const buffer = new TraceBuffer({ correlationAttribute: "correlation.id" });
    const T3 = "33333333333333333333333333333333";
    buffer.push(
      makeSpan({ traceId: T1, spanId: id(1), attributes: { "correlation.id": "order-7" } }),
      EPOCH_US,
    );
    buffer.push(makeSpan({ traceId: T2, spanId: id(2) }), EPOCH_US);
    buffer.push(
      makeSpan({ traceId: T2, spanId: id(3), resource: { "correlation.id": "order-7" } }),
      EPOCH_US,
    );
    buffer.push(makeSpan({ traceId: T3, spanId: id(4), links: [{ traceId: T1, spanId: id(1) }] }), EPOCH_US);
    const traces = buffer.flush();
    expect(traces).toHaveLength(1);
    expect(traces[0].key).toBe("correlation.id=order-7");
    expect(traces[0].traceIds).toEqual([T1, T2, T3]);
    expect(traces[0].spans.map((s) => s.spanId)).toEqual([id(1), id(2), id(3), id(4)]);
  });

  it("tells the call tree whether two different spans share an id, so it looks for shared spans only then", () => {
    const buffer = new TraceBuffer();
    buffer.push(makeSpan({ traceId: T1, spanId: id(1), kind: "client" }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T1, spanId: id(1), kind: "server" }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T2, spanId: id(2) }), EPOCH_US);
    buffer.push(makeSpan({ traceId: T2, spanId: id(2) }), EPOCH_US);
    expect(buffer.flush().map((t) => [t.key, t.repeatedIds])).toEqual([
      [T1, true],
      [T2, false],
    ]);
  });

  it("gives the same traces whatever order the spans arrive in", () => {
    const spans = [1, 2, 3, 4, 5].map((n) =>
      makeSpan({ traceId: n % 2 ? T1 : T2, spanId: id(n), startUs: EPOCH_US + (n % 3) * 10 }),
    );
    const run = (order: typeof spans) => {
      const buffer = new TraceBuffer();
      for (const span of order) buffer.push(span, EPOCH_US);
      return buffer.flush();
    };
    expect(run([...spans].reverse())).toEqual(run(spans));
  });
});

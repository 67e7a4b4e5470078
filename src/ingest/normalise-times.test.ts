import { describe, expect, it } from "vitest";
import type { Problem } from "../errors.ts";
import type { Span } from "../model/span.ts";
import { decodeOtlpResourceSpans } from "./decoders/otlp-json.ts";
import { nanosStringToMicros } from "./normalise.ts";

describe("nanosecond timestamps written as JSON numbers (proto3 JSON allows them for uint64)", () => {
  it("reads a number of nanoseconds beyond 2^53 to within a microsecond of the string form", () => {
    const ns = "1704067200123456789";
    expect(Math.abs(nanosStringToMicros(Number(ns)) - nanosStringToMicros(ns))).toBeLessThanOrEqual(1);
  });

  it("still refuses a negative, fractional, non-finite or out-of-range number", () => {
    for (const ns of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 64])
      expect(nanosStringToMicros(ns)).toBeNaN();
  });

  it("decodes an OTLP JSON span whose times are numbers instead of rejecting it", () => {
    const spans: Span[] = [];
    const problems: Problem[] = [];
    const resourceSpans = {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "web" } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId: "eee19b7ec3c1b174",
              name: "GET",
              kind: 2,
              startTimeUnixNano: 1704067200000000000,
              endTimeUnixNano: 1704067200005000000,
            },
          ],
        },
      ],
    };
    decodeOtlpResourceSpans(
      resourceSpans,
      { file: "numbers.json" },
      {
        span: (s) => spans.push(s),
        problem: (p) => problems.push(p),
      },
    );
    expect(problems).toEqual([]);
    // Handed over as doubles (the text path, nanos-json.ts, keeps them exact): within a microsecond.
    expect(spans.map((s) => Math.abs(s.endUs - s.startUs - 5000) <= 1)).toEqual([true]);
  });
});

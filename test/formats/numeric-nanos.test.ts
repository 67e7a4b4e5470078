/**
 * Issue 17.11: proto3's JSON mapping allows a uint64 as a JSON number, so some exporters write
 * `"startTimeUnixNano": 1700000000123456789`. Such timestamps are read to the exact microsecond,
 * although they are beyond 2^53, on one line, in a pretty-printed document and from a Kafka record.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/errors.ts";
import { quoteNumericNanos } from "../../src/ingest/nanos-json.ts";
import { nanosStringToMicros } from "../../src/ingest/normalise.ts";
import { readTraceFile } from "../../src/ingest/sources/file.ts";
import { decodeKafkaRecord } from "../../src/ingest/sources/kafka-records.ts";
import type { Span } from "../../src/model/span.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-nanos-"));

/** A Collector-shaped request whose times are JSON numbers, not strings. */
const request = (space: string) =>
  `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"POST /checkout","kind":2,"startTimeUnixNano":${space}1700000000123456789,"endTimeUnixNano":${space}1700000000123999999,"attributes":[{"key":"n","value":{"intValue":42}}]}]}]}]}`;

async function read(text: string) {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, text);
  const spans: Span[] = [];
  const problems: Problem[] = [];
  await readTraceFile(file, { span: (s) => spans.push(s), problem: (p) => problems.push(p) });
  return { spans, problems };
}

describe("nanosecond timestamps written as JSON numbers", () => {
  it("are read to the exact microsecond from a JSON line, though beyond 2^53", async () => {
    const { spans, problems } = await read(`${request("")}\n`);
    expect(problems).toEqual([]);
    expect(spans.map((s) => [s.startUs, s.endUs, s.attributes.n])).toEqual([
      [1_700_000_000_123_456, 1_700_000_000_123_999, 42],
    ]);
  });

  it("are read the same in a pretty-printed document (the streaming path)", async () => {
    const pretty = JSON.stringify(JSON.parse(request("")), null, 2).replace(
      /("(?:start|end)TimeUnixNano": )\d+/g,
      (_m, key: string) =>
        `${key}${key.startsWith('"start') ? "1700000000123456789" : "1700000000123999999"}`,
    );
    const { spans, problems } = await read(`${pretty}\n`);
    expect(problems).toEqual([]);
    expect(spans.map((s) => [s.startUs, s.endUs])).toEqual([[1_700_000_000_123_456, 1_700_000_000_123_999]]);
  });

  it("are read from a Kafka record and with spaces after the colon", () => {
    const spans: Span[] = [];
    decodeKafkaRecord(
      Buffer.from(request(" ")),
      "otlp_json",
      { file: "topic traces, partition 0, offset 7" },
      {
        span: (s) => spans.push(s),
        problem: (p) => expect.fail(p.message),
      },
    );
    expect(spans[0].startUs).toBe(1_700_000_000_123_456);
  });

  it("leave string timestamps and other numbers untouched", () => {
    const line = '{"startTimeUnixNano":"1700000000123456789","n":17000000001234567890}';
    expect(quoteNumericNanos(line)).toBe(line);
    expect(quoteNumericNanos('{"endTimeUnixNano": 5}')).toBe('{"endTimeUnixNano": "5"}');
  });

  it("are, when already parsed to a double, taken from it within 1 µs and never rejected", () => {
    // The double nearest 1,700,000,000,123,456,789 ns (what JSON.parse makes of it).
    const parsed = Number(1_700_000_000_123_456_789n);
    expect(nanosStringToMicros(parsed)).toBeGreaterThanOrEqual(1_700_000_000_123_456);
    expect(nanosStringToMicros(parsed)).toBeLessThanOrEqual(1_700_000_000_123_457);
    expect(nanosStringToMicros(-5)).toBeNaN();
    expect(nanosStringToMicros(1.5)).toBeNaN();
  });
});

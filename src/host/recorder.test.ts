import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpanKind } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { readTraceFile } from "../ingest/sources/file.ts";
import type { Span } from "../model/span.ts";
import { OtlpJsonLinesExporter } from "./recorder.ts";

/** 2024-01-01T00:00:00.123456789Z: a timestamp whose nanoseconds do not fit a double. */
const START: [number, number] = [1_704_067_200, 123_456_789];
const END: [number, number] = [1_704_067_200, 125_000_001];

async function recordOneSpan(file: string): Promise<void> {
  const exporter = new OtlpJsonLinesExporter(file);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "group-1" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const span = provider
    .getTracer("test")
    .startSpan("call b", { kind: SpanKind.CLIENT, startTime: START, attributes: { "faas.name": "a", n: 7 } });
  span.end(END);
  await provider.shutdown();
}

describe("OtlpJsonLinesExporter", () => {
  it("writes JsonTraceSerializer's OTLP JSON: hex ids and nanoseconds as decimal strings, one request per line", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nanofuse-recorder-")), "g.otlp.jsonl");
    await recordOneSpan(file);
    const lines = readFileSync(file, "utf8").split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("");
    const span = JSON.parse(lines[0]).resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.startTimeUnixNano).toBe("1704067200123456789");
    expect(span.endTimeUnixNano).toBe("1704067200125000001");
    expect(span.kind).toBe(3);
    // int attributes come out as JSON numbers (proto3 JSON would quote int64); the decoder takes both.
    expect(span.attributes).toContainEqual({ key: "n", value: { intValue: 7 } });
  });

  it("writes lines that nanofuse's own reader decodes exactly, without a problem", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "nanofuse-recorder-")), "g.otlp.jsonl");
    await recordOneSpan(file);
    const spans: Span[] = [];
    const problems: unknown[] = [];
    const format = await readTraceFile(file, {
      span: (s) => spans.push(s),
      problem: (p) => problems.push(p),
    });
    expect(format).toBe("json-lines");
    expect(problems).toEqual([]);
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      kind: "client",
      unit: "a",
      startUs: 1_704_067_200_123_456,
      endUs: 1_704_067_200_125_000,
      resource: { "service.name": "group-1" },
    });
  });
});

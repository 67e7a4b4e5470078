/**
 * Small, valid trace files of every input format nanofuse reads, made from the same synthetic shop
 * traces (bench/synth.ts), for the fuzz test to mutate: OTLP JSON lines and document, OTLP protobuf as
 * one message and framed, Jaeger JSON (the UI's `{data: [...]}` download), Zipkin v2 and Tempo's
 * `{batches}`; each also gzipped.
 */
import { gzipSync } from "node:zlib";
import {
  generateTraces,
  resourceOf,
  type SyntheticTrace,
  type SynthValue,
  toOtlpJsonLine,
  toOtlpProto,
  toOtlpProtoFrame,
} from "../../bench/synth.ts";

const KIND_NAMES = ["", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
const us = (ns: bigint) => Number(ns / 1000n);
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

function jaeger(traces: SyntheticTrace[]): string {
  const data = traces.map((trace) => {
    const processes: Record<string, { serviceName: string; tags: unknown[] }> = {};
    const ids = new Map<string, string>();
    for (const s of trace.spans) {
      if (ids.has(s.service)) continue;
      const id = `p${ids.size + 1}`;
      ids.set(s.service, id);
      const tags = Object.entries(resourceOf(s.service)).map(([key, value]) => tag(key, value));
      processes[id] = { serviceName: s.service, tags };
    }
    return {
      traceID: trace.traceId,
      spans: trace.spans.map((s) => ({
        traceID: trace.traceId,
        spanID: s.spanId,
        operationName: s.name,
        references: s.parentSpanId
          ? [{ refType: "CHILD_OF", traceID: trace.traceId, spanID: s.parentSpanId }]
          : [],
        startTime: us(s.startNs),
        duration: us(s.endNs - s.startNs),
        tags: [
          tag("span.kind", KIND_NAMES[s.kind].toLowerCase()),
          ...Object.entries(s.attributes).map(([k, v]) => tag(k, v)),
        ],
        logs: [],
        processID: ids.get(s.service),
      })),
      processes,
    };
  });
  return JSON.stringify({ data }, null, 2);
}

function tag(key: string, value: SynthValue) {
  if (typeof value === "string") return { key, type: "string", value };
  if (typeof value === "boolean") return { key, type: "bool", value };
  return { key, type: Number.isInteger(value) ? "int64" : "float64", value };
}

function zipkin(traces: SyntheticTrace[]): string {
  const records = traces.flatMap((trace) =>
    trace.spans.map((s) => ({
      traceId: trace.traceId,
      id: s.spanId,
      ...(s.parentSpanId ? { parentId: s.parentSpanId } : {}),
      ...(s.kind >= 2 ? { kind: KIND_NAMES[s.kind] } : {}),
      name: s.name,
      timestamp: us(s.startNs),
      duration: Math.max(1, us(s.endNs - s.startNs)),
      localEndpoint: { serviceName: s.service },
      tags: Object.fromEntries(Object.entries(s.attributes).map(([k, v]) => [k, String(v)])),
    })),
  );
  return JSON.stringify(records);
}

/** Tempo's API response: OTLP with base64 ids and enum names for kinds. */
function tempo(traces: SyntheticTrace[]): string {
  const batches = traces.flatMap((trace) => {
    const otlp = JSON.parse(toOtlpJsonLine(trace)) as {
      resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
    };
    for (const rs of otlp.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans) {
          span.traceId = b64(span.traceId as string);
          span.spanId = b64(span.spanId as string);
          if (span.parentSpanId) span.parentSpanId = b64(span.parentSpanId as string);
          span.kind = `SPAN_KIND_${KIND_NAMES[span.kind as number]}`;
        }
    return otlp.resourceSpans;
  });
  return JSON.stringify({ batches }, null, 1);
}

export interface FuzzFixture {
  name: string;
  bytes: Buffer;
}

/** Every format once plain and once gzipped, each holding `traces` shop traces. */
export function fuzzFixtures(traces = 3, seed = 17): FuzzFixture[] {
  const list = [...generateTraces({ traces, seed })];
  const document = {
    resourceSpans: list.flatMap(
      (t) => (JSON.parse(toOtlpJsonLine(t)) as { resourceSpans: unknown[] }).resourceSpans,
    ),
  };
  const plain: FuzzFixture[] = [
    { name: "otlp.jsonl", bytes: Buffer.from(`${list.map(toOtlpJsonLine).join("\n")}\n`) },
    { name: "otlp.json", bytes: Buffer.from(JSON.stringify(document, null, 2)) },
    { name: "otlp.pb", bytes: Buffer.from(toOtlpProto({ traceId: list[0].traceId, spans: list[0].spans })) },
    { name: "otlp-framed.pb", bytes: Buffer.concat(list.map(toOtlpProtoFrame)) },
    { name: "jaeger.json", bytes: Buffer.from(jaeger(list)) },
    { name: "zipkin.json", bytes: Buffer.from(zipkin(list)) },
    { name: "tempo.json", bytes: Buffer.from(tempo(list)) },
  ];
  return [...plain, ...plain.map((f) => ({ name: `${f.name}.gz`, bytes: gzipSync(f.bytes) }))];
}

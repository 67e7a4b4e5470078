/**
 * Throughput of the OTLP protobuf decoders (a measurement, not a test): realistic SDK-like spans
 * (5–10 attributes, 2–3 resource attributes) in collector-style frames of 1,000 spans, decoded and
 * normalised into Span objects from 1 MiB chunks, on one core.
 *   node --import tsx bench/otlp-proto-decoders.ts [spans=200000] [rounds=7]
 */
import type { SpanSink } from "../src/ingest/decoder.ts";
import { decodeOtlpProtoStream } from "../src/ingest/decoders/otlp-proto.ts";
import { otlpTypes } from "../src/ingest/decoders/otlp-proto-reference.ts";
import {
  chunked,
  encodeRequest,
  frame,
  realisticRequest,
  rng,
} from "../src/ingest/decoders/otlp-proto-testkit.ts";

const total = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 7);
const random = rng(42);
const messages = Array.from({ length: Math.ceil(total / 1000) }, () =>
  encodeRequest(realisticRequest(random, 1000)),
);
const data = frame(messages);

function counter(): SpanSink & { spans: number; attributes: number } {
  const sink = {
    spans: 0,
    attributes: 0,
    span(s: { attributes: object }) {
      sink.spans++;
      sink.attributes += Object.keys(s.attributes).length;
    },
    problem() {},
  };
  return sink;
}

/** Spans per second of wall time and of CPU time (this process: other load on the machine aside). */
async function measure(name: string, run: () => Promise<number>): Promise<void> {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const spans = await run();
    const used = process.cpuUsage(cpuStart);
    wall.push(spans / (Number(process.hrtime.bigint() - start) / 1e9));
    cpu.push(spans / ((used.user + used.system) / 1e6));
  }
  const median = (xs: number[]) => `${Math.round(xs.sort((a, b) => a - b)[xs.length >> 1] / 1000)}k`;
  console.log(
    `${name.padEnd(36)} ${median(wall)} spans/s wall, ${median(cpu)} spans/s CPU (median of ${rounds})`,
  );
}

console.log(
  `${total} spans, ${(data.length / 2 ** 20).toFixed(1)} MiB, ${(data.length / total).toFixed(0)} bytes/span`,
);
for (const decoder of ["fast", "reference"] as const) {
  await measure(`decode + normalise (${decoder})`, async () => {
    const sink = counter();
    await decodeOtlpProtoStream(chunked(data, 1 << 20), "bench.pb", sink, { framed: true, decoder });
    return sink.spans;
  });
}
await measure("protobufjs decode only, no mapping", async () => {
  const type = otlpTypes().ExportTraceServiceRequest;
  let spans = 0;
  for (const m of messages) {
    const request = type.decode(m) as unknown as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    for (const r of request.resourceSpans) for (const s of r.scopeSpans) spans += s.spans.length;
  }
  return spans;
});

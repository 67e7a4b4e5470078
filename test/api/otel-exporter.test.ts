/**
 * End to end over a real socket: the OpenTelemetry SDK's own OTLP exporters (protobuf with gzip, and
 * JSON) send spans of two services to the receiver listening on loopback; the live pipeline completes
 * the traces and writes their windows to a PGlite store, where the API finds the hops between them.
 */
import { context, SpanKind, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/app.ts";
import { LivePipeline } from "../../src/pipeline/live.ts";
import { buildReceiver } from "../../src/receiver/app.ts";
import { useBackend } from "../support/store-backends.ts";

const backend = useBackend("pglite");
const TRACES = 5;
const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** `caller` calls `callee` once per trace: a CLIENT span with a SERVER child 2 ms shorter. */
async function sendTraces(exporter: SpanExporter, caller: string, callee: string): Promise<void> {
  const provider = (service: string) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": service }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
  const from = provider(caller);
  const to = provider(callee);
  const base = Date.now() - 60_000;
  for (let i = 0; i < TRACES; i++) {
    const start = base + i * 100;
    const client = from
      .getTracer("test")
      .startSpan("GET /stock", { kind: SpanKind.CLIENT, startTime: start });
    const parent = trace.setSpanContext(context.active(), client.spanContext());
    const server = to
      .getTracer("test")
      .startSpan("GET /stock", { kind: SpanKind.SERVER, startTime: start + 1 }, parent);
    server.end(start + 9);
    client.end(start + 10);
  }
  await from.forceFlush();
  await to.forceFlush();
}

describe("spans sent by the OpenTelemetry SDK's OTLP exporters", () => {
  it("are received over a real socket in protobuf and in JSON, analysed, stored, and found by the API", async () => {
    const store = await backend.fresh();
    const pipeline = new LivePipeline(store, { planMinTraces: 1_000 });
    await pipeline.start();
    const receiver = await buildReceiver(
      { intake: pipeline, clock: () => new Date() },
      { logLevel: "silent" },
    );
    apps.push(receiver);
    const seen = new Set<string>();
    receiver.addHook("onRequest", async (request) => {
      seen.add(`${request.headers["content-type"]} ${request.headers["content-encoding"] ?? "identity"}`);
    });
    const address = await receiver.listen({ host: "127.0.0.1", port: 0 });
    const url = `${address}/v1/traces`;

    await sendTraces(new ProtoExporter({ url, compression: "gzip" as never }), "shop-frontend", "stock");
    await sendTraces(new JsonExporter({ url }), "json-frontend", "stock");
    expect(pipeline.stats().spansReceived).toBe(4 * TRACES);
    expect([...seen].sort()).toEqual(["application/json identity", "application/x-protobuf gzip"]);

    await pipeline.drain(new Date());
    const api = await buildApi({ store, clock: () => new Date() }, { logLevel: "silent" });
    apps.push(api);
    const { token } = await store.tokens.create({ name: "test", role: "viewer", at: new Date() });
    const { edges } = (
      await api.inject({ url: "/api/edges", headers: { authorization: `Bearer ${token}` } })
    ).json();
    const found = edges.map((e: { from: string; to: string; calls: number; networkUs: { sum: number } }) => ({
      edge: `${e.from} → ${e.to}`,
      calls: e.calls,
      networkUs: e.networkUs.sum,
    }));
    expect(found).toEqual(
      expect.arrayContaining([
        { edge: "shop-frontend → stock", calls: TRACES, networkUs: TRACES * 2000 },
        { edge: "json-frontend → stock", calls: TRACES, networkUs: TRACES * 2000 },
      ]),
    );
    const [progress] = await store.aggregates.progress("otlp-http");
    expect(progress.offset).toBe(String(2 * TRACES));
  });
});

import { ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { DEFAULT_RUNTIME_OPTIONS } from "./options.ts";
import { GroupRuntime } from "./runtime.ts";
import testApp from "./test-app/app.ts";
import type { App } from "./types.ts";

/** One group holding every unit: everything runs in-process, no server, no network. */
function runtimeOf(app: App, options = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const runtime = new GroupRuntime("all", Object.keys(app.functions), app, provider.getTracer("test"), {
    ...DEFAULT_RUNTIME_OPTIONS,
    initMs: 5,
    ...options,
  });
  runtime.setRoutes({ groupOf: {}, urls: {} });
  const spans = () => exporter.getFinishedSpans();
  return { runtime, spans };
}

describe("a group runtime with every unit in-process", () => {
  it("runs calls as INTERNAL spans of the callee's unit, and sends through an in-process PRODUCER → CONSUMER", async () => {
    const { runtime, spans } = runtimeOf(testApp);
    const result = await runtime.invoker.invoke("front", {}, ROOT_CONTEXT, "http");
    await runtime.activity.idle();
    expect(result).toEqual({ front: true, a: { b: { bytes: 16 } } });
    const producer = spans().find((s) => s.kind === SpanKind.PRODUCER);
    const byUnit = Object.fromEntries(
      spans()
        .filter((s) => s !== producer)
        .map((s) => [s.attributes["faas.name"], s]),
    );
    expect(Object.keys(byUnit).sort()).toEqual(["a", "b", "c", "front"]);
    expect(byUnit.front.kind).toBe(SpanKind.SERVER);
    for (const unit of ["a", "b"]) expect(byUnit[unit].kind).toBe(SpanKind.INTERNAL);
    expect(byUnit.a.parentSpanContext?.spanId).toBe(byUnit.front.spanContext().spanId);
    expect(byUnit.b.parentSpanContext?.spanId).toBe(byUnit.a.spanContext().spanId);
    expect(producer?.attributes["faas.name"]).toBe("front");
    expect(producer?.parentSpanContext?.spanId).toBe(byUnit.front.spanContext().spanId);
    expect(byUnit.c.kind).toBe(SpanKind.CONSUMER);
    expect(byUnit.c.parentSpanContext?.spanId).toBe(producer?.spanContext().spanId);
  });

  it("marks only the first invocation of each unit as a cold start, even when concurrent", async () => {
    const { runtime, spans } = runtimeOf(testApp);
    await Promise.all([1, 2, 3].map(() => runtime.invoker.invoke("b", {}, ROOT_CONTEXT, "http")));
    expect(
      spans()
        .map((s) => s.attributes["faas.coldstart"])
        .sort(),
    ).toEqual([false, false, true]);
  });

  it("hands the callee a copy of the payload, as the network would", async () => {
    const seen: unknown[] = [];
    const app: App = {
      name: "copy",
      entry: "x",
      functions: {
        x: async (_input, ctx) => {
          const payload = { list: [1], skip: undefined };
          await ctx.call("y", payload);
          return payload.list;
        },
        y: async (input) => {
          seen.push(input);
          (input as { list: number[] }).list.push(2);
        },
      },
    };
    const { runtime } = runtimeOf(app);
    expect(await runtime.invoker.invoke("x", null, ROOT_CONTEXT, "http")).toEqual([1]);
    expect(seen).toEqual([{ list: [1, 2] }]);
  });

  it("turns a callee's error into NF_CALL_FAILED for the caller and records it on both spans", async () => {
    const { runtime, spans } = runtimeOf(testApp);
    await expect(runtime.invoker.invoke("a", { fail: true }, ROOT_CONTEXT, "http")).rejects.toMatchObject({
      code: "NF_CALL_FAILED",
      message: "call failed: a → b: b refused the request",
    });
    for (const s of spans()) {
      expect(s.status.code).toBe(2);
      expect(s.events.map((e) => e.name)).toEqual(["exception"]);
    }
  });

  it("times out an in-process call that does not answer", async () => {
    const app: App = {
      name: "hang",
      entry: "x",
      functions: { x: (_i, ctx) => ctx.call("y", null), y: () => new Promise(() => {}) },
    };
    const { runtime } = runtimeOf(app, { callTimeoutMs: 50 });
    await expect(runtime.invoker.invoke("x", null, ROOT_CONTEXT, "http")).rejects.toMatchObject({
      code: "NF_CALL_TIMEOUT",
    });
  });

  it("never throws a send's failure at its caller", async () => {
    const app: App = {
      name: "send",
      entry: "x",
      functions: {
        x: async (_i, ctx) => {
          ctx.send("nowhere", 1);
          ctx.send("y", 1);
          return "sent";
        },
        y: async () => {
          throw new Error("consumer failed");
        },
      },
    };
    const { runtime, spans } = runtimeOf(app);
    expect(await runtime.invoker.invoke("x", null, ROOT_CONTEXT, "http")).toBe("sent");
    await runtime.activity.idle();
    expect(runtime.health().failedSends).toBe(1);
    expect(spans().find((s) => s.attributes["faas.name"] === "y")?.status.code).toBe(2);
  });
});

/**
 * Runs one invocation of a unit of this group inside its span: SERVER for an HTTP call, CONSUMER for a
 * delivered message, INTERNAL for an in-process call from a unit of the same group (not a hop:
 * assemble/hops.ts). The first invocation of a unit in the process is its cold start.
 */
import { type Attributes, type Context, context, SpanKind, type Tracer, trace } from "@opentelemetry/api";
import { NanofuseError } from "../errors.ts";
import type { Activity } from "./activity.ts";
import { sleep } from "./network.ts";
import type { RuntimeOptions } from "./options.ts";
import { clock, FAAS_COLDSTART, FAAS_NAME, FAAS_TRIGGER, recordFailure } from "./spans.ts";
import type { App, InvocationContext } from "./types.ts";

export type Trigger = "http" | "message" | "in-process";

const SHAPE: Record<Trigger, { kind: SpanKind; verb: string; faasTrigger: string }> = {
  http: { kind: SpanKind.SERVER, verb: "invoke", faasTrigger: "http" },
  message: { kind: SpanKind.CONSUMER, verb: "process", faasTrigger: "pubsub" },
  "in-process": { kind: SpanKind.INTERNAL, verb: "invoke", faasTrigger: "other" },
};

/** What an invocation's `ctx.call` / `ctx.send` go through; `parent` is the invocation's span. */
export interface Calls {
  call(from: string, parent: Context, to: string, payload: unknown): Promise<unknown>;
  send(from: string, parent: Context, to: string, payload: unknown): void;
}

export interface InvokerDeps {
  app: App;
  units: ReadonlySet<string>;
  tracer: Tracer;
  options: RuntimeOptions;
  activity: Activity;
  calls: Calls;
}

export class Invoker {
  /** Per unit, the end of its (simulated) initialisation; absent until its first invocation. */
  private readonly warm = new Map<string, Promise<void>>();
  /** Invocations running now, and when the last one ended (ms, monotonic): the instance's idleness. */
  private running = 0;
  private idleSince = Number.POSITIVE_INFINITY;
  private readonly configs = new Map<string, Readonly<Record<string, unknown>>>();

  constructor(private readonly deps: InvokerDeps) {}

  runsHere(unit: string): boolean {
    return this.deps.units.has(unit);
  }

  invoke(unit: string, input: unknown, parent: Context, trigger: Trigger, attributes: Attributes = {}) {
    return this.deps.activity.track(this.run(unit, input, parent, trigger, attributes));
  }

  private async run(unit: string, input: unknown, parent: Context, trigger: Trigger, attributes: Attributes) {
    const handler = this.deps.app.functions[unit];
    if (!handler || !this.runsHere(unit))
      throw new NanofuseError("NF_CALL_FAILED", `${unit} does not run in this group`);
    const shape = SHAPE[trigger];
    // An instance idle for longer than the keep-alive is reclaimed, as a FaaS platform does; the
    // whole group shares one instance, so any member's invocation keeps all of them warm.
    const keepAlive = this.deps.options.keepAliveMs;
    if (keepAlive > 0 && this.running === 0 && performance.now() - this.idleSince > keepAlive)
      this.warm.clear();
    this.running++;
    // Decided before any await, so concurrent first requests count one cold start; they all wait for it.
    const cold = !this.warm.has(unit);
    if (cold) this.warm.set(unit, sleep(this.deps.options.initMs));
    const span = this.deps.tracer.startSpan(
      `${shape.verb} ${unit}`,
      {
        kind: shape.kind,
        startTime: clock(),
        attributes: {
          [FAAS_NAME]: unit,
          [FAAS_COLDSTART]: cold,
          [FAAS_TRIGGER]: shape.faasTrigger,
          ...attributes,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    try {
      await this.warm.get(unit);
      return await context.with(active, () => handler(input, this.contextFor(unit, active)));
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end(clock());
      if (--this.running === 0) this.idleSince = performance.now();
    }
  }

  private contextFor(unit: string, active: Context): InvocationContext {
    const { calls, options } = this.deps;
    return {
      unit,
      config: this.configOf(unit),
      call: <T>(to: string, payload: unknown) => calls.call(unit, active, to, payload) as Promise<T>,
      send: (to: string, payload: unknown) => calls.send(unit, active, to, payload),
      work: (ms: number) => sleep(ms * options.workFactor),
      payload: (bytes: number) => "x".repeat(Math.max(0, Math.round(bytes * options.payloadFactor))),
    };
  }

  private configOf(unit: string): Readonly<Record<string, unknown>> {
    let config = this.configs.get(unit);
    if (!config) {
      config = Object.freeze({ ...(this.deps.app.config?.[unit] ?? {}) });
      this.configs.set(unit, config);
    }
    return config;
  }
}

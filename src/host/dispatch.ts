/**
 * Where `ctx.call` and `ctx.send` go: in-process when the callee is in this group (no span of the
 * caller's, no network), otherwise over HTTP with W3C trace context, inside a CLIENT (call) or
 * PRODUCER (send) span of the caller's unit, across the simulated network.
 */
import {
  type Attributes,
  type Context,
  propagation,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { NanofuseError } from "../errors.ts";
import type { Activity } from "./activity.ts";
import type { Calls, Trigger } from "./invoke.ts";
import { postJson, sampleDelay, sleep } from "./network.ts";
import type { RuntimeOptions } from "./options.ts";
import {
  clock,
  FAAS_INVOKED_NAME,
  FAAS_NAME,
  MESSAGING_SYSTEM,
  NETWORK_DELAY,
  PEER_SERVICE,
  recordFailure,
} from "./spans.ts";
import { copy, decode, encode, messageOf, type WireError } from "./wire.ts";

/** Where every unit runs: its group, and each group's base URL. */
export interface Routes {
  groupOf: Record<string, string>;
  urls: Record<string, string>;
}

export interface DispatcherDeps {
  tracer: Tracer;
  options: RuntimeOptions;
  activity: Activity;
  isLocal: (unit: string) => boolean;
  /** Runs a unit of this group. */
  local: (unit: string, input: unknown, parent: Context, trigger: Trigger) => Promise<unknown>;
}

/** A send's PRODUCER span, after the OpenTelemetry messaging conventions. */
const sendAttributes = (from: string, to: string): Attributes => ({
  [FAAS_NAME]: from,
  [PEER_SERVICE]: to,
  [FAAS_INVOKED_NAME]: to,
  "messaging.system": MESSAGING_SYSTEM,
  "messaging.operation.type": "send",
  "messaging.destination.name": to,
});

export class Dispatcher implements Calls {
  private routes?: Routes;
  /** Sends that were not delivered; each is also on its PRODUCER span. */
  failedSends = 0;

  constructor(private readonly deps: DispatcherDeps) {}

  setRoutes(routes: Routes): void {
    this.routes = routes;
  }

  /** Async even for an unencodable payload: `ctx.call` rejects, it never throws. */
  async call(from: string, parent: Context, to: string, payload: unknown): Promise<unknown> {
    if (this.deps.isLocal(to)) return this.callLocal(from, parent, to, payload);
    return this.callRemote(from, parent, to, encode(payload));
  }

  send(from: string, parent: Context, to: string, payload: unknown): void {
    try {
      if (this.deps.isLocal(to)) this.sendLocal(from, parent, to, copy(payload));
      else this.sendRemote(from, parent, to, encode(payload));
    } catch {
      // An unencodable payload: the caller of a fire-and-forget send never sees an error.
      this.failedSends++;
    }
  }

  private async callLocal(from: string, parent: Context, to: string, payload: unknown): Promise<unknown> {
    const ms = this.deps.options.callTimeoutMs;
    const run = this.deps.local(to, copy(payload), parent, "in-process").then(copy, (cause) => {
      throw new NanofuseError("NF_CALL_FAILED", `${from} → ${to}: ${messageOf(cause)}`, { cause });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new NanofuseError("NF_CALL_TIMEOUT", `${from} → ${to}: no answer in ${ms} ms`)),
        ms,
      );
    });
    try {
      return await Promise.race([run, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private sendLocal(from: string, parent: Context, to: string, input: unknown): void {
    // An in-process queue: a PRODUCER span here, a CONSUMER span for the callee (as for a remote
    // send), so the analysis sees asynchronous work and keeps it off the critical path. It runs
    // later, as a queue would: the caller goes on first. The error is on the callee's span.
    const span = this.startSpan(SpanKind.PRODUCER, `send ${to}`, parent, sendAttributes(from, to));
    span.end(clock());
    const run = new Promise((resolve) => setImmediate(resolve)).then(() =>
      this.deps.local(to, input, trace.setSpan(parent, span), "message"),
    );
    this.deps.activity.track(run).catch(() => {});
  }

  private urlOf(from: string, to: string, path: "invoke" | "deliver"): string {
    const group = this.routes?.groupOf[to];
    const base = group === undefined ? undefined : this.routes?.urls[group];
    if (base === undefined) throw new NanofuseError("NF_CALL_FAILED", `${from} → ${to}: no such unit`);
    return `${base}/${path}/${encodeURIComponent(to)}`;
  }

  private startSpan(kind: SpanKind, name: string, parent: Context, attributes: Attributes): Span {
    return this.deps.tracer.startSpan(name, { kind, attributes, startTime: clock() }, parent);
  }

  private async callRemote(from: string, parent: Context, to: string, body: string): Promise<unknown> {
    const url = this.urlOf(from, to, "invoke");
    const { host, hostname, port } = new URL(url);
    const delay = sampleDelay(this.deps.options.networkDelayMs, this.deps.options.networkJitterMs);
    const span = this.startSpan(SpanKind.CLIENT, `call ${to}`, parent, {
      [FAAS_NAME]: from,
      [PEER_SERVICE]: to,
      [FAAS_INVOKED_NAME]: to,
      "server.address": hostname,
      "server.port": Number(port),
      "http.request.method": "POST",
      "url.full": url,
      [NETWORK_DELAY]: delay,
    });
    const ms = this.deps.options.callTimeoutMs;
    try {
      const signal = AbortSignal.timeout(ms);
      await sleep(delay / 2);
      const headers: Record<string, string> = {};
      propagation.inject(trace.setSpan(parent, span), headers);
      const answer = await postJson(url, body, headers, signal, `${from} → ${to}`, ms);
      span.setAttribute("http.response.status_code", answer.status);
      await sleep(delay / 2);
      const parsed = parseAnswer(answer.text);
      if (answer.status === 200 && parsed && "result" in parsed) return parsed.result ?? null;
      // A handler's error comes back as a 500 with its message; anything else is worth its status.
      const remote = parsed?.error?.message ?? `unreadable answer from ${host}`;
      const status = answer.status === 500 && parsed?.error ? "" : ` (HTTP ${answer.status})`;
      throw new NanofuseError("NF_CALL_FAILED", `${from} → ${to}: ${remote}${status}`);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end(clock());
    }
  }

  private sendRemote(from: string, parent: Context, to: string, body: string): void {
    const url = this.urlOf(from, to, "deliver");
    const delay = sampleDelay(this.deps.options.networkDelayMs, this.deps.options.networkJitterMs);
    const span = this.startSpan(SpanKind.PRODUCER, `send ${to}`, parent, {
      ...sendAttributes(from, to),
      "server.address": new URL(url).hostname,
      [NETWORK_DELAY]: delay,
    });
    this.deps.activity.track(this.deliver(from, trace.setSpan(parent, span), span, to, url, body, delay));
  }

  /** Delivers a send; never rejects: a failure is counted and recorded on the PRODUCER span. */
  private async deliver(
    from: string,
    active: Context,
    span: Span,
    to: string,
    url: string,
    body: string,
    delay: number,
  ) {
    const ms = this.deps.options.callTimeoutMs;
    try {
      const signal = AbortSignal.timeout(ms);
      await sleep(delay / 2);
      const headers: Record<string, string> = {};
      propagation.inject(active, headers);
      const answer = await postJson(url, body, headers, signal, `${from} → ${to}`, ms);
      await sleep(delay / 2);
      if (answer.status !== 202) {
        const remote = parseAnswer(answer.text)?.error?.message ?? "not accepted";
        throw new NanofuseError("NF_CALL_FAILED", `${from} → ${to}: ${remote} (HTTP ${answer.status})`);
      }
    } catch (error) {
      this.failedSends++;
      recordFailure(span, error);
    } finally {
      span.end(clock());
    }
  }
}

function parseAnswer(text: string): { result?: unknown; error?: WireError } | undefined {
  try {
    const value = decode(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

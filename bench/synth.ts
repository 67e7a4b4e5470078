/**
 * Deterministic synthetic traces of a small nano-service shop, for benchmarks and fixtures until the
 * demo app records real ones. Same seed → same traces → same bytes: a seeded PRNG (xoshiro128**,
 * seeded through splitmix32), no Math.random, no wall clock; times are integer nanoseconds from a
 * fixed base (2024-01-01T00:00:00Z) and traces start 1–6 ms apart.
 *
 * The shop, one request per trace (20–25 spans, fewer when a call fails early):
 *   gateway → auth                                          sequential
 *   gateway → checkout → cart → pricing → tax               sequential chain on the critical path
 *   cart → redis                                            CLIENT with db.system=redis, no server child
 *   checkout ⇉ inventory, shipping, recommendations         parallel, Promise.all-like barrier;
 *                                                            recommendations is often the straggler
 *   checkout → notify                                       PRODUCER → CONSUMER, consumer starts later
 * Every cross-unit call is a CLIENT span in the caller with a SERVER child in the callee; the client
 * is longer than the server by a network delay of 0.5–3 ms. Attribute names follow the OTel semantic
 * conventions (HTTP, database, messaging, code, FaaS). About 1% of spans have an error status (a
 * failing call propagates 5xx up to the gateway), and ~2% of server spans are cold starts
 * (`faas.coldstart=true`, with 80–400 ms of extra init time).
 *
 * Encoders: OTLP/JSON (one ExportTraceServiceRequest per line, as the Collector's file exporter
 * writes with `format: json`) and OTLP protobuf framed as the file exporter writes `format: proto`:
 * each message preceded by its length as a 4-byte big-endian uint32 (opentelemetry-collector-contrib
 * exporter/fileexporter/file_writer.go, `exportMessageAsBuffer`).
 */
import { createWriteStream } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

/** 2024-01-01T00:00:00Z in Unix nanoseconds. */
export const SYNTH_BASE_NS = 1_704_067_200_000_000_000n;

/** OTLP SpanKind numbers. */
export const Kind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export type KindNumber = (typeof Kind)[keyof typeof Kind];

export type SynthValue = string | number | boolean;

export interface SyntheticSpan {
  spanId: string;
  parentSpanId?: string;
  service: string;
  /** Instrumentation scope that made the span. */
  scope: string;
  name: string;
  kind: KindNumber;
  /** Absolute Unix nanoseconds. */
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, SynthValue>;
  status: { code: 0 | 1 | 2; message?: string };
  /** W3C trace flags plus the OTLP "parent is remote" bits. */
  flags: number;
}

export interface SyntheticTrace {
  traceId: string;
  spans: SyntheticSpan[];
}

export interface GenerateOptions {
  traces: number;
  seed: number;
  /** First trace's start, Unix nanoseconds. Default SYNTH_BASE_NS. */
  startNs?: bigint;
}

// ---------------------------------------------------------------------------------------------------
// PRNG: xoshiro128** (Blackman & Vigna), seeded by splitmix32. Math.exp/log/cos in V8 are fdlibm
// ports, so the derived distributions are the same on every platform for a given Node version.

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4_294_967_296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor((hi - lo + 1) * this.next());
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-space sigma. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  hex(bytes: number): string {
    let out = "";
    for (let i = 0; i < bytes; i += 4) out += this.uint32().toString(16).padStart(8, "0");
    return out.slice(0, bytes * 2);
  }

  /** A hex id that is never all zeros (DESIGN.md: all-zero ids are invalid). */
  id(bytes: 8 | 16): string {
    for (;;) {
      const id = this.hex(bytes);
      if (!/^0+$/.test(id)) return id;
    }
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

// ---------------------------------------------------------------------------------------------------
// The shop

/** Resource attributes besides service.name. */
const SERVICES: Record<string, { version: string; region: string }> = {
  gateway: { version: "2.14.0", region: "eu-west-1" },
  auth: { version: "1.9.3", region: "eu-west-1" },
  checkout: { version: "3.2.1", region: "eu-west-1" },
  cart: { version: "1.12.0", region: "eu-west-1" },
  pricing: { version: "0.18.4", region: "eu-west-1" },
  tax: { version: "0.7.2", region: "eu-central-1" },
  inventory: { version: "2.0.5", region: "eu-west-1" },
  shipping: { version: "1.4.0", region: "eu-west-1" },
  recommendations: { version: "5.1.0", region: "eu-west-1" },
  notify: { version: "1.1.7", region: "eu-west-1" },
};

export const SHOP_SERVICES: readonly string[] = Object.keys(SERVICES);

export function resourceOf(service: string): Record<string, SynthValue> {
  const info = SERVICES[service] ?? { version: "0.0.0", region: "eu-west-1" };
  return {
    "service.name": service,
    "service.version": info.version,
    "deployment.environment.name": "production",
    "cloud.region": info.region,
  };
}

const SCOPES: Record<string, string> = {
  "@opentelemetry/instrumentation-http": "0.57.2",
  "@opentelemetry/instrumentation-ioredis": "0.47.0",
  "@opentelemetry/instrumentation-kafkajs": "0.7.1",
  shop: "1.0.0",
};
const HTTP = "@opentelemetry/instrumentation-http";
const REDIS = "@opentelemetry/instrumentation-ioredis";
const KAFKA = "@opentelemetry/instrumentation-kafkajs";
const APP = "shop";

/** Which call fails when a trace has a failure; recommendations failing is tolerated by checkout. */
const FAILURE_TARGETS = ["pricing", "tax", "inventory", "shipping", "recommendations", "cart"] as const;
const P_TRACE_FAILURE = 0.04;
const P_COLD_START = 0.02;
const P_STRAGGLER = 0.3;

const ns = (ms: number) => Math.round(ms * 1e6);

interface CallResult {
  end: number;
  failed: boolean;
}

type Body = (server: Draft, start: number) => CallResult;

/** A span under construction: times are nanosecond offsets from the trace start (small, exact). */
interface Draft {
  span: SyntheticSpan;
  start: number;
  end: number;
}

class TraceBuilder {
  readonly drafts: Draft[] = [];
  readonly failing: string | undefined;
  private readonly ip: string;

  constructor(
    private readonly rng: Rng,
    readonly traceId: string,
  ) {
    this.failing = rng.chance(P_TRACE_FAILURE) ? rng.pick(FAILURE_TARGETS) : undefined;
    this.ip = `10.0.${rng.int(0, 15)}.${rng.int(2, 250)}`;
  }

  add(
    service: string,
    parent: Draft | undefined,
    name: string,
    kind: KindNumber,
    scope: string,
    start: number,
    attributes: Record<string, SynthValue>,
  ): Draft {
    const remote = kind === Kind.SERVER || kind === Kind.CONSUMER;
    const draft: Draft = {
      span: {
        spanId: this.rng.id(8),
        parentSpanId: parent?.span.spanId,
        service,
        scope,
        name,
        kind,
        startNs: 0n,
        endNs: 0n,
        attributes,
        status: { code: 0 },
        // sampled (0x01) + "has is-remote" (0x100) + "is remote" (0x200) for spans continuing a remote parent.
        flags: parent === undefined || remote ? 0x301 : 0x101,
      },
      start,
      end: start,
    };
    this.drafts.push(draft);
    return draft;
  }

  internal(
    service: string,
    parent: Draft,
    name: string,
    start: number,
    durationMs: number,
    extra: Record<string, SynthValue>,
  ): number {
    const fn = name.replace(/\s+(\w)/g, (_, c: string) => c.toUpperCase());
    const d = this.add(service, parent, name, Kind.INTERNAL, APP, start, {
      "code.function.name": fn,
      "code.file.path": `/app/${service}/src/${fn}.js`,
      "code.line.number": 10 + ((fn.length * 7) % 180),
      ...extra,
    });
    d.end = start + ns(durationMs);
    return d.end;
  }

  /** An HTTP call from `parent` (in `caller`) to `callee`; the body runs the server's work. */
  http(
    caller: string,
    parent: Draft,
    callee: string,
    start: number,
    method: string,
    route: string,
    path: string,
    body: Body,
  ): CallResult {
    const rng = this.rng;
    const port = 8080;
    const client = this.add(caller, parent, method, Kind.CLIENT, HTTP, start, {});
    const delay = ns(rng.uniform(0.5, 3));
    const request = Math.round(delay * rng.uniform(0.35, 0.65));
    const server = this.add(callee, client, `${method} ${route}`, Kind.SERVER, HTTP, start + request, {});
    const cold = rng.chance(P_COLD_START);
    const result = body(server, server.start + (cold ? ns(rng.uniform(80, 400)) : 0));
    const failed = result.failed || this.failing === callee;
    const status = failed
      ? this.failing === callee
        ? rng.pick([500, 503])
        : 500
      : method === "POST"
        ? 201
        : 200;
    server.end = result.end;
    client.end = result.end + delay - request;
    server.span.attributes = {
      "http.request.method": method,
      "url.path": path,
      "url.scheme": "http",
      "http.route": route,
      "http.response.status_code": status,
      "server.address": callee,
      "server.port": port,
      "client.address": this.ip,
      ...(cold ? { "faas.coldstart": true } : {}),
      ...(failed ? { "error.type": String(status) } : {}),
    };
    client.span.attributes = {
      "http.request.method": method,
      "url.full": `http://${callee}:${port}${path}`,
      "server.address": callee,
      "server.port": port,
      "http.response.status_code": status,
      "network.protocol.version": "1.1",
      "network.peer.address": `10.1.${callee.length}.${(callee.charCodeAt(0) * 7) % 250}`,
      ...(failed ? { "error.type": String(status) } : {}),
    };
    if (failed) {
      server.span.status = { code: 2 };
      client.span.status = { code: 2, message: `HTTP ${status}` };
    }
    return { end: client.end, failed };
  }

  redis(parent: Draft, start: number, command: string, key: string): number {
    const d = this.add("cart", parent, command, Kind.CLIENT, REDIS, start, {
      "db.system": "redis",
      "db.operation": command,
      "db.statement": `${command} ${key}`,
      "db.redis.database_index": 0,
      "server.address": "redis",
      "server.port": 6379,
      "network.peer.address": "10.1.9.40",
    });
    d.end = start + ns(this.rng.lognormal(0.6, 0.35) + 0.15);
    return d.end;
  }

  finish(t0: bigint): SyntheticTrace {
    const spans = this.drafts.map(({ span, start, end }) => {
      span.startNs = t0 + BigInt(start);
      span.endNs = t0 + BigInt(end);
      return span;
    });
    return { traceId: this.traceId, spans };
  }
}

function buildTrace(rng: Rng, t0: bigint): SyntheticTrace {
  const b = new TraceBuilder(rng, rng.id(16));
  const userId = `u-${rng.int(1000, 99999)}`;
  const cartId = rng.hex(4);
  const orderId = `ord-${rng.hex(5)}`;
  const items = rng.int(1, 6);

  const root = b.add("gateway", undefined, "POST /api/checkout", Kind.SERVER, HTTP, 0, {});
  let t = ns(rng.uniform(0.1, 0.6));

  const auth = b.http(
    "gateway",
    root,
    "auth",
    t,
    "POST",
    "/v1/token/verify",
    "/v1/token/verify",
    (server, s) => {
      let at = s + ns(rng.uniform(0.1, 0.4));
      if (rng.chance(0.5))
        at = b.internal("auth", server, "verify jwt", at, rng.lognormal(0.9, 0.3), {
          "enduser.id": userId,
          "app.jwt.alg": "ES256",
        });
      return { end: at + ns(rng.lognormal(1.5, 0.4)), failed: false };
    },
  );
  t = auth.end + ns(rng.uniform(0.05, 0.3));

  const checkout = b.http(
    "gateway",
    root,
    "checkout",
    t,
    "POST",
    "/v1/checkout",
    "/v1/checkout",
    (server, s) => checkoutBody(b, rng, server, s, { userId, cartId, orderId, items }),
  );
  root.end = checkout.end + ns(rng.uniform(0.1, 0.5));
  const status = checkout.failed ? 502 : 201;
  root.span.attributes = {
    "http.request.method": "POST",
    "url.path": "/api/checkout",
    "url.scheme": "https",
    "http.route": "/api/checkout",
    "http.response.status_code": status,
    "server.address": "shop.example.com",
    "server.port": 443,
    "client.address": `203.0.113.${rng.int(1, 254)}`,
    "user_agent.original": rng.pick(USER_AGENTS),
    ...(checkout.failed ? { "error.type": "502" } : {}),
  };
  if (checkout.failed) root.span.status = { code: 2 };
  return b.finish(t0);
}

const USER_AGENTS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
  "shop-android/4.12.0 (Pixel 8; Android 14)",
];

interface Order {
  userId: string;
  cartId: string;
  orderId: string;
  items: number;
}

function checkoutBody(b: TraceBuilder, rng: Rng, server: Draft, s: number, order: Order): CallResult {
  let t = s + ns(rng.uniform(0.2, 0.8));
  if (rng.chance(0.7)) {
    t = b.internal("checkout", server, "validate order", t, rng.lognormal(0.8, 0.4), {
      "app.order.id": order.orderId,
      "app.order.items": order.items,
    });
  }

  // The sequential chain: cart → (redis) → pricing → tax.
  const cartPath = `/v1/carts/${order.cartId}`;
  const cart = b.http(
    "checkout",
    server,
    "cart",
    t,
    "GET",
    "/v1/carts/:cartId",
    cartPath,
    (cartServer, cs) => {
      let ct = cs + ns(rng.uniform(0.1, 0.5));
      ct = b.redis(cartServer, ct, "GET", `cart:${order.cartId}`) + ns(rng.uniform(0.05, 0.3));
      if (rng.chance(0.3))
        ct = b.redis(cartServer, ct, "HGETALL", `cart:${order.cartId}:items`) + ns(rng.uniform(0.05, 0.3));
      const pricing = b.http(
        "cart",
        cartServer,
        "pricing",
        ct,
        "POST",
        "/v1/quote",
        "/v1/quote",
        (priceServer, ps) => {
          let pt = ps + ns(rng.lognormal(1.2, 0.4));
          if (rng.chance(0.4)) {
            pt = b.internal("pricing", priceServer, "apply promotions", pt, rng.lognormal(1.5, 0.5), {
              "app.promotion.count": rng.int(0, 3),
              "app.currency": "EUR",
            });
          }
          const tax = b.http(
            "pricing",
            priceServer,
            "tax",
            pt,
            "POST",
            "/v1/tax/calculate",
            "/v1/tax/calculate",
            (_tax, ts) => ({
              end: ts + ns(rng.lognormal(4, 0.5)),
              failed: false,
            }),
          );
          return { end: tax.end + ns(rng.lognormal(0.5, 0.3)), failed: tax.failed };
        },
      );
      return { end: pricing.end + ns(rng.uniform(0.2, 1)), failed: pricing.failed };
    },
  );
  t = cart.end + ns(rng.uniform(0.2, 0.6));
  if (cart.failed) return { end: t, failed: true };

  // Fan-out behind a Promise.all barrier: the calls leave one after the other on the event loop.
  const fanOut = [
    b.http("checkout", server, "inventory", t, "POST", "/v1/reservations", "/v1/reservations", (inv, is) => {
      let it = is + ns(rng.lognormal(2, 0.4));
      if (rng.chance(0.3)) {
        it = b.internal("inventory", inv, "reserve stock", it, rng.lognormal(2.5, 0.4), {
          "app.order.id": order.orderId,
          "app.order.items": order.items,
          "app.warehouse": rng.pick(["dub-1", "ams-2"]),
        });
      }
      return { end: it + ns(rng.lognormal(2.5, 0.4)), failed: false };
    }),
    b.http(
      "checkout",
      server,
      "shipping",
      t + ns(rng.uniform(0.05, 0.3)),
      "POST",
      "/v1/shipping/quote",
      "/v1/shipping/quote",
      (_s, ss) => ({
        end: ss + ns(rng.lognormal(9, 0.4)),
        failed: false,
      }),
    ),
    b.http(
      "checkout",
      server,
      "recommendations",
      t + ns(rng.uniform(0.3, 0.6)),
      "GET",
      "/v1/recommendations",
      `/v1/recommendations?user=${order.userId}`,
      (_r, rs) => ({
        end: rs + ns(rng.lognormal(10, 0.5) * (rng.chance(P_STRAGGLER) ? rng.uniform(2, 5) : 1)),
        failed: false,
      }),
    ),
  ];
  t = Math.max(...fanOut.map((r) => r.end)) + ns(rng.uniform(0.1, 0.4));
  if (fanOut[0].failed || fanOut[1].failed) return { end: t, failed: true };

  // Asynchronous notification: the producer returns quickly, the consumer runs later.
  const producer = b.add("checkout", server, "send order-events", Kind.PRODUCER, KAFKA, t, {
    "messaging.system": "kafka",
    "messaging.destination.name": "order-events",
    "messaging.operation.type": "send",
    "messaging.operation.name": "send",
    "messaging.kafka.message.key": order.orderId,
    "server.address": "kafka",
    "server.port": 9092,
  });
  producer.end = t + ns(rng.lognormal(0.8, 0.3));
  const partition = rng.int(0, 5);
  const consumer = b.add(
    "notify",
    producer,
    "process order-events",
    Kind.CONSUMER,
    KAFKA,
    t + ns(rng.lognormal(15, 0.6)),
    {
      "messaging.system": "kafka",
      "messaging.destination.name": "order-events",
      "messaging.operation.type": "process",
      "messaging.consumer.group.name": "notify",
      "messaging.destination.partition.id": String(partition),
      "messaging.kafka.offset": 100_000 + rng.int(0, 900_000),
      "messaging.kafka.message.key": order.orderId,
    },
  );
  consumer.end = consumer.start + ns(rng.lognormal(8, 0.5));
  return { end: producer.end + ns(rng.uniform(0.2, 1)), failed: false };
}

/** Generates `traces` traces, lazily, so a caller can stream millions of them to disk. */
export function* generateTraces(opts: GenerateOptions): Generator<SyntheticTrace> {
  const rng = new Rng(opts.seed);
  let start = opts.startNs ?? SYNTH_BASE_NS;
  for (let i = 0; i < opts.traces; i++) {
    yield buildTrace(rng, start);
    start += BigInt(ns(rng.uniform(1, 6)));
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoders

interface Group {
  service: string;
  scopes: Map<string, SyntheticSpan[]>;
}

/** One ResourceSpans per service, one ScopeSpans per scope, both in order of first appearance. */
function groupSpans(trace: SyntheticTrace): Group[] {
  const groups = new Map<string, Group>();
  for (const span of trace.spans) {
    let group = groups.get(span.service);
    if (!group) {
      group = { service: span.service, scopes: new Map() };
      groups.set(span.service, group);
    }
    const list = group.scopes.get(span.scope);
    if (list) list.push(span);
    else group.scopes.set(span.scope, [span]);
  }
  return [...groups.values()];
}

const jsonValue = (v: SynthValue) =>
  typeof v === "string"
    ? { stringValue: v }
    : typeof v === "boolean"
      ? { boolValue: v }
      : Number.isInteger(v)
        ? { intValue: String(v) }
        : { doubleValue: v };

const jsonAttributes = (attributes: Record<string, SynthValue>) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: jsonValue(value) }));

/** OTLP/JSON mapping: hex ids, nanoseconds as decimal strings, numeric enums, no trailing newline. */
export function toOtlpJsonLine(trace: SyntheticTrace): string {
  const request = {
    resourceSpans: groupSpans(trace).map((group) => ({
      resource: { attributes: jsonAttributes(resourceOf(group.service)) },
      scopeSpans: [...group.scopes].map(([scope, spans]) => ({
        scope: { name: scope, version: SCOPES[scope] },
        spans: spans.map((s) => ({
          traceId: trace.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: String(s.startNs),
          endTimeUnixNano: String(s.endNs),
          attributes: jsonAttributes(s.attributes),
          status: s.status.code === 0 ? {} : s.status,
        })),
      })),
    })),
  };
  return JSON.stringify(request);
}

let exportRequest: protobuf.Type | undefined;

/** The official ExportTraceServiceRequest, from the .proto files shipped in @elastic/mockotlpserver. */
function exportRequestType(): protobuf.Type {
  if (exportRequest) return exportRequest;
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve("@elastic/mockotlpserver/package.json"));
  const root = new protobuf.Root();
  // The .proto imports are written relative to the directory that holds `opentelemetry/`.
  root.resolvePath = (_origin, target) => join(packageDir, target);
  root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto");
  exportRequest = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest");
  return exportRequest;
}

const U32 = 0xffffffffn;
/** uint64 as protobufjs's {low, high}: never through a double (DESIGN.md "Time"). */
const fixed64 = (v: bigint) => ({ low: Number(v & U32), high: Number((v >> 32n) & U32), unsigned: true });

const protoValue = (v: SynthValue) =>
  typeof v === "string"
    ? { stringValue: v }
    : typeof v === "boolean"
      ? { boolValue: v }
      : Number.isInteger(v)
        ? { intValue: v }
        : { doubleValue: v };

const protoAttributes = (attributes: Record<string, SynthValue>) =>
  Object.entries(attributes).map(([key, value]) => ({ key, value: protoValue(value) }));

/** The ExportTraceServiceRequest bytes of one trace, without framing. */
export function toOtlpProto(trace: SyntheticTrace): Uint8Array {
  const traceId = Buffer.from(trace.traceId, "hex");
  const message = {
    resourceSpans: groupSpans(trace).map((group) => ({
      resource: { attributes: protoAttributes(resourceOf(group.service)) },
      scopeSpans: [...group.scopes].map(([scope, spans]) => ({
        scope: { name: scope, version: SCOPES[scope] },
        spans: spans.map((s) => ({
          traceId,
          spanId: Buffer.from(s.spanId, "hex"),
          ...(s.parentSpanId ? { parentSpanId: Buffer.from(s.parentSpanId, "hex") } : {}),
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: fixed64(s.startNs),
          endTimeUnixNano: fixed64(s.endNs),
          attributes: protoAttributes(s.attributes),
          status: s.status,
        })),
      })),
    })),
  };
  return exportRequestType().encode(message).finish();
}

/** One frame as the Collector's file exporter writes `format: proto`: uint32 BE length, then the message. */
export function toOtlpProtoFrame(trace: SyntheticTrace): Buffer {
  const body = toOtlpProto(trace);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, 4);
  return frame;
}

// ---------------------------------------------------------------------------------------------------
// Streaming to disk

export type SynthFormat = "otlp-json" | "otlp-proto";

export interface WriteOptions {
  format: SynthFormat;
  seed: number;
  /** Stop after this many traces... */
  traces?: number;
  /** ...or once at least this many spans are written (whole traces only). */
  spans?: number;
  startNs?: bigint;
}

export interface WriteResult {
  traces: number;
  spans: number;
  bytes: number;
}

/** Encodes one trace in the given format, as it goes into a file (JSON lines end with "\n"). */
export function encodeTrace(trace: SyntheticTrace, format: SynthFormat): Buffer {
  return format === "otlp-json" ? Buffer.from(`${toOtlpJsonLine(trace)}\n`) : toOtlpProtoFrame(trace);
}

/**
 * Streams synthetic traces into `file` without holding them in memory: buffers of ~4 MiB, written
 * with back-pressure.
 */
export async function writeSyntheticFile(file: string, opts: WriteOptions): Promise<WriteResult> {
  if (opts.traces === undefined && opts.spans === undefined) throw new Error("give traces or spans");
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", resolve);
    out.on("error", reject);
  });
  const result: WriteResult = { traces: 0, spans: 0, bytes: 0 };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!out.write(Buffer.concat(pending, pendingBytes)))
      await new Promise<void>((r) => out.once("drain", () => r()));
    pending = [];
    pendingBytes = 0;
  };
  for (const trace of generateTraces({
    traces: opts.traces ?? Number.POSITIVE_INFINITY,
    seed: opts.seed,
    startNs: opts.startNs,
  })) {
    const bytes = encodeTrace(trace, opts.format);
    pending.push(bytes);
    pendingBytes += bytes.length;
    result.traces++;
    result.spans += trace.spans.length;
    result.bytes += bytes.length;
    if (pendingBytes >= 4 << 20) await flush();
    if (opts.spans !== undefined && result.spans >= opts.spans) break;
  }
  if (pendingBytes) await flush();
  out.end();
  await done;
  return result;
}

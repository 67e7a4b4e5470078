/**
 * Seeded random OTLP trace requests, encoded with protobufjs, for the decoder tests and the
 * throughput script. "wild" requests use every field and AnyValue member, odd ids and times;
 * "realistic" ones look like an SDK's export (5–10 span attributes, a 2–4 attribute resource).
 */
import { Readable } from "node:stream";
import type { Problem } from "../../errors.ts";
import type { Span } from "../../model/span.ts";
import { seededRandom } from "../../random.ts";
import type { SpanSink } from "../decoder.ts";
import { otlpTypes } from "./otlp-proto-reference.ts";

/** Seeded, so a failing case can be replayed. */
export const rng = seededRandom;

type Random = () => number;
type Json = Record<string, unknown>;

const int = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, list: readonly T[]): T => list[int(random, list.length)];
const bytes = (random: Random, n: number) => Buffer.from(Array.from({ length: n }, () => int(random, 256)));

/** 2025-01-01T00:00:00Z in nanoseconds. */
const BASE_NS = 1_735_689_600_000_000_000n;

const STRINGS = ["", "GET", "/api/v1/orders/{id}", "ünïcödé", "emoji 🚀 ok", "x".repeat(70), "0", "false"];
const INTS = ["0", "1", "-1", "200", "9007199254740993", "-9223372036854775808", "18446744073709551615"];
const DOUBLES = [0, -0, 1.5, -2.25e-300, 1e308, Number.NaN, Number.POSITIVE_INFINITY];

function wildValue(random: Random, depth: number): Json {
  switch (int(random, depth > 2 ? 5 : 7)) {
    case 0:
      return { stringValue: pick(random, STRINGS) };
    case 1:
      return { boolValue: random() < 0.5 };
    case 2:
      return { intValue: pick(random, INTS) };
    case 3:
      return { doubleValue: pick(random, DOUBLES) };
    case 4:
      return { bytesValue: bytes(random, int(random, 5)) };
    case 5:
      return {
        arrayValue: { values: Array.from({ length: int(random, 4) }, () => wildValue(random, depth + 1)) },
      };
    default:
      return { kvlistValue: { values: wildAttributes(random, int(random, 3), depth + 1) } };
  }
}

function wildAttributes(random: Random, n: number, depth = 0): Json[] {
  const keys = ["http.method", "faas.name", "n", "", "k", "peer.service", "ключ"];
  // Sometimes no value at all, or an empty AnyValue: both decode to null.
  return Array.from({ length: n }, () => {
    const key = pick(random, keys);
    const roll = random();
    return roll < 0.05 ? { key } : roll < 0.1 ? { key, value: {} } : { key, value: wildValue(random, depth) };
  });
}

function wildId(random: Random, n: number): Buffer {
  const roll = random();
  if (roll < 0.03) return Buffer.alloc(n);
  if (roll < 0.06) return bytes(random, pick(random, [0, n - 1, n + 1, 11]));
  return bytes(random, n);
}

function wildSpan(random: Random): Json {
  const start = BASE_NS + BigInt(int(random, 86_400_000)) * 1_000_000n + BigInt(int(random, 1_000_000));
  const roll = random();
  const end = roll < 0.03 ? start - 5000n : start + BigInt(int(random, 3_000_000_000));
  return {
    traceId: wildId(random, 16),
    spanId: wildId(random, 8),
    parentSpanId: pick(random, [Buffer.alloc(0), Buffer.alloc(8), wildId(random, 8)]),
    traceState: random() < 0.2 ? "rojo=00f067aa0ba902b7" : "",
    name: pick(random, STRINGS),
    kind: pick(random, [0, 1, 2, 3, 4, 5, 5, 9, -1]),
    startTimeUnixNano: (roll > 0.98 ? 0n : start).toString(),
    endTimeUnixNano: end.toString(),
    attributes: wildAttributes(random, int(random, 8)),
    droppedAttributesCount: int(random, 3),
    events: Array.from({ length: int(random, 3) }, () => ({
      timeUnixNano: start.toString(),
      name: "exception",
      attributes: wildAttributes(random, 2),
    })),
    links: Array.from({ length: int(random, 3) }, () => ({
      traceId: wildId(random, 16),
      spanId: wildId(random, 8),
      attributes: wildAttributes(random, 1),
      flags: 1,
    })),
    status: pick(random, [
      undefined,
      { code: 0 },
      { code: 1 },
      { code: 2, message: "boom" },
      { message: "m" },
    ]),
    flags: 0x301,
  };
}

function resourceAttributes(random: Random, service: string): Json[] {
  const roll = random();
  const attributes = [
    { key: "service.name", value: { stringValue: service } },
    { key: "telemetry.sdk.language", value: { stringValue: "nodejs" } },
  ];
  if (roll < 0.2) attributes.push({ key: "faas.name", value: { stringValue: `${service}-fn` } });
  if (roll > 0.9) attributes.shift();
  return attributes;
}

/** Every field and every AnyValue member, odd ids, times and kinds, several resources and scopes. */
export function wildRequest(random: Random, spansPerScope = 4): Json {
  return {
    resourceSpans: Array.from({ length: 1 + int(random, 3) }, (_, r) => ({
      resource: {
        attributes: resourceAttributes(random, `svc-${r}`),
        droppedAttributesCount: int(random, 2),
      },
      scopeSpans: Array.from({ length: 1 + int(random, 3) }, () => ({
        scope: {
          name: "@opentelemetry/instrumentation-http",
          version: "0.57.0",
          attributes: wildAttributes(random, 1),
        },
        spans: Array.from({ length: int(random, spansPerScope + 1) }, () => wildSpan(random)),
        schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
      })),
      schemaUrl: random() < 0.5 ? "https://opentelemetry.io/schemas/1.26.0" : "",
    })),
  };
}

const ROUTES = ["/api/orders/{id}", "/api/cart", "/health", "/api/users/{id}/profile"];

function realisticSpan(random: Random, traceId: Buffer, parent: Buffer): Json {
  const start = BASE_NS + BigInt(int(random, 86_400_000)) * 1_000_000n + BigInt(int(random, 1_000_000));
  const string = (key: string, value: string): Json => ({ key, value: { stringValue: value } });
  const method = pick(random, ["GET", "POST", "PUT"]);
  const route = pick(random, ROUTES);
  const attributes = [
    string("http.request.method", method),
    string("http.route", route),
    { key: "http.response.status_code", value: { intValue: pick(random, [200, 200, 201, 404, 500]) } },
    string("server.address", "orders.internal.example.com"),
    { key: "server.port", value: { intValue: 8080 } },
    string("url.scheme", "https"),
    string("network.protocol.version", "1.1"),
  ].slice(0, 5 + int(random, 3));
  if (random() < 0.5)
    attributes.push(string("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) node-fetch/3"));
  if (random() < 0.3)
    attributes.push({ key: "http.request.body.size", value: { intValue: int(random, 100_000) } });
  return {
    traceId,
    spanId: bytes(random, 8),
    parentSpanId: parent,
    name: `${method} ${route}`,
    kind: pick(random, [1, 2, 3]),
    startTimeUnixNano: start.toString(),
    endTimeUnixNano: (start + BigInt(int(random, 500_000_000))).toString(),
    attributes,
    status: random() < 0.1 ? { code: 2, message: "Internal Server Error" } : {},
  };
}

/** What an SDK batch looks like: one resource per service, one scope, spans of a few traces. */
export function realisticRequest(random: Random, spans: number, services = 4): Json {
  return {
    resourceSpans: Array.from({ length: services }, (_, r) => ({
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: `service-${r}` } },
          { key: "service.version", value: { stringValue: "1.4.2" } },
          { key: "host.name", value: { stringValue: `ip-10-0-${r}-17` } },
        ].slice(0, 2 + (r % 2)),
      },
      scopeSpans: [
        {
          scope: { name: "@opentelemetry/instrumentation-http", version: "0.57.0" },
          spans: Array.from({ length: Math.ceil(spans / services) }, () =>
            realisticSpan(random, bytes(random, 16), random() < 0.2 ? Buffer.alloc(0) : bytes(random, 8)),
          ),
        },
      ],
    })),
  };
}

export function encodeRequest(request: Json): Buffer {
  const type = otlpTypes().ExportTraceServiceRequest;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

/** The collector file exporter's framing: a 4-byte big-endian length before each message. */
export function frame(messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.flatMap((m) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(m.length);
      return [length, m];
    }),
  );
}

/** A stream of `data` in chunks of `chunk` bytes, to exercise records that straddle chunks. */
export function chunked(data: Buffer, chunk = data.length || 1): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  return Readable.from(parts);
}

export function collector(): SpanSink & { spans: Span[]; problems: Problem[] } {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  return { spans, problems, span: (s) => spans.push(s), problem: (p) => problems.push(p) };
}

/**
 * Shared normalisation for every decoder: ids to lowercase hex, times to integer microseconds, the
 * unit from the resource, and the validation rules of DESIGN.md ("Data contracts").
 */
import { type ErrorCode, type Location, type Problem, problem } from "../errors.ts";
import { type Attributes, type Span, type SpanKind, UNKNOWN_UNIT } from "../model/span.ts";

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const ZERO = /^0+$/;

/** Earliest and latest start accepted (1971-01-01, 2200-01-01) and the longest span (7 days). */
export const MIN_START_US = 31_536_000_000_000;
export const MAX_START_US = 7_258_118_400_000_000;
export const MAX_DURATION_US = 7 * 24 * 3600 * 1_000_000;

const LOWER_HEX = /^[0-9a-f]+$/;
const ZERO_IDS = ["0".repeat(16), "0".repeat(32)];

/** The common case of every OTLP JSON id: already lowercase hex of the right length. */
export function plainHexId(raw: unknown, bytes: 8 | 16): string | undefined {
  return typeof raw === "string" && raw.length === bytes * 2 && LOWER_HEX.test(raw) && !ZERO_IDS.includes(raw)
    ? raw
    : undefined;
}

export type IdResult = { id: string } | { code: ErrorCode; detail: string };

/**
 * Normalises a trace id (16 bytes) or span id (8 bytes) given as hex or base64 (Tempo and Jaeger's
 * protobuf-JSON use base64). Hex of 1 to 32 digits (trace) or 1 to 16 (span) is left-padded with
 * zeros: a 64-bit trace id (Zipkin, B3, Jaeger) and the ids that Jaeger before 1.16 printed with `%x`
 * (leading zeros dropped, so one id in 16 has 15 digits) name the same number as the padded form.
 */
export function normaliseId(raw: unknown, bytes: 8 | 16, what: string): IdResult {
  if (typeof raw !== "string" || raw.length === 0)
    return { code: "NF_SPAN_BAD_ID", detail: `${what} is missing` };
  let hex: string | undefined;
  if (HEX.test(raw)) {
    // All hex digits means hex, never base64, whatever the length.
    if (raw.length <= bytes * 2) hex = raw.toLowerCase();
  } else if (BASE64.test(raw) && [11, 12, 22, 24].includes(raw.length)) {
    const buf = Buffer.from(raw, raw.includes("-") || raw.includes("_") ? "base64url" : "base64");
    if (buf.length === bytes || (bytes === 16 && buf.length === 8)) hex = buf.toString("hex");
  }
  if (hex === undefined) {
    return {
      code: "NF_SPAN_BAD_ID",
      detail: `${what} has ${raw.length} characters, expected 1 to ${bytes * 2} hex digits or base64`,
    };
  }
  if (ZERO.test(hex)) return { code: "NF_SPAN_ZERO_ID", detail: `${what} is all zeros` };
  return { id: hex.padStart(bytes * 2, "0") };
}

/**
 * Normalises an id of a format whose ids are hex only (Zipkin, Jaeger UI JSON): a string of 11 or 22
 * hex digits must not pass as base64 there.
 */
export function normaliseHexId(raw: unknown, bytes: 8 | 16, what: string): IdResult {
  if (typeof raw === "string" && raw !== "" && !(HEX.test(raw) && raw.length <= bytes * 2)) {
    return {
      code: "NF_SPAN_BAD_ID",
      detail: `${what} has ${raw.length} characters, expected 1 to ${bytes * 2} hex digits`,
    };
  }
  return normaliseId(raw, bytes, what);
}

/** A parent id that is empty or all zeros means "no parent" in every format we read. */
export function isNoParent(raw: unknown): boolean {
  if (raw === undefined || raw === null || raw === "") return true;
  if (typeof raw !== "string") return false;
  if (ZERO.test(raw)) return true;
  // base64 of zero bytes is all "A"s.
  return /^A+={0,2}$/.test(raw) && (raw.length === 12 || raw.length === 11);
}

/**
 * Unix nanoseconds as a decimal string (OTLP JSON) to integer microseconds, without ever holding the
 * nanoseconds in a double. Returns NaN when the string is not a non-negative integer. A JSON number
 * (proto3 JSON allows one) normally arrives here as text (nanos-json.ts); one that was parsed to a
 * double anyway was rounded to within 128 ns, so its microseconds may be 1 µs off: taken exactly
 * from the double through BigInt, never through a float division.
 */
export function nanosStringToMicros(ns: unknown): number {
  if (typeof ns === "number") {
    if (!Number.isInteger(ns) || ns < 0) return Number.NaN;
    return Number.isSafeInteger(ns) ? Math.floor(ns / 1000) : Number(BigInt(ns) / 1000n);
  }
  if (typeof ns !== "string" || !/^\d{1,20}$/.test(ns)) return Number.NaN;
  return ns.length <= 3 ? 0 : Number(ns.slice(0, -3));
}

/**
 * A uint64 of Unix nanoseconds split in 32-bit halves (protobuf fixed64) to integer microseconds,
 * exactly: hi·2^32 = 1000·(hi·4294967) + hi·296, and both products stay below 2^53.
 */
export function nanosHiLoToMicros(hi: number, lo: number): number {
  const h = hi >>> 0;
  return h * 4_294_967 + Math.floor((h * 296 + (lo >>> 0)) / 1000);
}

export const KIND_BY_NUMBER: readonly SpanKind[] = [
  "unspecified",
  "internal",
  "server",
  "client",
  "producer",
  "consumer",
];

/** Maps OTLP numeric kinds, `SPAN_KIND_*` names and Zipkin/Jaeger names to a SpanKind. */
export function normaliseKind(raw: unknown): SpanKind | undefined {
  if (raw === undefined || raw === null || raw === "" || raw === 0) return "unspecified";
  if (typeof raw === "number") return KIND_BY_NUMBER[raw];
  if (typeof raw !== "string") return undefined;
  const name = raw.toLowerCase().replace(/^span_kind_/, "");
  return (KIND_BY_NUMBER as readonly string[]).includes(name) ? (name as SpanKind) : undefined;
}

/** The deployable unit of a span: `faas.name`, else `service.name`, else `unknown_service` (as OTel). */
export function unitOf(resource: Attributes, attributes?: Attributes): string | undefined {
  const faas = resource["faas.name"] ?? attributes?.["faas.name"];
  if (typeof faas === "string" && faas) return faas;
  const service = resource["service.name"];
  if (typeof service === "string" && service) return service;
  return undefined;
}

/** ES2024 string methods (Node 20 has them; the project's TypeScript lib is older). */
const WELL_FORMED = String.prototype as unknown as {
  isWellFormed: (this: string) => boolean;
  toWellFormed: (this: string) => string;
};

export interface SpanDraft extends Omit<Span, "unit" | "kind"> {
  /** The raw kind as found in the input, normalised here. */
  rawKind: unknown;
}

/** A location, or a function that makes it: building one per span costs more than decoding it. */
export type Where = Location | (() => Location);
const locate = (where: Where): Location => (typeof where === "function" ? where() : where);

/**
 * Validates a decoded span, fixes what can be fixed (warn) and returns the span or the reason it is
 * rejected. Every problem goes to `report` with its location. Builds the span in one allocation: this
 * runs once per span on the hot path.
 */
export function finishSpan(draft: SpanDraft, where: Where, report: (p: Problem) => void): Span | undefined {
  const { startUs, endUs } = draft;
  if (
    !Number.isFinite(startUs) ||
    !Number.isFinite(endUs) ||
    startUs < MIN_START_US ||
    startUs >= MAX_START_US
  ) {
    report(problem("NF_SPAN_BAD_TIMESTAMP", `start ${startUs} µs is outside 1971–2200`, locate(where)));
    return undefined;
  }
  if (endUs < startUs) {
    report(problem("NF_SPAN_END_BEFORE_START", `ends ${startUs - endUs} µs before it starts`, locate(where)));
    return undefined;
  }
  if (endUs - startUs > MAX_DURATION_US) {
    report(
      problem("NF_SPAN_BAD_TIMESTAMP", `duration ${endUs - startUs} µs is longer than 7 days`, locate(where)),
    );
    return undefined;
  }
  let kind = normaliseKind(draft.rawKind);
  if (kind === undefined) {
    report(problem("NF_SPAN_UNKNOWN_KIND", `kind ${JSON.stringify(draft.rawKind)}`, locate(where)));
    kind = "unspecified";
  }
  let unit = unitOf(draft.resource, draft.attributes);
  if (unit === undefined) {
    report(problem("NF_SPAN_MISSING_SERVICE", undefined, locate(where)));
    unit = UNKNOWN_UNIT;
  }
  let name = draft.name;
  const { isWellFormed, toWellFormed } = WELL_FORMED;
  // Names are keys of the report and of the store: lone surrogates (valid in JSON text, not in
  // UTF-8) become U+FFFD, as invalid UTF-8 bytes already did when the file was decoded.
  if (
    !isWellFormed.call(name) ||
    !isWellFormed.call(unit) ||
    name.includes("\uFFFD") ||
    unit.includes("\uFFFD")
  ) {
    const fixed = !isWellFormed.call(name) || !isWellFormed.call(unit);
    name = toWellFormed.call(name);
    unit = toWellFormed.call(unit);
    const what = `${JSON.stringify(unit)} / ${JSON.stringify(name)}`;
    report(
      problem("NF_SPAN_BAD_TEXT", `${fixed ? "lone surrogates" : "invalid UTF-8"} in ${what}`, locate(where)),
    );
  }
  return {
    traceId: draft.traceId,
    spanId: draft.spanId,
    parentSpanId: draft.parentSpanId,
    name,
    kind,
    startUs,
    endUs,
    unit,
    status: draft.status,
    attributes: draft.attributes,
    resource: draft.resource,
    links: draft.links,
  };
}

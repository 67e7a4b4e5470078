/**
 * What the trace buffer keeps of a span: only the attributes some analysis reads, with names and
 * kept values cut to a length that cannot hold memory hostage (issue 17.7: 150 spans with a 10 MB
 * attribute reached 2.48 GB). Everything downstream of assembly (hops, cold starts, plan data,
 * stitching) reads only these keys; the decoders have already taken the unit from `faas.name` /
 * `service.name`. Adding an analysis that reads another attribute means adding its key here.
 */
import type { Attributes, AttributeValue, Span } from "../model/span.ts";

/** Span attributes read after assembly: hops.ts (virtual units), cold-start.ts. */
export const READ_SPAN_ATTRIBUTES: readonly string[] = [
  "peer.service",
  "server.address",
  "net.peer.name",
  "db.system",
  "messaging.system",
  "faas.coldstart",
  "faas.name",
];

/** Resource attributes read after assembly: cold-start.ts, plan-data.ts (process of a unit). */
export const READ_RESOURCE_ATTRIBUTES: readonly string[] = [
  "faas.coldstart",
  "faas.name",
  "service.name",
  "nanofuse.group",
  "nanofuse.variant",
];

/**
 * nanofuse's own attributes (`nanofuse.*`, set by `nanofuse host`: request ids, injected delay,
 * variant) are kept too: few and short, and what its tests and users read of a hosted recording.
 */
const OWN_PREFIX = "nanofuse.";
const isKept = (key: string, keys: readonly string[], extra: string | undefined) =>
  keys.includes(key) || key === extra || key.startsWith(OWN_PREFIX);

/** Longest span name or kept string value, in UTF-16 units. */
export const MAX_KEPT_STRING = 1024;

/** A copy that holds no reference to the (possibly huge) string it was cut from. */
function cut(value: string): string {
  return value.length <= MAX_KEPT_STRING ? value : Buffer.from(value.slice(0, MAX_KEPT_STRING)).toString();
}

function keptValue(value: AttributeValue): AttributeValue {
  if (typeof value === "string") return cut(value);
  // Arrays are read by nothing after assembly; keep scalars whole, arrays only when short.
  if (Array.isArray(value))
    return value.length <= 16 ? value.map(keptValue) : value.slice(0, 16).map(keptValue);
  return value;
}

/** The read keys of `from`, or `from` itself when it holds nothing else (the common case: no copy). */
function project(from: Attributes, keys: readonly string[], extra: string | undefined): Attributes {
  let other = false;
  for (const key in from) {
    if (!isKept(key, keys, extra)) {
      other = true;
      break;
    }
    const value = from[key];
    if ((typeof value === "string" && value.length > MAX_KEPT_STRING) || Array.isArray(value)) {
      other = true;
      break;
    }
  }
  if (!other) return from;
  const out: Attributes = Object.create(null);
  for (const key in from) if (isKept(key, keys, extra)) out[key] = keptValue(from[key]);
  return out;
}

/**
 * Slims spans for the buffer. Resources are shared by the spans of a batch (decoders cache them), so
 * their slimmed copies are cached by identity too, and sharing survives.
 */
export class SpanSlimmer {
  private readonly resources = new WeakMap<Attributes, Attributes>();

  /** @param extraKey the correlation attribute, when stitching reads one */
  constructor(private readonly extraKey?: string) {}

  slim(span: Span): Span {
    const attributes = project(span.attributes, READ_SPAN_ATTRIBUTES, this.extraKey);
    let resource = this.resources.get(span.resource);
    if (!resource) {
      resource = project(span.resource, READ_RESOURCE_ATTRIBUTES, this.extraKey);
      this.resources.set(span.resource, resource);
    }
    const name = cut(span.name);
    if (attributes === span.attributes && resource === span.resource && name === span.name) return span;
    return { ...span, name, attributes, resource };
  }
}

/** Rough bytes a buffered span holds: the object and its strings (UTF-16), resources not counted (shared). */
export function spanBytes(span: Span): number {
  let bytes = 320 + 2 * span.name.length;
  for (const key in span.attributes) {
    const value = span.attributes[key];
    bytes += 48 + 2 * key.length + (typeof value === "string" ? 2 * value.length : 16);
  }
  return bytes;
}

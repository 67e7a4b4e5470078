/**
 * Zipkin's B3 "shared span" model gives the client and server halves of one RPC the same span id
 * (the server half has `shared: true`). To see the call as a hop we give the CLIENT half a new id
 * derived from the old one and hang the SERVER half under it; children that name the shared id stay
 * under the server, where the work happened. (Jaeger's SpanIDDeduper re-ids the server instead, which
 * leaves the server's children under the client, in the wrong unit for hop detection.)
 */
import { isCallee, isCaller, type Span } from "../model/span.ts";

/**
 * FNV-1a 64-bit of the id plus a marker: deterministic, so replays give the same ids. Computed on two
 * 32-bit halves (the prime is 2^40 + 0x1b3, so h·p = h·0x1b3 + h<<40), exactly as 64-bit BigInt
 * arithmetic would and some 20× faster, which matters when 100,000 records share one id.
 */
export function derivedSpanId(spanId: string, marker = "client"): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const text = `${spanId}/${marker}`;
  for (let i = 0; i < text.length; i++) {
    lo = (lo ^ text.charCodeAt(i)) >>> 0;
    const low = lo * 0x1b3; // < 2^41: exact in a double
    const carry = Math.floor(low / 0x100000000);
    hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % 0x100000000;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}

export interface SharedResult {
  spans: Span[];
  /** Shared client/server pairs split apart. */
  shared: number;
  /** Further records with an id already taken (e.g. one client and several server halves): re-id'd, kept. */
  conflicts: number;
}

/**
 * Resolves repeated span ids. Spans must be sorted (start, span id); returned as they are when no
 * id repeats, otherwise copied (the input is never mutated). The
 * first CLIENT/PRODUCER record of an id is re-id'd; the first other record keeps the id (so the
 * children that name it stay under it); any further record gets an id of its own, under the client.
 */
export function resolveSharedSpans(spans: Span[], repeatedIds?: boolean): SharedResult {
  if (repeatedIds === false) return { spans, shared: 0, conflicts: 0 };
  const ids = new Set<string>();
  for (const span of spans) ids.add(span.spanId);
  if (ids.size === spans.length) return { spans, shared: 0, conflicts: 0 };
  const byId = new Map<string, Span[]>();
  for (const span of spans) {
    const list = byId.get(span.spanId);
    if (list) list.push(span);
    else byId.set(span.spanId, [span]);
  }
  const out: Span[] = [];
  let shared = 0;
  let conflicts = 0;
  for (const [spanId, list] of byId) {
    if (list.length === 1) {
      out.push(list[0]);
      continue;
    }
    const client = list.find((s) => isCaller(s.kind));
    const clientId = client ? derivedSpanId(spanId) : undefined;
    if (client) out.push({ ...client, spanId: clientId as string });
    const rest = list.filter((s) => s !== client);
    const keeper = rest.find((s) => isCallee(s.kind)) ?? rest[0];
    if (client && isCallee(keeper.kind)) shared++;
    let n = 0;
    for (const span of rest) {
      const parentSpanId = clientId ?? span.parentSpanId;
      if (span === keeper) out.push({ ...span, parentSpanId });
      else {
        conflicts++;
        out.push({ ...span, spanId: derivedSpanId(spanId, `repeat-${++n}`), parentSpanId });
      }
    }
  }
  out.sort((a, b) => a.startUs - b.startUs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0));
  return { spans: out, shared, conflicts };
}

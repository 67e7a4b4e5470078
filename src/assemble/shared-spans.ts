/**
 * Zipkin's B3 "shared span" model gives the client and server halves of one RPC the same span id
 * (the server half has `shared: true`). To see the call as a hop we give the CLIENT half a new id
 * derived from the old one and hang the SERVER half under it; children that name the shared id stay
 * under the server, where the work happened. (Jaeger's SpanIDDeduper re-ids the server instead, which
 * leaves the server's children under the client, in the wrong unit for hop detection.)
 */
import { isCallee, isCaller, type Span } from "../model/span.ts";

/** FNV-1a 64-bit of the id plus a marker: deterministic, so replays give the same ids. */
export function derivedSpanId(spanId: string, marker = "client"): string {
  let hash = 0xcbf29ce484222325n;
  for (const char of `${spanId}/${marker}`) {
    hash ^= BigInt(char.charCodeAt(0));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
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

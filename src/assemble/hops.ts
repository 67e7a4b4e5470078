/**
 * Hop extraction (DESIGN.md "Data contracts" → Hop). A hop is a call that crosses units:
 * - exact: a CLIENT/PRODUCER span in unit A with a SERVER/CONSUMER child in unit B ≠ A;
 * - inferred: a parent → child pair that crosses units where either span has no kind, as exports
 *   without span kinds require (opentelemetry-collector-contrib issue 44308), or where the child is a
 *   SERVER/CONSUMER under an uninstrumented client; the parent plays the client, and its network time
 *   is exact only when the child is the parent's only child, otherwise an upper bound (estimated);
 * - not a hop: a child with a kind other than SERVER/CONSUMER under a parent with a kind, in another
 *   unit: an in-process call between functions deployed together (e.g. INTERNAL → INTERNAL);
 * - virtual: a CLIENT/PRODUCER span with no callee child, to a unit named from `peer.service`, then
 *   `server.address`, then `db.system` (then `messaging.system` for producers).
 * Sync network time = caller duration − callee duration; async (a CONSUMER callee) = consumer start −
 * producer start. Negative values are clock skew: counted in `skewUs`, never subtracted.
 */
import type { CallNode, CallTree, Hop } from "../model/call-tree.ts";
import { isCallee, isCaller, type Span } from "../model/span.ts";

const PEER_ATTRIBUTES = ["peer.service", "server.address", "net.peer.name", "db.system", "messaging.system"];

function virtualUnit(span: Span): string | undefined {
  for (const key of PEER_ATTRIBUTES) {
    const value = span.attributes[key];
    if (typeof value === "string" && value) return value;
  }
  return undefined;
}

function hopBetween(parent: CallNode, child: CallNode): Hop {
  const p = parent.span;
  const c = child.span;
  const exact = isCaller(p.kind) && isCallee(c.kind);
  const mode = c.kind === "consumer" || p.kind === "producer" ? "async" : "sync";
  const raw = mode === "async" ? c.startUs - p.startUs : p.endUs - p.startUs - (c.endUs - c.startUs);
  const outside = Math.max(0, p.startUs - c.startUs) + (mode === "sync" ? Math.max(0, c.endUs - p.endUs) : 0);
  return {
    from: p.unit,
    to: c.unit,
    clientSpanId: p.spanId,
    serverSpanId: c.spanId,
    mode,
    networkUs: Math.max(0, raw),
    skewUs: Math.max(outside, -raw),
    estimated: !exact && parent.children.length > 1,
    virtual: false,
    error: p.status === "error" || c.status === "error",
  };
}

function virtualHop(node: CallNode): Hop | undefined {
  const p = node.span;
  const to = virtualUnit(p);
  if (to === undefined || to === p.unit) return undefined;
  const mode = p.kind === "producer" ? "async" : "sync";
  return {
    from: p.unit,
    to,
    clientSpanId: p.spanId,
    mode,
    networkUs: mode === "async" ? 0 : p.endUs - p.startUs,
    skewUs: 0,
    estimated: true,
    virtual: true,
    error: p.status === "error",
  };
}

function crossesNetwork(parent: CallNode, child: CallNode): boolean {
  const p = parent.span;
  const c = child.span;
  return p.unit !== c.unit && (isCallee(c.kind) || c.kind === "unspecified" || p.kind === "unspecified");
}

export function extractHops(nodes: CallTree["nodes"]): Hop[] {
  const hops: Hop[] = [];
  for (const node of nodes.values()) {
    let called = false;
    for (const child of node.children) {
      if (isCallee(child.span.kind) || child.span.unit !== node.span.unit) called = true;
      if (crossesNetwork(node, child)) hops.push(hopBetween(node, child));
    }
    if (!called && isCaller(node.span.kind)) {
      const hop = virtualHop(node);
      if (hop) hops.push(hop);
    }
  }
  return hops.sort(
    (a, b) =>
      cmp(a.clientSpanId, b.clientSpanId) ||
      cmp(a.serverSpanId ?? "", b.serverSpanId ?? "") ||
      cmp(a.to, b.to),
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

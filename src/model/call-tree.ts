import type { Span } from "./span.ts";
import type { Trace } from "./trace.ts";

export interface CallNode {
  span: Span;
  parent?: CallNode;
  /** Sorted by start time, then span id. */
  children: CallNode[];
}

/**
 * A network call between two units. `networkUs` is client time minus server time (never below zero);
 * for an asynchronous hop it is the delay from the producer's start to the consumer's start.
 */
export interface Hop {
  from: string;
  to: string;
  /** The calling span (CLIENT, PRODUCER, or the parent when the export has no span kinds). */
  clientSpanId: string;
  /** The called span; absent for a hop to a virtual (uninstrumented) unit. */
  serverSpanId?: string;
  mode: "sync" | "async";
  networkUs: number;
  /** How far the server span sticks out of its client: counted as clock skew, not as negative time. */
  skewUs: number;
  /** Inferred without span kinds and the parent had other children: network time is an upper bound. */
  estimated: boolean;
  /** The callee is not instrumented; its unit is named from peer.service, server.address or db.system. */
  virtual: boolean;
  error: boolean;
}

export interface CallTree {
  trace: Trace;
  /** Spans without a parent id, sorted by start then span id. */
  roots: CallNode[];
  /** Spans whose parent is not in the trace; each heads its own subtree. */
  orphans: CallNode[];
  nodes: Map<string, CallNode>;
  /** Sorted by client span id, then server span id. */
  hops: Hop[];
}

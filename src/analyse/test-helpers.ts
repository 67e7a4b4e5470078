/**
 * Helpers for the analyse tests: spans from a few fields, and call-tree nodes linked as the call-tree
 * contract says (children sorted by start, then span id). Not used by production code.
 */
import type { CallNode } from "../model/call-tree.ts";
import type { Span, SpanKind } from "../model/span.ts";

export interface TestSpanFields {
  spanId: string;
  parentSpanId?: string;
  startUs: number;
  endUs: number;
  kind?: SpanKind;
  unit?: string;
  name?: string;
}

export function testSpan(fields: TestSpanFields): Span {
  const span: Span = {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: fields.spanId,
    name: fields.name ?? `op-${fields.spanId}`,
    kind: fields.kind ?? "internal",
    startUs: fields.startUs,
    endUs: fields.endUs,
    unit: fields.unit ?? "svc",
    status: "unset",
    attributes: {},
    resource: {},
  };
  if (fields.parentSpanId !== undefined) span.parentSpanId = fields.parentSpanId;
  return span;
}

export interface TestNodes {
  /** Spans without a parent, or whose parent is missing, sorted by start then span id. */
  roots: CallNode[];
  nodes: Map<string, CallNode>;
}

export function compareByStartThenId(a: CallNode, b: CallNode): number {
  if (a.span.startUs !== b.span.startUs) return a.span.startUs - b.span.startUs;
  const x = a.span.spanId;
  const y = b.span.spanId;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Links spans (in any order) into nodes; span ids must be unique. */
export function buildNodes(spans: readonly Span[]): TestNodes {
  const nodes = new Map<string, CallNode>();
  for (const span of spans) {
    if (nodes.has(span.spanId)) throw new Error(`duplicate span id ${span.spanId}`);
    nodes.set(span.spanId, { span, children: [] });
  }
  const roots: CallNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId === undefined ? undefined : nodes.get(node.span.parentSpanId);
    if (parent === undefined) {
      roots.push(node);
    } else {
      node.parent = parent;
      parent.children.push(node);
    }
  }
  for (const node of nodes.values()) node.children.sort(compareByStartThenId);
  roots.sort(compareByStartThenId);
  return { roots, nodes };
}

/** The single root of `spans`; throws when there is not exactly one. */
export function buildTree(spans: readonly Span[]): CallNode {
  const { roots } = buildNodes(spans);
  if (roots.length !== 1) throw new Error(`expected one root, found ${roots.length}`);
  return roots[0];
}

/** A span named by a short name (padded into its id), for tests that draw a tree by hand. */
export function namedSpan(
  name: string,
  parent: string | undefined,
  startUs: number,
  endUs: number,
  unit: string,
  kind: SpanKind,
): Span {
  const id = (n: string) => n.padStart(16, "0");
  return testSpan({ spanId: id(name), parentSpanId: parent && id(parent), startUs, endUs, unit, kind });
}

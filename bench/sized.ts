/**
 * Traces of a chosen size for the small-traces benchmark (issue 8.7): every trace has exactly `size`
 * spans, built the same way whatever the size, so that spans/s compares per-trace against per-span
 * cost. A trace is a call tree through units `sized-0…7`: a SERVER span enters a unit; its children are
 * CLIENT spans (each the parent of the SERVER span of the callee, a hop) and now and then an INTERNAL
 * span, added breadth-first until the trace has `size` spans. Siblings run one after the other, each
 * parent spans its children with a little own time around them. Span attributes are those of the
 * shop's HTTP spans. Deterministic: the PRNG of bench/synth.ts, times in integer nanoseconds; traces
 * start 1–6 ms apart, as the shop's do.
 */
import {
  Kind,
  Rng,
  SYNTH_BASE_NS,
  type SyntheticSpan,
  type SyntheticTrace,
  toOtlpJsonLine,
} from "./synth.ts";

export interface SizedOptions {
  traces: number;
  size: number;
  seed: number;
}

const UNITS = 8;
const HTTP = "@opentelemetry/instrumentation-http";
const ns = (ms: number) => Math.round(ms * 1e6);
const unitName = (i: number) => `sized-${i % UNITS}`;

interface Node {
  span: SyntheticSpan;
  unit: number;
  children: Node[];
}

function serverAttributes(unit: string, route: string) {
  return {
    "http.request.method": "GET",
    "url.path": route,
    "url.scheme": "http",
    "http.route": route,
    "http.response.status_code": 200,
    "server.address": unit,
    "server.port": 8080,
  };
}

function buildTrace(rng: Rng, size: number, startNs: bigint): SyntheticTrace {
  const traceId = rng.id(16);
  const make = (parent: Node | undefined, unit: number, kind: SyntheticSpan["kind"]): Node => {
    const name = unitName(unit);
    const route = `/r/${rng.int(0, 7)}`;
    const span: SyntheticSpan = {
      spanId: rng.id(8),
      parentSpanId: parent?.span.spanId,
      service: name,
      scope: HTTP,
      name: kind === Kind.SERVER ? `GET ${route}` : kind === Kind.CLIENT ? "GET" : "work",
      kind,
      startNs: 0n,
      endNs: 0n,
      attributes: kind === Kind.INTERNAL ? { "code.function": "work" } : serverAttributes(name, route),
      status: { code: 0 },
      flags: 0x301,
    };
    const node = { span, unit, children: [] };
    parent?.children.push(node);
    return node;
  };
  const root = make(undefined, 0, Kind.SERVER);
  let count = 1;
  const servers: Node[] = [root];
  // Breadth-first: each server span calls 1–3 others (a CLIENT and the callee's SERVER: two spans).
  for (let i = 0; count < size; i++) {
    const server = servers[i % servers.length];
    if (count + 1 === size || rng.chance(0.15)) {
      make(server, server.unit, Kind.INTERNAL);
      count += 1;
      continue;
    }
    const client = make(server, server.unit, Kind.CLIENT);
    const callee = make(client, (server.unit + rng.int(1, UNITS - 1)) % UNITS, Kind.SERVER);
    servers.push(callee);
    count += 2;
  }
  // Times: depth-first, siblings in sequence, a little own time before, between and after.
  const place = (node: Node, at: number): number => {
    let t = at + ns(rng.uniform(0.02, 0.2));
    for (const child of node.children) t = place(child, t) + ns(rng.uniform(0.01, 0.1));
    const end = t + ns(rng.uniform(0.05, 0.5));
    node.span.startNs = startNs + BigInt(at);
    node.span.endNs = startNs + BigInt(end);
    return end;
  };
  place(root, 0);
  const spans: SyntheticSpan[] = [];
  const walk = (node: Node) => {
    spans.push(node.span);
    for (const child of node.children) walk(child);
  };
  walk(root);
  return { traceId, spans };
}

export function* sizedTraces(opts: SizedOptions): Generator<SyntheticTrace> {
  const rng = new Rng(opts.seed);
  let start = SYNTH_BASE_NS;
  for (let i = 0; i < opts.traces; i++) {
    yield buildTrace(rng, opts.size, start);
    start += BigInt(ns(rng.uniform(1, 6)));
  }
}

/**
 * OTLP JSON lines of whole traces batched into requests of at least `spansPerLine` spans, one
 * ResourceSpans per unit and one ScopeSpans per scope, as a Collector's batch processor and file
 * exporter write them: so that the per-line cost of the format is the same whatever the trace size.
 */
export function batchedJsonLines(traces: Iterable<SyntheticTrace>, spansPerLine: number): string[] {
  const lines: string[] = [];
  let batch: SyntheticTrace[] = [];
  let spans = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const byService = new Map<
      string,
      { resource: unknown; scopeSpans: { scope: unknown; spans: unknown[] }[] }
    >();
    for (const trace of batch) {
      const request = JSON.parse(toOtlpJsonLine(trace)) as {
        resourceSpans: {
          resource: { attributes: { value: { stringValue?: string } }[] };
          scopeSpans: { scope: unknown; spans: unknown[] }[];
        }[];
      };
      for (const rs of request.resourceSpans) {
        const service = String(rs.resource.attributes[0]?.value.stringValue);
        const into = byService.get(service);
        if (!into) byService.set(service, rs);
        else into.scopeSpans[0].spans.push(...rs.scopeSpans.flatMap((s) => s.spans));
      }
    }
    lines.push(JSON.stringify({ resourceSpans: [...byService.values()] }));
    batch = [];
    spans = 0;
  };
  for (const trace of traces) {
    batch.push(trace);
    spans += trace.spans.length;
    if (spans >= spansPerLine) flush();
  }
  flush();
  return lines;
}

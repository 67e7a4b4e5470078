/**
 * The live trace buffer: groups spans by correlation key and lets a trace go when it has been idle,
 * grown too old or too big, or when memory must be bounded (after Grafana Tempo's
 * `livetraces.CutIdle(now)`). Time is always passed in; replay passes the spans' own clock.
 *
 * Defaults: idle 10 s, max age 5 min, 100,000 spans per trace, 1,000,000 buffered spans, 1 GiB of
 * buffered spans (estimated). Spans are kept slimmed to what the analysis reads (kept-span.ts).
 */
import type { Span } from "../model/span.ts";
import type { CutReason, Trace } from "../model/trace.ts";
import { SpanSlimmer, spanBytes } from "./kept-span.ts";

export interface TraceBufferOptions {
  idleUs: number;
  maxAgeUs: number;
  maxSpansPerTrace: number;
  maxBufferedSpans: number;
  /** Memory bound in (estimated) bytes of the buffered spans, beside the bound in spans. */
  maxBufferedBytes: number;
  /**
   * An attribute (span or resource) whose value stitches several traces into one logical request, as
   * when asynchronous serverless invocations break trace context. When set, span links stitch too.
   */
  correlationAttribute?: string;
}

export const DEFAULT_BUFFER_OPTIONS: Readonly<TraceBufferOptions> = Object.freeze({
  idleUs: 10_000_000,
  maxAgeUs: 300_000_000,
  maxSpansPerTrace: 100_000,
  maxBufferedSpans: 1_000_000,
  maxBufferedBytes: 1024 * 1024 * 1024,
});

interface LiveTrace {
  ids: Set<string>;
  correlation?: string;
  spans: Span[];
  /**
   * Spans by id; when an id repeats (Zipkin's shared spans, rare) the signatures of its spans, so
   * that telling a duplicate costs one lookup however many spans share the id (issue 17.9).
   */
  seen: Map<string, Span | Set<string>>;
  repeatedIds: boolean;
  duplicates: number;
  firstUs: number;
  lastUs: number;
  bytes: number;
  continuation: boolean;
}

export interface TraceBufferStats {
  bufferedSpans: number;
  bufferedBytes: number;
  bufferedTraces: number;
  duplicates: number;
  evictedTraces: number;
  splitTraces: number;
}

/** How many cut keys are remembered to flag late spans as a partial continuation. */
const REMEMBERED_CUTS = 100_000;

export class TraceBuffer {
  readonly options: TraceBufferOptions;
  private readonly byId = new Map<string, LiveTrace>();
  private readonly live = new Set<LiveTrace>();
  private readonly ready: Trace[] = [];
  private readonly cut = new Set<string>();
  /**
   * The cut keys in the order they were cut, as a ring: forgetting the oldest is an index step. (Taking
   * it as `cut.values().next()` made V8 walk the deleted entries at the Set's front each time: the
   * per-trace cost grew with the traces replayed, 6 s for 200k traces, 57 s for 1M.)
   */
  private readonly cutOrder: string[] = [];
  private cutNext = 0;
  private buffered = 0;
  private bufferedBytes = 0;
  private readonly slimmer: SpanSlimmer;
  private counters = { duplicates: 0, evictedTraces: 0, splitTraces: 0 };

  constructor(options: Partial<TraceBufferOptions> = {}) {
    this.options = { ...DEFAULT_BUFFER_OPTIONS, ...options };
    this.slimmer = new SpanSlimmer(this.options.correlationAttribute);
  }

  /**
   * @param idleAtUs the time idle traces are judged at (cutIdle's `nowUs`): a trace forced out by the
   *   memory bound that is idle by then is complete, not evicted, however seldom cutIdle runs
   */
  push(input: Span, nowUs: number, idleAtUs = Number.NEGATIVE_INFINITY): void {
    let trace = this.traceFor(input, nowUs);
    // A full trace goes before the span that would overflow it, so a trace of exactly the limit is whole.
    if (trace.spans.length >= this.options.maxSpansPerTrace) {
      this.counters.splitTraces++;
      this.complete(trace, "max-spans");
      trace = this.traceFor(input, nowUs);
    }
    const span = this.slimmer.slim(input);
    const seen = remember(trace.seen, span);
    if (seen === "duplicate") {
      trace.duplicates++;
      this.counters.duplicates++;
      return;
    }
    trace.spans.push(span);
    trace.repeatedIds ||= seen === "repeated-id";
    // The latest (and earliest) time filed, not the last: spans filed under their own end in any
    // order give a trace the same idle time and age.
    if (nowUs > trace.lastUs) trace.lastUs = nowUs;
    else if (nowUs < trace.firstUs) trace.firstUs = nowUs;
    this.buffered++;
    const bytes = spanBytes(span);
    trace.bytes += bytes;
    this.bufferedBytes += bytes;
    while (
      this.buffered > this.options.maxBufferedSpans ||
      this.bufferedBytes > this.options.maxBufferedBytes
    ) {
      const oldest = this.live.values().next().value as LiveTrace;
      if (idleAtUs - oldest.lastUs > this.options.idleUs) this.complete(oldest, "idle");
      else {
        this.counters.evictedTraces++;
        this.complete(oldest, "evicted");
      }
    }
  }

  /**
   * Re-dates the live traces of these spans from their spans' ends (none later than `nowUs`): the
   * clock moved to where spans filed at an older watermark really are.
   */
  redate(spans: Span[], nowUs: number): void {
    const traces = new Set<LiveTrace>();
    for (const span of spans) {
      const trace = this.byId.get(span.traceId);
      if (trace) traces.add(trace);
    }
    for (const trace of traces) {
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const span of trace.spans) {
        const at = Math.min(span.endUs, nowUs);
        if (at < first) first = at;
        if (at > last) last = at;
      }
      trace.firstUs = first;
      trace.lastUs = last;
    }
  }

  /** Completes traces idle for longer than `idleUs` or older than `maxAgeUs`, plus any forced out. */
  cutIdle(nowUs: number): Trace[] {
    for (const trace of this.live) {
      if (nowUs - trace.lastUs > this.options.idleUs) this.complete(trace, "idle");
      else if (nowUs - trace.firstUs > this.options.maxAgeUs) this.complete(trace, "max-age");
    }
    return this.drain();
  }

  /** Completes everything (end of input, shutdown). */
  flush(): Trace[] {
    for (const trace of this.live) this.complete(trace, "flush");
    return this.drain();
  }

  stats(): TraceBufferStats {
    return {
      bufferedSpans: this.buffered,
      bufferedBytes: this.bufferedBytes,
      bufferedTraces: this.live.size,
      ...this.counters,
    };
  }

  private keysOf(span: Span): string[] {
    const attribute = this.options.correlationAttribute;
    if (attribute === undefined) return [span.traceId];
    const keys = [span.traceId];
    const value = span.attributes[attribute] ?? span.resource[attribute];
    if (typeof value === "string" && value) keys.push(`${attribute}=${value}`);
    for (const link of span.links ?? []) keys.push(link.traceId);
    return keys;
  }

  private traceFor(span: Span, nowUs: number): LiveTrace {
    // The common case, no stitching and a trace already live: one lookup, no allocation.
    const live = this.options.correlationAttribute === undefined ? this.byId.get(span.traceId) : undefined;
    if (live) return live;
    const keys = this.keysOf(span);
    let trace: LiveTrace | undefined;
    for (const key of keys) {
      const found = this.byId.get(key);
      if (found && found !== trace) trace = trace ? this.merge(trace, found) : found;
    }
    if (!trace) {
      trace = {
        ids: new Set(),
        spans: [],
        seen: new Map(),
        repeatedIds: false,
        duplicates: 0,
        firstUs: nowUs,
        lastUs: nowUs,
        bytes: 0,
        continuation: keys.some((key) => this.cut.has(key)),
      };
      this.live.add(trace);
    }
    for (const key of keys) {
      if (!trace.ids.has(key)) {
        trace.ids.add(key);
        this.byId.set(key, trace);
      }
    }
    return trace;
  }

  /** Merges the younger trace into the older one, so that eviction order stays first-seen order. */
  private merge(a: LiveTrace, b: LiveTrace): LiveTrace {
    const [into, from] = a.firstUs <= b.firstUs ? [a, b] : [b, a];
    for (const span of from.spans) into.spans.push(span);
    into.repeatedIds ||= from.repeatedIds || from.spans.some((span) => into.seen.has(span.spanId));
    for (const span of from.spans) remember(into.seen, span);
    for (const key of from.ids) {
      into.ids.add(key);
      this.byId.set(key, into);
    }
    into.duplicates += from.duplicates;
    into.bytes += from.bytes;
    into.lastUs = Math.max(into.lastUs, from.lastUs);
    into.continuation ||= from.continuation;
    this.live.delete(from);
    return into;
  }

  private complete(trace: LiveTrace, reason: CutReason): void {
    this.live.delete(trace);
    this.buffered -= trace.spans.length;
    this.bufferedBytes -= trace.bytes;
    for (const key of trace.ids) {
      this.byId.delete(key);
      this.rememberCut(key);
    }
    this.ready.push(toTrace(trace, reason));
  }

  private rememberCut(key: string): void {
    if (this.cut.has(key)) return;
    if (this.cutOrder.length < REMEMBERED_CUTS) this.cutOrder.push(key);
    else {
      this.cut.delete(this.cutOrder[this.cutNext]);
      this.cutOrder[this.cutNext] = key;
      this.cutNext = (this.cutNext + 1) % REMEMBERED_CUTS;
    }
    this.cut.add(key);
  }

  private drain(): Trace[] {
    const out = this.ready.splice(0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }
}

/** What makes two records of one span id the same span: an exact duplicate is not kept. */
const signature = (span: Span) => `${span.kind}|${span.startUs}|${span.endUs}|${span.unit}`;

/** Records the span under its id: new, another span with a known id, or an exact duplicate (not kept). */
function remember(seen: Map<string, Span | Set<string>>, span: Span): "new" | "repeated-id" | "duplicate" {
  const found = seen.get(span.spanId);
  if (found === undefined) {
    seen.set(span.spanId, span);
    return "new";
  }
  const mine = signature(span);
  if (found instanceof Set) {
    if (found.has(mine)) return "duplicate";
    found.add(mine);
    return "repeated-id";
  }
  const first = signature(found);
  if (first === mine) return "duplicate";
  seen.set(span.spanId, new Set([first, mine]));
  return "repeated-id";
}

function compareSpans(a: Span, b: Span): number {
  return a.startUs - b.startUs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
}

function toTrace(live: LiveTrace, cut: CutReason): Trace {
  const keys = [...live.ids].sort();
  const traceIds = keys.filter((key) => !key.includes("="));
  const correlation = keys.find((key) => key.includes("="));
  return {
    key: correlation ?? traceIds[0],
    traceIds,
    spans: live.spans.sort(compareSpans),
    cut,
    partial: live.continuation || cut === "max-spans" || cut === "evicted",
    duplicates: live.duplicates,
    repeatedIds: live.repeatedIds,
  };
}

/**
 * Assembly on the spans' own clock, as replay (and anything else without a wall clock) needs it: the
 * trace buffer driven by the robust event clock. Each span is filed under its own end (so a trace's
 * idle time is measured on its own spans, not on when they happened to arrive), and idle traces are
 * cut against the watermark less the lateness seen, so that the same spans in another order give the
 * same traces (the limit is stated in README.md, "Input order").
 */
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";
import { EventClock } from "./event-clock.ts";
import { DEFAULT_BUFFER_OPTIONS, TraceBuffer, type TraceBufferOptions } from "./trace-buffer.ts";

/** How often (in spans) the clock settles and the buffer is asked to cut idle traces. */
export const CUT_EVERY = 4096;

export interface AssemblerOptions {
  buffer?: Partial<TraceBufferOptions>;
  /** Lateness allowed for from the start; the clock raises it to what it sees, up to the max trace age. */
  latenessUs?: number;
}

export class ReplayAssembler {
  readonly buffer: TraceBuffer;
  readonly clock: EventClock<Span>;
  /** Spans that ended too far ahead of the watermark to move it and stayed out of band. */
  futureSpans = 0;
  private windowSpans = 0;

  constructor(options: AssemblerOptions = {}) {
    this.buffer = new TraceBuffer(options.buffer);
    const maxAgeUs = options.buffer?.maxAgeUs ?? DEFAULT_BUFFER_OPTIONS.maxAgeUs;
    this.clock = new EventClock(maxAgeUs, options.latenessUs ?? 0);
  }

  /** Files one span; returns the traces completed by it (usually none). */
  push(span: Span): Trace[] {
    const { atUs } = this.clock.observe(span.endUs, span);
    // Judged at the clock's cut time, a trace the memory bound forces out before the next cut is
    // complete if idle: a small --max-buffered-spans evicts only live traces.
    this.buffer.push(span, atUs, this.clock.cutUs);
    if (++this.windowSpans < CUT_EVERY) return [];
    this.windowSpans = 0;
    return this.settle();
  }

  /** Completes everything (end of input). */
  flush(): Trace[] {
    const settled = this.settle(true);
    return [...settled, ...this.buffer.flush()];
  }

  private settle(final = false): Trace[] {
    const { moved, ahead } = this.clock.settle(final);
    if (!moved) this.futureSpans += ahead.length;
    else this.buffer.redate(ahead, this.clock.watermarkUs);
    return this.buffer.cutIdle(this.clock.cutUs);
  }
}

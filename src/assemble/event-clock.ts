/**
 * The replay's event clock: a watermark on the spans' own end times that one bad span cannot move
 * (issue 8.4), and the lateness allowance that makes idle-cutting independent of input order
 * (issue 17.5). In the spirit of Flink's bounded-out-of-orderness watermarks, with two guards:
 *
 * - a span ending more than `horizonUs` (the max trace age) ahead of the watermark does not advance
 *   it: it is filed at the watermark and counted as "future" (NF_SPAN_FUTURE). Only when such spans
 *   are the majority of a window (the input really moved on, e.g. two recordings a day apart) does
 *   the clock jump, to the lower median of their ends, so a minority of skewed hosts never moves it;
 * - a span arriving behind the watermark raises the lateness allowance to how far behind it is, up to
 *   `horizonUs`; idle traces are cut against `watermark − allowance`. A span further behind than the
 *   horizon does not raise it (its trace is past its max age anyway). When such spans are the
 *   majority of a window, the clock was set by a bad first span: it steps back to their lower median.
 *
 * Time is never read from the machine: the clock only knows the spans it is shown.
 */

export interface ClockReading {
  /** The event time to file the span under: its end, or the watermark for a future span. */
  atUs: number;
  future: boolean;
}

export interface ClockSettlement<T> {
  /** The watermark moved to where the out-of-band spans are; `ahead` are now in band. */
  moved: boolean;
  /** The future items that were filed at the watermark: to re-date when it moved, else to report. */
  ahead: T[];
}

interface Ahead<T> {
  endUs: number;
  item: T;
  /** Already waited through one settlement: input moving on mid-window is decided on the next. */
  carried: boolean;
}

/** `T` is whatever the caller wants back about a future span (the span itself, for replay). */
export class EventClock<T = undefined> {
  private now = Number.NEGATIVE_INFINITY;
  private allowance = 0;
  private inBand = 0;
  private ahead: Ahead<T>[] = [];
  private behind: number[] = [];

  /**
   * @param horizonUs how far ahead of the watermark a span may end and still move it, and the most
   *   lateness allowed for (the buffer's max trace age)
   * @param initialLatenessUs the allowance before any disorder is seen
   */
  constructor(
    readonly horizonUs: number,
    initialLatenessUs = 0,
  ) {
    this.allowance = Math.min(initialLatenessUs, horizonUs);
  }

  /** The latest span end accepted. */
  get watermarkUs(): number {
    return this.now;
  }

  /** How far behind the watermark spans have arrived (capped at the horizon). */
  get latenessUs(): number {
    return this.allowance;
  }

  /** The time up to which traces may be judged idle: the watermark less the lateness allowance. */
  get cutUs(): number {
    return this.now - this.allowance;
  }

  observe(endUs: number, item?: T): ClockReading {
    if (this.now === Number.NEGATIVE_INFINITY) this.now = endUs;
    if (endUs > this.now + this.horizonUs) {
      this.ahead.push({ endUs, item: item as T, carried: false });
      return { atUs: this.now, future: true };
    }
    if (endUs > this.now) this.now = endUs;
    const late = this.now - endUs;
    if (late > this.horizonUs) this.behind.push(endUs);
    else {
      this.inBand++;
      if (late > this.allowance) this.allowance = late;
    }
    return { atUs: endUs, future: false };
  }

  /**
   * Ends a window of spans (the caller's cut interval): decides whether the out-of-band spans of the
   * window were outliers (reported, clock unmoved) or the input moving on (clock moved, nothing reported).
   * `final` at the end of input, when no later window can confirm a move.
   */
  settle(final = false): ClockSettlement<T> {
    const { ahead, behind, inBand } = this;
    this.ahead = [];
    this.behind = [];
    this.inBand = 0;
    const items = (list: Ahead<T>[]) => list.map((a) => a.item);
    if (ahead.length > inBand + behind.length) {
      this.now = lowerMedian(ahead.map((a) => a.endUs));
      return { moved: true, ahead: items(ahead) };
    }
    if (behind.length > inBand + ahead.length) {
      this.now = lowerMedian(behind);
      return { moved: false, ahead: items(ahead) };
    }
    // Spans seen for the first time wait one more window (the input may have moved on mid-window),
    // unless the input has ended.
    if (final) return { moved: false, ahead: items(ahead) };
    for (const a of ahead) if (!a.carried) this.ahead.push({ ...a, carried: true });
    return { moved: false, ahead: items(ahead.filter((a) => a.carried)) };
  }
}

function lowerMedian(values: number[]): number {
  values.sort((a, b) => a - b);
  return values[(values.length - 1) >> 1];
}

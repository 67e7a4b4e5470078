/**
 * A DDSketch that keeps its first values exactly (issue 16.5). DDSketch reads the q-quantile at rank
 * q·(n − 1), rounded down, of its 1%-accurate bins: fine for thousands of values, wrong for a few
 * (with two traces of 36.7 and 131.8 ms, p50 = p95 = p99 = 36.7 ms). Up to EXACT_VALUES values, the
 * quantile is the exact order statistic by nearest rank (the ⌈q·n⌉-th smallest, as Prometheus and
 * plan's bootstrap.ts read it); beyond, the values are dropped and the sketch answers. Every value
 * still goes into the sketch, so merging, storing and restoring the sketch are unchanged; a sketch
 * whose bins were filled another way (restored from the store) answers from its bins.
 */
import { DDSketch } from "@datadog/sketches-js";

/** Values kept exactly per figure: below this a sketch's rank rule misreads the tail. */
export const EXACT_VALUES = 100;

export class ExactSmallSketch extends DDSketch {
  /** The values while there are at most EXACT_VALUES of them and all came through accept/merge. */
  private exact: number[] | undefined = [];

  override accept(value: number, weight = 1): void {
    super.accept(value, weight);
    if (!this.exact) return;
    if (weight !== 1 || this.exact.length >= EXACT_VALUES) this.exact = undefined;
    else this.exact.push(value);
  }

  override merge(sketch: DDSketch): void {
    const before = this.count;
    super.merge(sketch);
    if (sketch.count === 0 || !this.exact) return;
    const theirs = sketch instanceof ExactSmallSketch ? sketch.exactValues() : undefined;
    if (before !== this.exact.length || !theirs || this.exact.length + theirs.length > EXACT_VALUES)
      this.exact = undefined;
    else this.exact.push(...theirs);
  }

  /** The exact values, when every value the sketch holds is among them. */
  exactValues(): readonly number[] | undefined {
    return this.exact && this.exact.length === this.count ? this.exact : undefined;
  }

  /** Whether quantiles are exact order statistics (else the sketch's, within 1%). */
  get isExact(): boolean {
    return this.exactValues() !== undefined;
  }

  override getValueAtQuantile(quantile: number): number {
    const values = this.exactValues();
    if (!values || values.length === 0 || quantile < 0 || quantile > 1)
      return super.getValueAtQuantile(quantile);
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(quantile * sorted.length))) - 1];
  }
}

import { type ErrorCode, type Problem, severityOf } from "../errors.ts";

/**
 * Counts input problems by code and keeps the first few of each for the report, so a file with a
 * million bad lines costs a counter, not a million messages.
 */
export class ProblemLog {
  private readonly counts = new Map<ErrorCode, number>();
  private readonly examples = new Map<ErrorCode, Problem[]>();

  constructor(private readonly keepPerCode = 5) {}

  add(problem: Problem): void {
    this.counts.set(problem.code, (this.counts.get(problem.code) ?? 0) + 1);
    const list = this.examples.get(problem.code) ?? [];
    if (list.length < this.keepPerCode) this.examples.set(problem.code, [...list, problem]);
  }

  count(code: ErrorCode, n: number): void {
    if (n > 0) this.counts.set(code, (this.counts.get(code) ?? 0) + n);
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  /** Counts per code of one severity, sorted by code. */
  bySeverity(severity: "reject" | "warn"): Record<string, number> {
    const out: Record<string, number> = {};
    for (const code of [...this.counts.keys()].sort()) {
      if (severityOf(code) === severity) out[code] = this.counts.get(code) as number;
    }
    return out;
  }

  firstExamples(): Problem[] {
    return [...this.examples.keys()].sort().flatMap((code) => this.examples.get(code) ?? []);
  }
}

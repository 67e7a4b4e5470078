/**
 * Counts work in flight in a group process (invocations, deliveries, sends on the wire), so that a
 * stop waits for it and no span is cut off, and so the supervisor can tell when the host is quiet.
 */
export class Activity {
  private active = 0;
  private total = 0;
  private waiters: (() => void)[] = [];

  /** Every piece of work started so far. */
  get started(): number {
    return this.total;
  }

  get inFlight(): number {
    return this.active;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.active++;
    this.total++;
    const done = () => {
      if (--this.active === 0) for (const wake of this.waiters.splice(0)) wake();
    };
    work.then(done, done);
    return work;
  }

  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * A unit's invocations folded, as they arrive in any order, into the clusters that cold-start
 * inference needs, instead of kept one by one. In start order (ties: end, then critical-path time),
 * an invocation starts a new cluster when it begins more than the keep-alive after every earlier
 * invocation ended; a cluster keeps only its first invocation (the cold start, unless it is the first
 * of all), its last one and its latest end. So memory is one record per cold start, whatever the
 * number of invocations, and the clusters are those that sorting all invocations would give:
 * - an invocation placed before an existing member of a cluster cannot start one (that member's own
 *   gap to what ended before it was within the keep-alive, and it starts no earlier);
 * - one placed after a cluster's last member starts a cluster exactly when it begins more than the
 *   keep-alive after that cluster's latest end (the latest end of everything before it);
 * - its end can only close gaps after it: following clusters whose first invocation now begins within
 *   the keep-alive of it join the cluster before them.
 */

export interface Invocation {
  start: number;
  end: number;
  criticalUs: number;
}

/** A cluster's first and last invocations as fields: adding an invocation allocates nothing. */
export interface Cluster {
  firstStart: number;
  firstEnd: number;
  firstCriticalUs: number;
  lastStart: number;
  lastEnd: number;
  lastCriticalUs: number;
  maxEnd: number;
}

/** Sign of (start, end, criticalUs) of the first against the second, lexicographically. */
const compare = (s1: number, e1: number, c1: number, s2: number, e2: number, c2: number) =>
  s1 - s2 || e1 - e2 || c1 - c2;

export class IdleClusters {
  /** In start order; consecutive clusters are separated by more than the keep-alive. */
  readonly clusters: Cluster[] = [];

  constructor(private readonly keepAliveUs: number) {}

  /** The first invocation of every cluster after the first: the cold starts. */
  coldStarts(): Invocation[] {
    return this.clusters
      .slice(1)
      .map((c) => ({ start: c.firstStart, end: c.firstEnd, criticalUs: c.firstCriticalUs }));
  }

  add(start: number, end: number, criticalUs: number): void {
    const list = this.clusters;
    // The last cluster whose first invocation sorts at or before this one (−1: before all).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = list[mid];
      if (compare(c.firstStart, c.firstEnd, c.firstCriticalUs, start, end, criticalUs) <= 0) lo = mid + 1;
      else hi = mid;
    }
    let k = lo - 1;
    const at = k >= 0 ? list[k] : undefined;
    if (at && compare(start, end, criticalUs, at.lastStart, at.lastEnd, at.lastCriticalUs) < 0) {
      // Inside cluster k: it starts nothing, and its end lies before the cluster's next member's start.
      at.maxEnd = Math.max(at.maxEnd, end);
    } else if (at && start - at.maxEnd <= this.keepAliveUs) {
      at.lastStart = start;
      at.lastEnd = end;
      at.lastCriticalUs = criticalUs;
      at.maxEnd = Math.max(at.maxEnd, end);
    } else {
      k++;
      list.splice(k, 0, {
        firstStart: start,
        firstEnd: end,
        firstCriticalUs: criticalUs,
        lastStart: start,
        lastEnd: end,
        lastCriticalUs: criticalUs,
        maxEnd: end,
      });
    }
    // This end may bring the clusters after it within the keep-alive.
    while (k + 1 < list.length && list[k + 1].firstStart - list[k].maxEnd <= this.keepAliveUs) {
      const c = list[k];
      const next = list[k + 1];
      c.lastStart = next.lastStart;
      c.lastEnd = next.lastEnd;
      c.lastCriticalUs = next.lastCriticalUs;
      c.maxEnd = Math.max(c.maxEnd, next.maxEnd);
      list.splice(k + 1, 1);
    }
  }
}

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

export interface Cluster {
  first: Invocation;
  last: Invocation;
  maxEnd: number;
}

const before = (a: Invocation, b: Invocation) =>
  a.start - b.start || a.end - b.end || a.criticalUs - b.criticalUs;

export class IdleClusters {
  /** In start order; consecutive clusters are separated by more than the keep-alive. */
  readonly clusters: Cluster[] = [];

  constructor(private readonly keepAliveUs: number) {}

  add(x: Invocation): void {
    const list = this.clusters;
    // The last cluster whose first invocation sorts at or before x (−1: x sorts before all).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(list[mid].first, x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    let k = lo - 1;
    if (k >= 0 && before(x, list[k].last) < 0) {
      // Inside cluster k: it starts nothing, and its end lies before the cluster's next member's start.
      list[k].maxEnd = Math.max(list[k].maxEnd, x.end);
    } else if (k >= 0 && x.start - list[k].maxEnd <= this.keepAliveUs) {
      list[k].last = x;
      list[k].maxEnd = Math.max(list[k].maxEnd, x.end);
    } else {
      k++;
      list.splice(k, 0, { first: x, last: x, maxEnd: x.end });
    }
    // x's end may bring the clusters after it within the keep-alive.
    while (k + 1 < list.length && list[k + 1].first.start - list[k].maxEnd <= this.keepAliveUs) {
      const next = list[k + 1];
      list[k].last = next.last;
      list[k].maxEnd = Math.max(list[k].maxEnd, next.maxEnd);
      list.splice(k + 1, 1);
    }
  }
}

/**
 * Cold starts under a clustering, re-simulated from the recorded invocation times: a group's instance
 * stays warm while any of its units is invoked within the keep-alive window, so fusing pools the
 * arrivals of its members (the effect WiseFuse and Fusionize report). A cold start is an invocation
 * that arrives after the group was idle for longer than its keep-alive; the group's keep-alive is the
 * shortest of its members'. The first invocation seen is not counted (what came before is unknown).
 * Interval: ±1.96·√n, the normal approximation of a Poisson count.
 */
import type { Interval } from "../bootstrap.ts";

export interface Invocations {
  start: ArrayLike<number>;
  end: ArrayLike<number>;
}

/**
 * `members` each sorted by start, then end (PlanData.sortedInvocations): they are merged in that
 * order, a linear pass instead of a sort of the group's invocations on every evaluation.
 */
export function coldStartCount(members: readonly (Invocations | undefined)[], keepAliveUs: number): number {
  const lists = members.filter((m): m is Invocations => m !== undefined && m.start.length > 0);
  const next = new Int32Array(lists.length);
  // A binary heap of list indexes by their next invocation: groups may hold hundreds of units.
  const heap: number[] = [];
  const less = (a: number, b: number) => {
    const x = lists[a];
    const y = lists[b];
    const i = next[a];
    const j = next[b];
    return x.start[i] - y.start[j] || x.end[i] - y.end[j];
  };
  const push = (l: number) => {
    let c = heap.push(l) - 1;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (less(heap[p], heap[c]) <= 0) break;
      [heap[p], heap[c]] = [heap[c], heap[p]];
      c = p;
    }
  };
  const siftDown = () => {
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < heap.length && less(heap[l], heap[m]) < 0) m = l;
      if (r < heap.length && less(heap[r], heap[m]) < 0) m = r;
      if (m === p) return;
      [heap[p], heap[m]] = [heap[m], heap[p]];
      p = m;
    }
  };
  lists.forEach((_, l) => {
    push(l);
  });
  let cold = 0;
  let busyUntil = Number.NEGATIVE_INFINITY;
  while (heap.length) {
    const l = heap[0];
    const list = lists[l];
    const i = next[l];
    if (busyUntil !== Number.NEGATIVE_INFINITY && list.start[i] - busyUntil > keepAliveUs) cold++;
    busyUntil = Math.max(busyUntil, list.end[i]);
    if (++next[l] < list.start.length) siftDown();
    else {
      const last = heap.pop() as number;
      if (heap.length) {
        heap[0] = last;
        siftDown();
      }
    }
  }
  return cold;
}

export function poissonInterval(count: number, hours: number): Interval {
  const half = 1.96 * Math.sqrt(count);
  return { low: Math.max(0, count - half) / hours, high: (count + half) / hours };
}

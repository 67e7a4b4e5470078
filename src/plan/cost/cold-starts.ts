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
  start: number[];
  end: number[];
}

export function coldStartCount(members: readonly (Invocations | undefined)[], keepAliveUs: number): number {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const inv of members) {
    if (!inv) continue;
    for (let i = 0; i < inv.start.length; i++) {
      starts.push(inv.start[i]);
      ends.push(inv.end[i]);
    }
  }
  const order = starts.map((_, i) => i).sort((a, b) => starts[a] - starts[b] || ends[a] - ends[b]);
  let cold = 0;
  let busyUntil = Number.NEGATIVE_INFINITY;
  for (const i of order) {
    if (busyUntil !== Number.NEGATIVE_INFINITY && starts[i] - busyUntil > keepAliveUs) cold++;
    busyUntil = Math.max(busyUntil, ends[i]);
  }
  return cold;
}

export function poissonInterval(count: number, hours: number): Interval {
  const half = 1.96 * Math.sqrt(count);
  return { low: Math.max(0, count - half) / hours, high: (count + half) / hours };
}

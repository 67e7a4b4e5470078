/**
 * A bounded load generator for a hosted app: POSTs `{ requestId }` to the entry URL, steadily or in
 * bursts, until it has sent `requests` or `durationMs` has passed, whichever comes first, with at most
 * `concurrency` requests in flight. Only loopback targets: it is for the project's own hosts.
 *
 * Profiles: `steady` spaces requests evenly at `ratePerSecond`; `bursty` sends `burstSize` requests
 * back to back, then pauses so that the average rate is the same, and every `idleEvery` bursts pauses
 * `idleMs` more (idle gaps are what make instances go cold).
 */
import { NanofuseError } from "../errors.ts";
import { sleep } from "./network.ts";

export interface LoadOptions {
  url: string;
  profile: "steady" | "bursty";
  requests: number;
  durationMs: number;
  ratePerSecond: number;
  concurrency: number;
  timeoutMs: number;
  firstRequestId: number;
  burstSize: number;
  idleEvery: number;
  idleMs: number;
}

export const DEFAULT_LOAD: Omit<LoadOptions, "url"> = {
  profile: "steady",
  requests: 1000,
  durationMs: 60_000,
  ratePerSecond: 50,
  concurrency: 32,
  timeoutMs: 10_000,
  firstRequestId: 1,
  burstSize: 10,
  idleEvery: 20,
  idleMs: 2000,
};

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  /** Client-side latencies of the successful requests, ms. */
  p50Ms: number;
  p95Ms: number;
  seconds: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** When the i-th request (from 0) is due, ms after the start. */
export function dueAt(i: number, o: Omit<LoadOptions, "url">): number {
  const gap = 1000 / o.ratePerSecond;
  if (o.profile === "steady") return i * gap;
  const burst = Math.floor(i / o.burstSize);
  const idles = o.idleEvery > 0 ? Math.floor(burst / o.idleEvery) : 0;
  return burst * o.burstSize * gap + idles * o.idleMs;
}

export async function runLoad(options: Partial<LoadOptions> & { url: string }): Promise<LoadReport> {
  const o = { ...DEFAULT_LOAD, ...options };
  if (!LOOPBACK.has(new URL(o.url).hostname))
    throw new NanofuseError("NF_USAGE", `load targets loopback only, not ${o.url}`);
  const started = performance.now();
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const one = async (requestId: number) => {
    const t0 = performance.now();
    try {
      const res = await fetch(o.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ requestId }),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.arrayBuffer();
      if (res.ok) latencies.push(performance.now() - t0);
      else failed++;
    } catch {
      failed++;
    }
  };
  for (let i = 0; i < o.requests; i++) {
    const due = dueAt(i, o);
    if (due > o.durationMs) break;
    await sleep(due - (performance.now() - started));
    while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    const p = one(o.firstRequestId + i).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent++;
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0;
  return {
    sent,
    ok: latencies.length,
    failed,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    seconds: (performance.now() - started) / 1000,
  };
}

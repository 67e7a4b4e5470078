/**
 * A bounded load generator for a hosted app: POSTs `{ requestId }` to the entry URL, steadily or in
 * bursts, until it has sent `requests` or `durationMs` has passed, whichever comes first, with at most
 * `concurrency` requests in flight. Only loopback targets: it is for the project's own hosts.
 *
 * Profiles: `steady` spaces requests evenly at `ratePerSecond`; `bursty` sends `burstSize` requests
 * back to back, then pauses so that the average rate is the same, and every `idleEvery` bursts pauses
 * `idleMs` more (idle gaps are what make instances go cold).
 *
 * The default rate is one the 14-group shop answers without queueing on two busy cores; a rate far
 * above what the host can serve measures the queue, not the layout. Redirects are not followed: a
 * redirect could lead anywhere, and only loopback is allowed. Every failed request is counted by
 * its reason, with the first message of each, so a failing load says why.
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
  ratePerSecond: 10,
  concurrency: 16,
  timeoutMs: 10_000,
  firstRequestId: 1,
  burstSize: 10,
  idleEvery: 20,
  idleMs: 2000,
};

/** Why requests failed: an HTTP status with the error code the host answered, or the transport error. */
export interface LoadFailure {
  reason: string;
  count: number;
  /** The first message seen for this reason. */
  example: string;
}

export interface LoadReport {
  sent: number;
  ok: number;
  failed: number;
  /** Most frequent first. */
  failures: LoadFailure[];
  /** Client-side latencies of the successful requests, ms. */
  p50Ms: number;
  p95Ms: number;
  seconds: number;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Why `value` is not a target the load may use: not an http(s) URL, or not on loopback. */
export function refusedTarget(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${value} is not a URL (e.g. http://127.0.0.1:PORT/invoke/UNIT)`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `load sends HTTP requests, not ${url.protocol} (${value})`;
  if (!LOOPBACK.has(url.hostname)) return `load targets loopback only, not ${url.hostname} (${value})`;
  return undefined;
}

/** The reason and message of a request that did not succeed. */
async function failureOf(res: Response): Promise<[reason: string, message: string]> {
  if (res.status >= 300 && res.status < 400)
    return [`HTTP ${res.status} redirect`, `redirect to ${res.headers.get("location")} not followed`];
  const text = await res.text().catch(() => "");
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error;
  } catch {}
  const code = typeof error?.code === "string" ? ` ${error.code}` : "";
  return [
    `HTTP ${res.status}${code}`,
    typeof error?.message === "string" ? error.message : text.slice(0, 200),
  ];
}

function thrownFailure(error: unknown, timeoutMs: number): [reason: string, message: string] {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return ["timeout", `no answer in ${timeoutMs} ms`];
  const reason = e?.cause?.code ?? e?.name ?? "error";
  return [reason, e?.cause?.message ?? e?.message ?? String(error)];
}

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
  const refused = refusedTarget(o.url);
  if (refused) throw new NanofuseError("NF_USAGE", refused);
  const url = new URL(o.url);
  const started = performance.now();
  const latencies: number[] = [];
  const failures = new Map<string, LoadFailure>();
  const fail = ([reason, example]: [string, string]) => {
    const f = failures.get(reason) ?? { reason, count: 0, example };
    f.count++;
    failures.set(reason, f);
  };
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const one = async (requestId: number) => {
    const t0 = performance.now();
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": String(requestId) },
        body: JSON.stringify({ requestId }),
        redirect: "manual",
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      if (res.ok) {
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
      } else fail(await failureOf(res));
    } catch (error) {
      fail(thrownFailure(error, o.timeoutMs));
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
    failed: sent - latencies.length,
    failures: [...failures.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    seconds: (performance.now() - started) / 1000,
  };
}

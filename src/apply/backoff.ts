/**
 * Retry delays: exponential backoff with "full jitter" (Brooker, "Exponential Backoff And Jitter",
 * AWS Architecture Blog, 2015): before retry n the wait is uniform in [0, min(cap, base·2^(n−1))],
 * which spreads the retries of many callers instead of synchronising them. A server's Retry-After
 * (RFC 9110 §10.2.3: seconds, or an HTTP date) raises the wait to at least what it asked, up to the cap.
 *
 * Defaults (the webhook applier's): base 500 ms, cap 30 s.
 */

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The wait after failed attempt `attempt` (1-based), given a uniform draw in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Retry-After as milliseconds from `nowMs`, or undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

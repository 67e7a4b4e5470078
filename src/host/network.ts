/**
 * The simulated network between groups, and the HTTP client that crosses it. The delay is split in
 * two halves around the request inside the caller's CLIENT span, so client − server ≈ the delay, as
 * a real round trip would show.
 */
import { Agent, request } from "node:http";
import { NanofuseError } from "../errors.ts";

/**
 * Sleeps about `ms` milliseconds, unbiased: Node timers have whole-millisecond resolution (a 1.5 ms
 * timer fires after ~1.1 ms), so the fraction is rounded up or down at random with the right odds.
 * Spinning for precision would burn the CPU the other groups share.
 */
export function sleep(ms: number, random: () => number = Math.random): Promise<void> {
  if (!(ms > 0)) return Promise.resolve();
  const whole = Math.floor(ms) + (random() < ms - Math.floor(ms) ? 1 : 0);
  return new Promise((resolve) => (whole === 0 ? setImmediate(resolve) : setTimeout(resolve, whole)));
}

/** One call's delay: mean ± uniform jitter, never negative. */
export function sampleDelay(meanMs: number, jitterMs: number, random: () => number = Math.random): number {
  return Math.max(0, meanMs + (2 * random() - 1) * jitterMs);
}

export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * Keep-alive connections between groups, as a real service mesh keeps them: a new TCP connection per
 * call would add its handshake to every hop. node:http rather than fetch: undici's fetch costs ~2 ms
 * more per loopback call here, which would read as network time.
 */
/**
 * The client drops an idle connection before the server would (group-server.ts KEEP_ALIVE_MS): when
 * the server closes first, a call sent at that moment fails with ECONNRESET for no reason.
 */
export const IDLE_SOCKET_MS = 4000;
const agent = new Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

/**
 * POSTs JSON; a connection failure becomes NF_CALL_FAILED and no answer before `signal` fires
 * becomes NF_CALL_TIMEOUT, so a dead or hung group never hangs its caller.
 */
export function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  what: string,
  timeoutMs: number,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const fail = (cause: unknown) =>
      reject(
        signal.aborted
          ? new NanofuseError("NF_CALL_TIMEOUT", `${what}: no answer in ${timeoutMs} ms`, { cause })
          : new NanofuseError(
              "NF_CALL_FAILED",
              `${what}: ${(cause as { code?: string })?.code ?? (cause as Error)?.message} (${new URL(url).host})`,
              { cause },
            ),
      );
    const req = request(
      url,
      {
        method: "POST",
        agent,
        signal,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", fail);
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

/**
 * The webhook applier: POSTs the layout as JSON to a deployment's own endpoint, which applies it.
 *
 * - Body: `{ "type": "nanofuse.layout.apply", proposalId, version, idempotencyKey, manifest }`, the
 *   same bytes on every attempt.
 * - Signed: `Nanofuse-Signature: t=…,v1=…`, HMAC-SHA256 over the timestamp and the raw body in
 *   Stripe's convention (signature.ts); the timestamp is taken again for every attempt.
 * - `Idempotency-Key`, the request's key, the same on every attempt (IETF httpapi draft "The
 *   Idempotency-Key HTTP Header Field"), so a receiver that saw an attempt whose answer was lost
 *   applies the layout once; `Nanofuse-Attempt` numbers the attempts.
 * - Each attempt has its own timeout (AbortSignal.timeout). Timeouts, network errors, 429 and 5xx
 *   are retried with full-jitter exponential backoff (backoff.ts), honouring Retry-After; any other
 *   answer outside 2xx (a 4xx such as 401 for a bad signature, or a redirect, which is not followed)
 *   is final and reported as refused.
 *
 * Defaults: 5 attempts, 10 s per attempt, backoff base 500 ms, cap 30 s. Clock, sleep and jitter are
 * injected (tests replace them); Node's own fetch (undici) sends.
 */
import { setTimeout as delay } from "node:timers/promises";
import { NanofuseError } from "../errors.ts";
import { backoffDelay, retryAfterMs } from "./backoff.ts";
import { SIGNATURE_HEADER, signatureHeader } from "./signature.ts";
import {
  type Applier,
  type ApplyAttempt,
  type ApplyRequest,
  type ApplyResult,
  checkRequest,
  failure,
  reasonOf,
} from "./types.ts";

export interface WebhookApplierOptions {
  url: string;
  /** Shared with the receiver; never logged or put in a result. */
  secret: string;
  maxAttempts?: number;
  timeoutMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Milliseconds since the Unix epoch (default Date.now). */
  now?: () => number;
  /** Waits between attempts (default a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform in [0, 1) for the jitter (default Math.random). */
  random?: () => number;
}

const DEFAULTS = { maxAttempts: 5, timeoutMs: 10_000, baseDelayMs: 500, maxDelayMs: 30_000 };

function configError(detail: string): never {
  throw new NanofuseError("NF_APPLY_CONFIG_INVALID", `webhook: ${detail}`);
}

/** The URL as results may show it: no credentials, query or fragment. */
function displayTarget(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export function webhookApplier(options: WebhookApplierOptions): Applier {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    configError("url is not a valid URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") configError("url must be http or https");
  if (typeof options.secret !== "string" || options.secret.length === 0) configError("secret must be set");
  const settings = {
    maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
  };
  for (const key of ["maxAttempts", "timeoutMs", "baseDelayMs", "maxDelayMs"] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < (key === "baseDelayMs" ? 0 : 1))
      configError(`${key} must be a positive integer`);
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const random = options.random ?? Math.random;
  const target = displayTarget(url);
  type Outcome = () => { applier: "webhook"; target: string; attempts: number; history: ApplyAttempt[] };

  /** One attempt: the result when it is final, else how long the server asked us to wait (if it did). */
  async function attemptOnce(body: string, key: string, record: ApplyAttempt, outcome: Outcome) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": key,
          [SIGNATURE_HEADER]: signatureHeader(options.secret, body, Math.floor(now() / 1000)),
          "nanofuse-attempt": String(record.attempt),
          "user-agent": "nanofuse",
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      // Only the status matters; release the connection.
      await response.body?.cancel().catch(() => undefined);
      record.status = response.status;
      if (response.ok) return { final: { ok: true, ...outcome(), status: response.status } as ApplyResult };
      if (response.status !== 429 && response.status < 500) {
        const detail = `${target} answered ${response.status} ${response.statusText}`.trim();
        return {
          final: failure(outcome(), "NF_APPLY_WEBHOOK_REFUSED", detail, { lastStatus: response.status }),
        };
      }
      return { retryAfter: retryAfterMs(response.headers.get("retry-after"), now()) };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      record.error = timedOut
        ? `no answer within ${settings.timeoutMs} ms`
        : reasonOf((error as { cause?: unknown }).cause ?? error);
      return {};
    }
  }

  return {
    kind: "webhook",
    target,
    async apply(request: ApplyRequest): Promise<ApplyResult> {
      const history: ApplyAttempt[] = [];
      const outcome: Outcome = () => ({ applier: "webhook", target, attempts: history.length, history });
      const lastStatus = () => history.findLast((a) => a.status !== undefined)?.status;
      const checked = checkRequest(request, outcome());
      if ("failure" in checked) return checked.failure;
      const body = JSON.stringify({
        type: "nanofuse.layout.apply",
        proposalId: request.proposalId,
        version: request.version,
        idempotencyKey: request.idempotencyKey,
        manifest: checked.manifest,
      });
      try {
        for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
          const record: ApplyAttempt = { attempt };
          history.push(record);
          const { final, retryAfter } = await attemptOnce(body, request.idempotencyKey, record, outcome);
          if (final) return final;
          if (attempt < settings.maxAttempts) {
            const jittered = backoffDelay(attempt, settings, random);
            record.delayMs = Math.min(settings.maxDelayMs, Math.max(jittered, retryAfter ?? 0));
            await sleep(record.delayMs);
          }
        }
        const last = history[history.length - 1];
        const why = last.error ?? `last answer ${last.status}`;
        const detail = `${target} after ${history.length} attempts: ${why}`;
        return failure(outcome(), "NF_APPLY_WEBHOOK_FAILED", detail, { lastStatus: lastStatus() });
      } catch (error) {
        // An injected clock or sleep that throws: still a result, with what was attempted.
        return failure(outcome(), "NF_APPLY_WEBHOOK_FAILED", reasonOf(error), { lastStatus: lastStatus() });
      }
    },
  };
}

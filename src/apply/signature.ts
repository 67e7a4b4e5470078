/**
 * Webhook signatures in Stripe's convention (its "Verify webhook signatures manually" guide), so a
 * receiver can check them with code it may already have: the header
 *   Nanofuse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * signs the exact bytes sent together with the time, so a captured request cannot be replayed after
 * the tolerance (default 300 s, Stripe's). Several v1 entries may be present (while a secret is
 * rotated); one match is enough. Compared in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "nanofuse-signature";
export const DEFAULT_TOLERANCE_S = 300;

const hmac = (secret: string, timestampS: number, body: string) =>
  createHmac("sha256", secret).update(`${timestampS}.${body}`).digest("hex");

export function signatureHeader(secret: string, body: string, timestampS: number): string {
  return `t=${timestampS},v1=${hmac(secret, timestampS, body)}`;
}

export type Verification = { ok: true } | { ok: false; reason: string };

/** Checks a signature header against the raw body as received. */
export function verifySignature(
  secret: string,
  body: string,
  header: string | undefined,
  nowS: number,
  toleranceS = DEFAULT_TOLERANCE_S,
): Verification {
  if (!header) return { ok: false, reason: "no signature header" };
  const parts = header.split(",").map((part) => part.trim().split("="));
  const t = parts.find(([k]) => k === "t")?.[1];
  const signatures = parts.filter(([k, v]) => k === "v1" && v !== undefined).map(([, v]) => v);
  if (t === undefined || !/^\d+$/.test(t) || signatures.length === 0)
    return { ok: false, reason: "malformed signature header" };
  const timestampS = Number(t);
  if (Math.abs(nowS - timestampS) > toleranceS)
    return { ok: false, reason: "timestamp outside the tolerance" };
  const expected = Buffer.from(hmac(secret, timestampS, body), "hex");
  const match = signatures.some((s) => {
    const given = Buffer.from(s, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true } : { ok: false, reason: "no signature matches" };
}

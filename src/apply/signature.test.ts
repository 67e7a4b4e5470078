import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterMs } from "./backoff.ts";
import { signatureHeader, verifySignature } from "./signature.ts";

const SECRET = "whsec_test_secret";
const BODY = '{"type":"nanofuse.layout.apply"}';

describe("webhook signatures", () => {
  it("are Stripe-style: t and a hex HMAC-SHA256 of '<t>.<body>'", () => {
    // Computed independently with Python's hmac module.
    expect(signatureHeader(SECRET, BODY, 1492774577)).toBe(
      "t=1492774577,v1=053ccc62ab8860c49448aeb90ea2c1c21f8aca61dfd8b46127263a8bfe39f003",
    );
  });

  it("verify for the same secret and body within the tolerance", () => {
    const header = signatureHeader(SECRET, BODY, 1_700_000_000);
    expect(verifySignature(SECRET, BODY, header, 1_700_000_299)).toEqual({ ok: true });
  });

  it("fail for a changed body, another secret, an old timestamp or a malformed header", () => {
    const header = signatureHeader(SECRET, BODY, 1_700_000_000);
    expect(verifySignature(SECRET, `${BODY} `, header, 1_700_000_000).ok).toBe(false);
    expect(verifySignature("another", BODY, header, 1_700_000_000).ok).toBe(false);
    expect(verifySignature(SECRET, BODY, header, 1_700_000_301)).toEqual({
      ok: false,
      reason: "timestamp outside the tolerance",
    });
    for (const bad of [undefined, "", "v1=abc", "t=soon,v1=abc", "t=1700000000"])
      expect(verifySignature(SECRET, BODY, bad, 1_700_000_000).ok).toBe(false);
  });

  it("accept any of several v1 signatures, as while a secret is rotated", () => {
    const old = signatureHeader("old-secret", BODY, 1_700_000_000);
    const both = `${old},v1=${signatureHeader(SECRET, BODY, 1_700_000_000).split("v1=")[1]}`;
    expect(verifySignature(SECRET, BODY, both, 1_700_000_000)).toEqual({ ok: true });
  });
});

describe("retry delays", () => {
  it("grow exponentially up to the cap, each drawn uniformly below its ceiling", () => {
    const options = { baseDelayMs: 500, maxDelayMs: 30_000 };
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, options, top))).toEqual([
      499, 999, 1999, 3999, 7999, 15999, 29999, 29999,
    ]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
    expect(backoffDelay(3, options, () => 0.5)).toBe(1000);
  });

  it("read Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 31 Dec 2025 00:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
  });
});

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { SIGNATURE_HEADER, verifySignature } from "./signature.ts";
import { type WebhookApplierOptions, webhookApplier } from "./webhook.ts";

const SECRET = "whsec_receiver_and_nanofuse_share_this";
const manifest = {
  version: "3f9c2a1b7d4e",
  groups: [
    { name: "gateway", units: ["gateway"] },
    { name: "orders", units: ["checkout", "cart", "pricing"] },
  ],
};
const request = { proposalId: "p-7", version: 3, manifest, idempotencyKey: "apply-p-7-v3" };

/** What the receiver does with the n-th request: answer with a status (and headers), or never answer. */
type Script = ({ status: number; headers?: Record<string, string> } | "hang")[];

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  signature: ReturnType<typeof verifySignature>;
}

let server: Server | undefined;
async function stop() {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
}
afterEach(stop);

/**
 * A real receiver on 127.0.0.1: it checks the signature over the raw body (with the same clock as the
 * sender) and answers 401 to a bad one; otherwise it follows the script, then answers 200.
 */
async function receiver(script: Script, clockS: () => number) {
  const received: Received[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const signature = verifySignature(SECRET, body, req.headers[SIGNATURE_HEADER] as string, clockS());
      received.push({ headers: req.headers, body, signature });
      if (!signature.ok) {
        res.writeHead(401).end(signature.reason);
        return;
      }
      const step = script[received.length - 1] ?? { status: 200 };
      if (step === "hang") return;
      res.writeHead(step.status, step.headers).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/nanofuse/apply?token=abc`, received };
}

/** A clock the test moves, and a sleep that only advances it (no real waiting). */
function time(startMs = 1_767_225_600_000) {
  let nowMs = startMs;
  const slept: number[] = [];
  return {
    now: () => nowMs,
    seconds: () => Math.floor(nowMs / 1000),
    sleep: async (ms: number) => {
      slept.push(ms);
      nowMs += ms;
    },
    slept,
  };
}

/** The applier under test, on the test's clock, with the receiver's secret unless told otherwise. */
const applierFor = (
  url: string,
  clock: ReturnType<typeof time>,
  options: Partial<WebhookApplierOptions> = {},
) => webhookApplier({ url, secret: SECRET, now: clock.now, sleep: clock.sleep, ...options });

describe("the webhook applier", () => {
  it("delivers the signed layout once to a receiver that checks the signature", async () => {
    const clock = time();
    const { url, received } = await receiver([], clock.seconds);
    const result = await applierFor(url, clock).apply(request);
    expect(result).toMatchObject({ ok: true, applier: "webhook", attempts: 1, status: 200 });
    expect(result.target).toBe(url.replace("?token=abc", ""));
    expect(received).toHaveLength(1);
    expect(received[0].signature).toEqual({ ok: true });
    expect(received[0].headers["idempotency-key"]).toBe("apply-p-7-v3");
    expect(received[0].headers["content-type"]).toBe("application/json");
    expect(JSON.parse(received[0].body)).toEqual({ type: "nanofuse.layout.apply", ...request });
  });

  it("retries after 503s with jittered backoff and the same idempotency key, then succeeds", async () => {
    const clock = time();
    const { url, received } = await receiver([{ status: 503 }, { status: 503 }], clock.seconds);
    const applier = applierFor(url, clock, { baseDelayMs: 200, maxDelayMs: 5000, random: seededRandom(3) });
    const result = await applier.apply(request);
    expect(result).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(result.history.map((a) => a.status)).toEqual([503, 503, 200]);
    expect(received.map((r) => r.headers["idempotency-key"])).toEqual(Array(3).fill("apply-p-7-v3"));
    expect(received.map((r) => r.headers["nanofuse-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(received.map((r) => r.body)).size).toBe(1);
    expect(received.every((r) => r.signature.ok)).toBe(true);
    // Full jitter: the n-th wait is below 200 ms · 2^(n−1); the clock moved by them, so the later
    // attempts were signed with a later timestamp.
    expect(clock.slept).toHaveLength(2);
    expect(clock.slept[0]).toBeLessThan(200);
    expect(clock.slept[1]).toBeLessThan(400);
    expect(result.history.slice(0, 2).map((a) => a.delayMs)).toEqual(clock.slept);
  });

  it("waits at least what a 429's Retry-After asks, up to the cap", async () => {
    const clock = time();
    const { url } = await receiver([{ status: 429, headers: { "retry-after": "3" } }], clock.seconds);
    const applier = applierFor(url, clock, { maxDelayMs: 60_000 });
    expect(await applier.apply(request)).toMatchObject({ ok: true, attempts: 2 });
    expect(clock.slept).toEqual([3000]);
  });

  it("gives up an attempt that gets no answer within its timeout and tries again", async () => {
    const clock = time();
    const { url, received } = await receiver(["hang"], clock.seconds);
    const applier = applierFor(url, clock, { timeoutMs: 150 });
    const result = await applier.apply(request);
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(result.history[0].error).toBe("no answer within 150 ms");
    expect(received).toHaveLength(2);
  });

  it("reports a receiver that never answers as a retriable failure after the last attempt", async () => {
    const clock = time();
    const { url } = await receiver(["hang", "hang", "hang"], clock.seconds);
    const applier = applierFor(url, clock, { maxAttempts: 3, timeoutMs: 100 });
    const result = await applier.apply(request);
    expect(result).toMatchObject({
      ok: false,
      code: "NF_APPLY_WEBHOOK_FAILED",
      retriable: true,
      attempts: 3,
    });
    expect(result.ok === false && result.message).toContain("after 3 attempts: no answer within 100 ms");
  });

  it("does not retry a 401 from a receiver that refuses the signature, and reports it", async () => {
    const clock = time();
    const { url, received } = await receiver([], clock.seconds);
    const applier = applierFor(url, clock, { secret: "not-the-shared-secret" });
    const result = await applier.apply(request);
    expect(result).toMatchObject({
      ok: false,
      code: "NF_APPLY_WEBHOOK_REFUSED",
      retriable: false,
      attempts: 1,
      lastStatus: 401,
    });
    expect(received).toHaveLength(1);
    expect(received[0].signature).toEqual({ ok: false, reason: "no signature matches" });
    expect(clock.slept).toEqual([]);
    expect(JSON.stringify(result)).not.toContain("not-the-shared-secret");
  });

  it("does not retry other 4xx answers", async () => {
    const clock = time();
    const { url, received } = await receiver([{ status: 409 }], clock.seconds);
    const result = await applierFor(url, clock).apply(request);
    expect(result).toMatchObject({
      ok: false,
      code: "NF_APPLY_WEBHOOK_REFUSED",
      lastStatus: 409,
      attempts: 1,
    });
    expect(received).toHaveLength(1);
  });

  it("retries a refused connection and reports the network error", async () => {
    const clock = time();
    const { url } = await receiver([], clock.seconds);
    await stop();
    const applier = applierFor(url, clock, { maxAttempts: 2 });
    const result = await applier.apply(request);
    expect(result).toMatchObject({
      ok: false,
      code: "NF_APPLY_WEBHOOK_FAILED",
      retriable: true,
      attempts: 2,
    });
    expect(result.history.map((a) => a.error)).toEqual([
      expect.stringContaining("ECONNREFUSED"),
      expect.stringContaining("ECONNREFUSED"),
    ]);
  });

  it("refuses a bad configuration when it is created and a bad request without sending it", async () => {
    for (const options of [
      { url: "not a url", secret: SECRET },
      { url: "ftp://127.0.0.1/x", secret: SECRET },
      { url: "http://127.0.0.1/x", secret: "" },
      { url: "http://127.0.0.1/x", secret: SECRET, maxAttempts: 0 },
    ]) {
      expect(() => webhookApplier(options)).toThrow(
        expect.objectContaining({ code: "NF_APPLY_CONFIG_INVALID" }),
      );
    }
    const clock = time();
    const { url, received } = await receiver([], clock.seconds);
    const applier = applierFor(url, clock);
    const result = await applier.apply({ ...request, idempotencyKey: "two\nlines" });
    expect(result).toMatchObject({ ok: false, code: "NF_APPLY_REQUEST_INVALID", attempts: 0 });
    expect(received).toHaveLength(0);
  });
});

import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LOAD, dueAt, refusedTarget, runLoad } from "./load.ts";

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A real HTTP server on a free loopback port. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler).listen(0, "127.0.0.1");
  servers.push(server);
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/invoke/front`;
}

describe("the load generator", () => {
  it("spaces a steady load evenly at the requested rate", () => {
    const o = { ...DEFAULT_LOAD, ratePerSecond: 100 };
    expect([0, 1, 2, 100].map((i) => dueAt(i, o))).toEqual([0, 10, 20, 1000]);
  });

  it("sends a bursty load in back-to-back bursts with idle gaps, at the same average rate", () => {
    const o = {
      ...DEFAULT_LOAD,
      profile: "bursty" as const,
      ratePerSecond: 100,
      burstSize: 5,
      idleEvery: 2,
      idleMs: 500,
    };
    expect([0, 4, 5, 9, 10].map((i) => dueAt(i, o))).toEqual([0, 0, 50, 50, 100 + 500]);
  });

  it("refuses to send load anywhere but loopback, and to something that is not an http URL", async () => {
    await expect(runLoad({ url: "http://10.0.0.1:8080/" })).rejects.toMatchObject({ code: "NF_USAGE" });
    expect(refusedTarget("notaurl")).toMatch(/^notaurl is not a URL/);
    expect(refusedTarget("file:///etc/passwd")).toMatch(/not file:/);
    expect(refusedTarget("http://localhost:1234/invoke/x")).toBeUndefined();
  });

  it("counts failed requests by reason: the status with the host's error code, and its first message", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { code: "NF_CALL_TIMEOUT", message: "call timed out: a → b", unit: "a" } }),
      );
    });
    const report = await runLoad({ url, requests: 3, ratePerSecond: 1000 });
    expect(report).toMatchObject({ sent: 3, ok: 0, failed: 3 });
    expect(report.failures).toEqual([
      { reason: "HTTP 500 NF_CALL_TIMEOUT", count: 3, example: "call timed out: a → b" },
    ]);
  });

  it("does not follow a redirect, not even to loopback: it is a failed request that says where it led", async () => {
    let followed = 0;
    const elsewhere = await serve((_req, res) => {
      followed++;
      res.end("{}");
    });
    const url = await serve((_req, res) => {
      res.writeHead(307, { location: elsewhere });
      res.end();
    });
    const report = await runLoad({ url, requests: 2, ratePerSecond: 1000 });
    expect(report.failures).toEqual([
      { reason: "HTTP 307 redirect", count: 2, example: `redirect to ${elsewhere} not followed` },
    ]);
    expect(followed).toBe(0);
  });
});

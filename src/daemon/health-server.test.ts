import { afterEach, describe, expect, it } from "vitest";
import { NanofuseError } from "../errors.ts";
import type { DaemonStats } from "./daemon.ts";
import { type HealthServer, startHealthServer } from "./health-server.ts";
import { DaemonMetrics } from "./metrics.ts";

const idle: DaemonStats = {
  partitions: [],
  records: 0,
  spans: 0,
  traces: 0,
  alreadyCounted: 0,
  inFlightTraces: 0,
  bufferedSpans: 0,
  deadLettered: 0,
  deadLetterFailed: 0,
  paused: false,
  pauses: 0,
  commits: 0,
  conflicts: 0,
  duplicateSpans: 0,
  evictedTraces: 0,
  lag: [],
};

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the daemon's health server", () => {
  it("answers /readyz 503 while the daemon is not consuming and /healthz 503 while the store does not answer", async () => {
    let ready = false;
    let storeUp = true;
    server = await startHealthServer({
      host: "127.0.0.1",
      port: 0,
      metrics: new DaemonMetrics(
        () => idle,
        () => undefined,
      ),
      ping: async () => {
        if (!storeUp) throw new NanofuseError("NF_STORE_UNAVAILABLE", "connection refused");
      },
      ready: () => ready,
    });
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    storeUp = false;
    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: "store unavailable", code: "NF_STORE_UNAVAILABLE" });
    expect((await fetch(`${server.url}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("refuses a port already in use with NF_LISTEN_REFUSED", async () => {
    const metrics = new DaemonMetrics(
      () => idle,
      () => undefined,
    );
    const options = { host: "127.0.0.1", metrics, ping: async () => {}, ready: () => true };
    server = await startHealthServer({ ...options, port: 0 });
    const port = Number(new URL(server.url).port);
    await expect(startHealthServer({ ...options, port })).rejects.toMatchObject({
      code: "NF_LISTEN_REFUSED",
    });
  });
});

/**
 * The daemon's HTTP side, for an orchestrator and Prometheus: `GET /metrics` (the OpenTelemetry
 * Prometheus exporter's text format), `GET /healthz` (200 while the process is alive and its store
 * answers: restart it otherwise) and `GET /readyz` (200 while it consumes: started, not stopping, the
 * Kafka consumer not failed for good; 503 otherwise, so no traffic or alert is routed to a daemon
 * that is joining or leaving). node:http rather than the API's fastify: three fixed routes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NanofuseError } from "../errors.ts";
import type { DaemonMetrics } from "./metrics.ts";

export interface HealthServerOptions {
  host: string;
  port: number;
  metrics: DaemonMetrics;
  /** Rejects when the store does not answer. */
  ping: () => Promise<void>;
  ready: () => boolean;
}

export interface HealthServer {
  /** `http://host:port`, with the port bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

const json = (status: number, body: unknown) => ({ status, body: `${JSON.stringify(body)}\n` });

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (path === "/metrics") {
      options.metrics.exporter.getMetricsRequestHandler(req, res);
      return;
    }
    const answer = async () => {
      if (path === "/readyz")
        return options.ready()
          ? json(200, { status: "ok" })
          : json(503, { status: "not ready", code: "NF_NOT_READY" });
      if (path === "/healthz") {
        try {
          await options.ping();
          return json(200, { status: "ok" });
        } catch (error) {
          const code = error instanceof NanofuseError ? error.code : "NF_STORE_UNAVAILABLE";
          return json(503, { status: "store unavailable", code });
        }
      }
      return json(404, { status: "not found" });
    };
    void answer().then(({ status, body }) => {
      res.writeHead(status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new NanofuseError(
          "NF_LISTEN_REFUSED",
          `metrics on ${options.host}:${options.port}: ${error.code ?? error.message}`,
          {
            cause: error,
          },
        ),
      ),
    );
    server.listen(options.port, options.host, resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

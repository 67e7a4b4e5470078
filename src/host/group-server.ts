/**
 * A group's HTTP server (loopback only): `POST /invoke/<unit>` runs a unit and answers
 * `{"result": …}` or, when it throws, 500 `{"error": {code, message, unit}}`; `POST /deliver/<unit>`
 * acknowledges a send (202) and then runs the unit; `GET /healthz`. Trace context arrives as W3C
 * `traceparent`; a request without it starts a new trace (an outside request at the entry). An
 * outside request's `x-request-id` header (which `host load` sends) is kept on its SERVER span as
 * `nanofuse.request_id`, so a trace can be matched with the request that caused it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import type { GroupRuntime } from "./runtime.ts";
import { MESSAGING_SYSTEM } from "./spans.ts";
import { decode, encode, wireError } from "./wire.ts";

/** Bodies beyond this are refused (413): a runaway payload factor should fail loudly, not swap. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

const ROUTE = /^\/(invoke|deliver)\/([^/]+)$/;

function reply(res: ServerResponse, status: number, value: unknown): void {
  const body = encode(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const failure = (code: string, message: string, unit = "") => ({ error: { code, message, unit } });

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function handle(runtime: GroupRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://group");
  if (url.pathname === "/healthz" && req.method === "GET")
    return reply(res, runtime.ready ? 200 : 503, runtime.health());
  const route = ROUTE.exec(url.pathname);
  if (!route) return reply(res, 404, failure("NF_USAGE", `no route ${url.pathname}`));
  if (req.method !== "POST") return reply(res, 405, failure("NF_USAGE", "use POST"));
  const unit = decodeURIComponent(route[2]);
  if (!runtime.ready) return reply(res, 503, failure("NF_HOST_START_FAILED", "group is starting", unit));
  if (!runtime.invoker.runsHere(unit))
    return reply(res, 404, failure("NF_CALL_FAILED", `${unit} does not run in group ${runtime.group}`, unit));
  const text = await readBody(req);
  if (text === undefined)
    return reply(res, 413, failure("NF_USAGE", `body over ${MAX_BODY_BYTES} bytes`, unit));
  let input: unknown;
  try {
    input = decode(text);
  } catch {
    return reply(res, 400, failure("NF_JSON_MALFORMED", "body is not JSON", unit));
  }
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const { localPort } = req.socket;
  if (route[1] === "deliver") {
    reply(res, 202, { accepted: true });
    // Runs after the acknowledgement; its error is recorded on its CONSUMER span, nowhere else.
    runtime.invoker
      .invoke(unit, input, parent, "message", {
        "messaging.system": MESSAGING_SYSTEM,
        "messaging.operation.type": "process",
        "messaging.destination.name": unit,
      })
      .catch(() => {});
    return;
  }
  const requestId = req.headers["x-request-id"];
  const attributes = {
    ...(typeof requestId === "string" && requestId.length <= 64 ? { "nanofuse.request_id": requestId } : {}),
    "http.request.method": "POST",
    "url.path": url.pathname,
    "server.address": "127.0.0.1",
    "server.port": localPort ?? 0,
  };
  let result: unknown;
  try {
    result = await runtime.invoker.invoke(unit, input, parent, "http", attributes);
  } catch (error) {
    return reply(res, 500, wireError(error, unit));
  }
  reply(res, 200, { result: result ?? null });
}

/** Longer than the callers' idle timeout (network.ts IDLE_SOCKET_MS), so callers close first. */
export const KEEP_ALIVE_MS = 10_000;

export function createGroupServer(runtime: GroupRuntime): Server {
  const server = createServer((req, res) => {
    handle(runtime, req, res).catch((error) => {
      if (!res.headersSent) reply(res, 500, wireError(error, ""));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return server;
}

/**
 * The OTLP/HTTP trace receiver (opentelemetry-proto docs/specification.md, "OTLP/HTTP"), built without
 * listening: `POST /v1/traces` with `application/x-protobuf` or `application/json`, optionally gzip.
 * It answers as the specification says: 200 with a partial success when some spans were rejected,
 * 400 when nothing in the body could be read, 429 (rate limit) and 503 (buffer full or event loop
 * lagging) with Retry-After, which exporters retry; each answer in the encoding of the request.
 * Defaults: 16 MiB bodies after decompression, 1,000 requests a second per client address.
 */
import rateLimit from "@fastify/rate-limit";
import underPressure from "@fastify/under-pressure";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import { createAuthenticator, DEFAULT_AUTH_CACHE_MS } from "../api/auth.ts";
import { installErrorHandling, RETRY_AFTER_S } from "../api/errors.ts";
import { NanofuseError } from "../errors.ts";
import type { Span } from "../model/span.ts";
import type { TokenStore } from "../store/store.ts";
import { decodeExport, describeProblems } from "./decode.ts";
import { gunzipRequests } from "./gunzip.ts";
import { CONTENT_TYPE, type Encoding, exportResponse, statusMessage } from "./otlp-messages.ts";

/** Where received spans go: the live pipeline. */
export interface SpanIntake {
  /** False while the buffer is full: the receiver then answers 503 without reading the body. */
  accepting(): boolean;
  /** The spans of one request, received at `nowUs` (wall clock, µs since the epoch). */
  offer(spans: readonly Span[], nowUs: number): void;
}

export interface ReceiverDeps {
  intake: SpanIntake;
  clock: () => Date;
  /** Needed when `auth` is "token". */
  tokens?: TokenStore;
}

export interface ReceiverOptions {
  /** Largest body after decompression. */
  bodyLimit: number;
  /** Requests per second per client address. */
  rateLimit: number;
  maxEventLoopDelayMs: number;
  /** "token": every request needs a bearer token of any role. */
  auth: "none" | "token";
  logLevel: string;
}

export const DEFAULT_RECEIVER_OPTIONS: ReceiverOptions = {
  bodyLimit: 16 * 1024 * 1024,
  rateLimit: 1000,
  maxEventLoopDelayMs: 1000,
  auth: "none",
  logLevel: "warn",
};

const ENCODINGS: Record<string, Encoding> = {
  "application/x-protobuf": "protobuf",
  "application/protobuf": "protobuf",
  "application/json": "json",
};

/** The encoding of the answer: the request's, JSON when it has none we know. */
function encodingOf(request: FastifyRequest): Encoding {
  const type = String(request.headers["content-type"] ?? "")
    .split(";")[0]
    .trim()
    .toLowerCase();
  return ENCODINGS[type] ?? "json";
}

export async function buildReceiver(
  deps: ReceiverDeps,
  options: Partial<ReceiverOptions> = {},
): Promise<FastifyInstance> {
  const o = { ...DEFAULT_RECEIVER_OPTIONS, ...options };
  const app = Fastify({
    logger: o.logLevel === "silent" ? false : { level: o.logLevel },
    bodyLimit: o.bodyLimit,
    return503OnClosing: true,
  });
  installErrorHandling(app, (request, reply, error) =>
    reply
      .type(CONTENT_TYPE[encodingOf(request)])
      .send(statusMessage(encodingOf(request), error.status, `${error.code}: ${error.message}`)),
  );
  app.removeAllContentTypeParsers();
  for (const type of Object.keys(ENCODINGS))
    app.addContentTypeParser(type, { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  gunzipRequests(app);

  if (o.auth === "token") {
    if (!deps.tokens) throw new Error("a receiver requiring tokens needs the token store");
    const auth = createAuthenticator(deps.tokens, deps.clock, DEFAULT_AUTH_CACHE_MS);
    app.addHook("onRequest", async (request) => {
      await auth.authenticate(request, "viewer");
    });
  }
  app.addHook("onRequest", async () => {
    if (!deps.intake.accepting())
      throw new NanofuseError("NF_OVERLOADED", "the trace buffer is full; retry later");
  });
  await app.register(underPressure, { maxEventLoopDelay: o.maxEventLoopDelayMs, retryAfter: RETRY_AFTER_S });
  await app.register(rateLimit, {
    max: o.rateLimit,
    timeWindow: 1000,
    errorResponseBuilder: (_request, context) =>
      new NanofuseError(
        "NF_RATE_LIMITED",
        `at most ${context.max} requests a second; retry in ${context.after}`,
      ),
  });

  app.post("/v1/traces", async (request, reply) => {
    const encoding = encodingOf(request);
    const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const decoded = await decodeExport(body, encoding);
    const message = describeProblems(decoded);
    if (decoded.spans.length === 0 && decoded.rejected > 0)
      throw new NanofuseError(decoded.problems[0].code, `nothing could be read: ${message}`);
    deps.intake.offer(decoded.spans, deps.clock().getTime() * 1000);
    return reply.type(CONTENT_TYPE[encoding]).send(exportResponse(encoding, decoded.rejected, message));
  });
  return app;
}

/**
 * Every failure of the API and the receiver as an HTTP status and a stable NF_ code. Bodies carry
 * the code, a message and whether a retry can help; never a stack trace, SQL or the request's bytes
 * (style 7). Unknown failures are 500 NF_INTERNAL with the catalogue's message only, and are logged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { catalogue, type ErrorCode, NanofuseError } from "../errors.ts";

const STATUS: Partial<Record<ErrorCode, number>> = {
  NF_REQUEST_INVALID: 400,
  NF_PROPOSAL_REASON_REQUIRED: 400,
  NF_ROLLOUT_INVALID: 400,
  NF_JUDGE_POLICY_INVALID: 400,
  NF_TOKEN_INVALID: 400,
  NF_STORE_INVALID: 400,
  NF_JSON_MALFORMED: 400,
  NF_PROTO_MALFORMED: 400,
  NF_GZIP_CORRUPT: 400,
  NF_SHAPE_INVALID: 400,
  NF_FORMAT_UNKNOWN: 400,
  NF_SPAN_BAD_ID: 400,
  NF_SPAN_ZERO_ID: 400,
  NF_SPAN_END_BEFORE_START: 400,
  NF_SPAN_BAD_TIMESTAMP: 400,
  NF_AUTH_REQUIRED: 401,
  NF_AUTH_INVALID: 401,
  NF_AUTH_REVOKED: 401,
  NF_FORBIDDEN: 403,
  NF_NOT_FOUND: 404,
  NF_PROPOSAL_NOT_FOUND: 404,
  NF_ROLLOUT_NOT_FOUND: 404,
  NF_PROPOSAL_VERSION_CONFLICT: 409,
  NF_PROPOSAL_ILLEGAL_TRANSITION: 409,
  NF_BODY_TOO_LARGE: 413,
  NF_MEDIA_TYPE_UNSUPPORTED: 415,
  NF_REVISION_REQUIRED: 428,
  NF_RATE_LIMITED: 429,
  NF_INTERNAL: 500,
  NF_ROLLOUT_APPLY_FAILED: 502,
  NF_OVERLOADED: 503,
  NF_NOT_READY: 503,
  NF_DASHBOARD_NOT_BUILT: 503,
  NF_STORE_UNAVAILABLE: 503,
  NF_STORE_LOCKED: 503,
};

/** fastify's own error codes that are the client's fault, and what they mean here. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_VALIDATION: "NF_REQUEST_INVALID",
  FST_ERR_CTP_BODY_TOO_LARGE: "NF_BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "NF_MEDIA_TYPE_UNSUPPORTED",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "NF_REQUEST_INVALID",
  FST_ERR_CTP_EMPTY_JSON_BODY: "NF_REQUEST_INVALID",
  FST_ERR_CTP_INVALID_JSON_BODY: "NF_REQUEST_INVALID",
  FST_UNDER_PRESSURE: "NF_OVERLOADED",
  // zlib's, from a request body that is not the gzip stream its Content-Encoding says.
  Z_DATA_ERROR: "NF_GZIP_CORRUPT",
  Z_BUF_ERROR: "NF_GZIP_CORRUPT",
};

/** Answers of a healthy server under load or starting up: not faults to log. */
const EXPECTED_5XX: ReadonlySet<ErrorCode> = new Set(["NF_OVERLOADED", "NF_NOT_READY"]);

/** Seconds a client should wait before retrying an overloaded or starting server. */
export const RETRY_AFTER_S = 5;

export interface HttpError {
  status: number;
  code: ErrorCode;
  message: string;
  retriable: boolean;
}

export function statusOf(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

function fromCode(code: ErrorCode, message: string): HttpError {
  const status = statusOf(code);
  // A server-side failure's detail may hold internals (a query, a path): only the catalogue's text.
  return {
    status,
    code,
    message: status >= 500 ? catalogue[code].message : message,
    retriable: catalogue[code].retriable,
  };
}

/** What the client is told about `error`; `internal` says whether to log it as a server fault. */
export function describeError(error: unknown): HttpError & { internal: boolean } {
  if (error instanceof NanofuseError) {
    const status = statusOf(error.code);
    return {
      ...fromCode(error.code, error.message),
      internal: status >= 500 && !EXPECTED_5XX.has(error.code),
    };
  }
  const e = error as { code?: string; statusCode?: number; message?: string; validation?: unknown };
  const mapped = e.validation ? "NF_REQUEST_INVALID" : e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return { ...fromCode(mapped, cleanMessage(mapped, e.message)), internal: false };
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) {
    // Any other client error fastify raises (a bad URL, malformed JSON): its message is its own, not ours.
    return {
      ...fromCode("NF_REQUEST_INVALID", cleanMessage("NF_REQUEST_INVALID", e.message)),
      internal: false,
    };
  }
  return { ...fromCode("NF_INTERNAL", ""), internal: true };
}

function cleanMessage(code: ErrorCode, message: string | undefined): string {
  const base = catalogue[code].message;
  if (!message) return base;
  // JSON.parse messages quote the offending text; keep the position, never the payload.
  const detail = message.replace(/"[^"]*"/g, "…").slice(0, 300);
  return `${base}: ${detail}`;
}

export function errorBody(error: HttpError): {
  error: { code: ErrorCode; message: string; retriable: boolean };
} {
  return { error: { code: error.code, message: error.message, retriable: error.retriable } };
}

/** How an app writes an error: JSON for the API, the request's own encoding for the receiver. */
export type ErrorWriter = (request: FastifyRequest, reply: FastifyReply, error: HttpError) => unknown;

export const writeJsonError: ErrorWriter = (_request, reply, error) => reply.send(errorBody(error));

/** One error handler and one not-found handler for an app: every failure leaves as an HttpError. */
export function installErrorHandling(app: FastifyInstance, write: ErrorWriter): void {
  app.setErrorHandler((error, request, reply) => {
    const described = describeError(error);
    if (described.internal) request.log.error({ err: error }, "request failed");
    const { internal: _, ...httpError } = described;
    if (httpError.status === 401) reply.header("www-authenticate", 'Bearer realm="nanofuse"');
    if ((httpError.status === 503 || httpError.status === 429) && !reply.hasHeader("retry-after"))
      reply.header("retry-after", String(RETRY_AFTER_S));
    reply.status(httpError.status);
    return write(request, reply, httpError);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0].slice(0, 200);
    reply.status(404);
    return write(request, reply, {
      status: 404,
      code: "NF_NOT_FOUND",
      message: `no route for ${request.method} ${path}`,
      retriable: false,
    });
  });
}

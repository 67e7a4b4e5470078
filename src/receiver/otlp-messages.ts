/**
 * The OTLP/HTTP answers (opentelemetry-proto docs/specification.md, "OTLP/HTTP Response"), in the
 * encoding of the request: an ExportTraceServiceResponse whose `partial_success` says how many spans
 * were rejected and why (left out when all were accepted), or for a failed request a google.rpc.Status.
 * Field numbers: ExportTraceServiceResponse.partial_success = 1; ExportTracePartialSuccess
 * rejected_spans = 1 (int64), error_message = 2; Status code = 1 (int32), message = 2.
 */
import protobuf from "protobufjs";

export type Encoding = "protobuf" | "json";

export const CONTENT_TYPE: Record<Encoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

export function exportResponse(encoding: Encoding, rejected: number, message: string): Buffer | string {
  if (encoding === "json")
    return JSON.stringify(
      rejected > 0 || message
        ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } }
        : {},
    );
  if (rejected === 0 && !message) return Buffer.alloc(0);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork();
  if (rejected > 0) w.uint32((1 << 3) | 0).int64(rejected);
  if (message) w.uint32((2 << 3) | 2).string(message);
  w.ldelim();
  return Buffer.from(w.finish());
}

/** gRPC status codes (google.rpc.Code) for the HTTP statuses the receiver answers with. */
function grpcCode(status: number): number {
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  if (status === 404) return 5; // NOT_FOUND
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status >= 500) return 13; // INTERNAL
  return 3; // INVALID_ARGUMENT
}

export function statusMessage(encoding: Encoding, httpStatus: number, message: string): Buffer | string {
  const code = grpcCode(httpStatus);
  if (encoding === "json") return JSON.stringify({ code, message });
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(code);
  w.uint32((2 << 3) | 2).string(message);
  return Buffer.from(w.finish());
}

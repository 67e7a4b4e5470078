/**
 * Decoders for what the receiver answers, independent of its encoder: ExportTraceServiceResponse from
 * the OTLP .proto files (shipped in @elastic/mockotlpserver), google.rpc.Status from its two fields.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import protobuf from "protobufjs";

const require = createRequire(import.meta.url);
const protoRoot = dirname(require.resolve("@elastic/mockotlpserver/package.json"));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(protoRoot, target);
root.loadSync("opentelemetry/proto/collector/trace/v1/trace_service.proto");

const response = root.lookupType("opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse");
const status = protobuf.Root.fromJSON({
  nested: {
    Status: { fields: { code: { type: "int32", id: 1 }, message: { type: "string", id: 2 } } },
  },
}).lookupType("Status");

export function decodeExportResponse(body: Buffer): {
  partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
} {
  return response.toObject(response.decode(body), { longs: String });
}

export function decodeStatus(body: Buffer): { code?: number; message?: string } {
  return status.toObject(status.decode(body));
}

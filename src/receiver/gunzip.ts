/**
 * Request bodies with `Content-Encoding: gzip`, decompressed before parsing: fastify does not do it,
 * and OTLP exporters compress (the SDK's `compression: 'gzip'`, the Collector by default). The body
 * limit then applies to the decompressed bytes, so a small bomb is refused like a large body; the
 * compressed length is reported as `receivedEncodedLength`, which fastify checks against
 * Content-Length. Any other encoding is 415.
 */
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { NanofuseError } from "../errors.ts";

export function gunzipRequests(app: FastifyInstance): void {
  app.addHook("preParsing", async (request, _reply, payload) => {
    const encoding = String(request.headers["content-encoding"] ?? "identity")
      .trim()
      .toLowerCase();
    if (encoding === "identity" || encoding === "") return payload;
    if (encoding !== "gzip")
      throw new NanofuseError(
        "NF_MEDIA_TYPE_UNSUPPORTED",
        `content-encoding ${JSON.stringify(encoding.slice(0, 40))}: only gzip`,
      );
    const gunzip = createGunzip() as ReturnType<typeof createGunzip> & { receivedEncodedLength: number };
    gunzip.receivedEncodedLength = 0;
    payload.on("data", (chunk: Buffer) => {
      gunzip.receivedEncodedLength += chunk.length;
    });
    payload.on("error", (error) => gunzip.destroy(error));
    payload.pipe(gunzip);
    return gunzip as Readable as typeof payload;
  });
}

/**
 * DDSketches as bytes: @datadog/sketches-js's own protobuf (`toProto`/`fromProto`). `fromProto`
 * restores the buckets and counts but not min, max and sum, which nanofuse does not read from a
 * sketch (sums are kept in their own columns).
 */
import { DDSketch } from "@datadog/sketches-js";

export const encodeSketch = (sketch: DDSketch): Uint8Array => sketch.toProto();

export const sketchBase64 = (sketch: DDSketch): string => Buffer.from(sketch.toProto()).toString("base64");

/** Adds the stored sketch into `into` (a fresh sketch of the aggregate), keeping its mapping. */
export function mergeStoredSketch(into: DDSketch, bytes: Uint8Array): void {
  into.merge(DDSketch.fromProto(bytes) as DDSketch);
}

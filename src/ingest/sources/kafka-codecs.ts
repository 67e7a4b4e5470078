/**
 * The compression codecs of the OpenTelemetry Collector's kafka exporter (none, gzip, snappy, lz4,
 * zstd) for kafkajs, which has only gzip built in. All three added codecs are plain JavaScript, so
 * nothing is compiled at install time:
 * - snappy: kafkajs-snappy (snappyjs), which also reads the xerial framing Java producers write;
 * - lz4: lz4js, the LZ4 frame format that Kafka uses since message format v1 (KIP-57);
 * - zstd: @mongodb-js/zstd 1.2.2 (an optional dependency: zstd itself through Node-API, prebuilt per
 *   platform and installed from the npm registry, ~10× faster here), else fzstd, a plain-JS decoder
 *   only, so that a platform without the prebuilt binary still reads zstd batches. Later versions of
 *   @mongodb-js/zstd download their binary at install time, which this machine cannot.
 * The daemon's own dead-letter records go out uncompressed.
 */
import { createRequire } from "node:module";
import { decompress as zstdDecompress } from "fzstd";
// kafkajs is CommonJS and Node's ESM loader sees only some of its exports: the codec table is not one.
import kafkajs from "kafkajs";
import SnappyCodec from "kafkajs-snappy";
import lz4 from "lz4js";

interface Encoder {
  buffer: Buffer;
}

const lz4Codec = () => ({
  async compress(encoder: Encoder): Promise<Buffer> {
    return Buffer.from(lz4.compress(encoder.buffer));
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    return Buffer.from(lz4.decompress(buffer));
  },
});

interface NativeZstd {
  compress(data: Buffer, level?: number): Promise<Buffer>;
  decompress(data: Buffer): Promise<Buffer>;
}

/** The native zstd binding when its prebuilt binary installed on this platform. */
export function nativeZstd(): NativeZstd | undefined {
  try {
    return createRequire(import.meta.url)("@mongodb-js/zstd") as NativeZstd;
  } catch {
    return undefined;
  }
}

const zstdCodec = (native: NativeZstd | undefined) =>
  native
    ? () => ({
        compress: (encoder: Encoder) => native.compress(encoder.buffer),
        decompress: (buffer: Buffer) => native.decompress(buffer),
      })
    : () => ({
        async compress(): Promise<Buffer> {
          throw new Error("zstd compression needs @mongodb-js/zstd, which is not installed here");
        },
        async decompress(buffer: Buffer): Promise<Buffer> {
          const out = zstdDecompress(buffer);
          return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
        },
      });

/** Registers the codecs in kafkajs's process-wide table; safe to call more than once. */
export function registerKafkaCodecs(options: { zstd?: "native" | "js" } = {}): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec(options.zstd === "js" ? undefined : nativeZstd());
}

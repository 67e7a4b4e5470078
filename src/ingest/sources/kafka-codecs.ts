/**
 * The compression codecs of the OpenTelemetry Collector's kafka exporter (none, gzip, snappy, lz4,
 * zstd) for kafkajs, which has only gzip built in. All three added codecs are plain JavaScript, so
 * nothing is compiled at install time:
 * - snappy: kafkajs-snappy (snappyjs), which also reads the xerial framing Java producers write;
 * - lz4: lz4js, the LZ4 frame format that Kafka uses since message format v1 (KIP-57);
 * - zstd: fzstd, a decoder only (no maintained pure-JS zstd encoder exists), so the daemon reads
 *   zstd batches but never produces them; its own dead-letter records go out uncompressed.
 */
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

const zstdCodec = () => ({
  async compress(): Promise<Buffer> {
    throw new Error("zstd compression is not available for producing (fzstd only decodes)");
  },
  async decompress(buffer: Buffer): Promise<Buffer> {
    const out = zstdDecompress(buffer);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  },
});

/** Registers the codecs in kafkajs's process-wide table; safe to call more than once. */
export function registerKafkaCodecs(): void {
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
  CompressionCodecs[CompressionTypes.LZ4] = lz4Codec;
  CompressionCodecs[CompressionTypes.ZSTD] = zstdCodec;
}

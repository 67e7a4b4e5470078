import kafkajs from "kafkajs";
import { afterEach, describe, expect, it } from "vitest";
import { batchedRecords, shopTraces } from "../../../test/support/kafka-records.ts";
import { nativeZstd, registerKafkaCodecs } from "./kafka-codecs.ts";

const { CompressionCodecs, CompressionTypes } = kafkajs;
const payload = Buffer.concat(batchedRecords(shopTraces(40), 64).map((r) => r.value));
const codec = (type: number) =>
  (
    CompressionCodecs as Record<
      number,
      () => { decompress(b: Buffer): Promise<Buffer>; compress(e: { buffer: Buffer }): Promise<Buffer> }
    >
  )[type]();

afterEach(() => registerKafkaCodecs());

describe("the kafkajs codecs", () => {
  it("read zstd through the native binding, and through the plain-JS decoder what libzstd wrote", async () => {
    const native = nativeZstd();
    expect(native, "@mongodb-js/zstd installs its prebuilt binary on linux x64").toBeDefined();
    const compressed = await (native as NonNullable<typeof native>).compress(payload, 3);
    registerKafkaCodecs();
    expect((await codec(CompressionTypes.ZSTD).decompress(compressed)).equals(payload)).toBe(true);
    registerKafkaCodecs({ zstd: "js" });
    expect((await codec(CompressionTypes.ZSTD).decompress(compressed)).equals(payload)).toBe(true);
  });

  it("round-trip lz4 frames and snappy", async () => {
    for (const type of [CompressionTypes.LZ4, CompressionTypes.Snappy]) {
      const compressed = await codec(type).compress({ buffer: payload });
      expect(compressed.length).toBeLessThan(payload.length / 2);
      expect((await codec(type).decompress(compressed)).equals(payload)).toBe(true);
    }
  });
});

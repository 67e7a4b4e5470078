import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { encodeRequest } from "../src/ingest/decoders/otlp-proto-testkit.ts";
import { otlpRequest } from "./support/otlp.ts";
import { replayApart } from "./support/replay-apart.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-hostile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function varint(n: number): Buffer {
  const out: number[] = [];
  for (; n >= 128; n = Math.floor(n / 128)) out.push((n % 128) | 128);
  return Buffer.from([...out, n]);
}

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const goodFile = (name: string) =>
  write(name, `${JSON.stringify(otlpRequest([{ spanId: "00000000000000a1" }]))}\n`);

/** The same gzip member repeated: gunzip reads concatenated members as one stream, so this expands `times`-fold. */
const repeatedMember = (piece: Buffer, times: number) =>
  Buffer.concat(Array(times).fill(gzipSync(piece, { level: 9 })));

describe("hostile input files", () => {
  it("stops reading a gzip bomb at --max-file-bytes, reports NF_FILE_TOO_LARGE with the file, and reads the next file", async () => {
    // 1 GiB of blank JSON lines after one good line, from 1.1 MB of gzip.
    const head = gzipSync(`${JSON.stringify(otlpRequest([{ spanId: "00000000000000b1" }]))}\n`);
    const bomb = write(
      "bomb.jsonl.gz",
      Buffer.concat([head, repeatedMember(Buffer.alloc(1 << 20, 0x0a), 1024)]),
    );
    const after = goodFile("after.jsonl");
    const out = await replayApart([bomb, after], { maxFileBytes: 16 * 1024 * 1024 });
    expect(out.rejected).toEqual({ NF_FILE_TOO_LARGE: 1 });
    expect(out.problems).toEqual([{ code: "NF_FILE_TOO_LARGE", file: bomb }]);
    expect(out.spans).toBe(2);
    expect(out.peakRssMb).toBeLessThan(300);
  });

  it("skips a 250 MB ResourceSpans of empty resource fields from a small .pb.gz with NF_ELEMENT_TOO_LARGE, in bounded memory, and reads the next file", async () => {
    // ExportTraceServiceRequest { resource_spans (250,000,000 bytes) { resource {} × 125,000,000 } }
    const header = Buffer.concat([Buffer.from([0x0a]), varint(250_000_000)]);
    const empties = Buffer.alloc(1_000_000);
    for (let i = 0; i < empties.length; i += 2) empties[i] = 0x0a;
    const pbgz = write(
      "empty-resources.pb.gz",
      Buffer.concat([gzipSync(header), repeatedMember(empties, 250)]),
    );
    const after = goodFile("after-pb.jsonl");
    const out = await replayApart([pbgz, after]);
    expect(out.problems).toEqual([{ code: "NF_ELEMENT_TOO_LARGE", file: pbgz }]);
    expect(out.spans).toBe(1);
    expect(out.peakRssMb).toBeLessThan(300);
  });

  it("decodes a 60 MB ResourceSpans of 30 million empty resource fields, under the size limit, without holding anything per field", async () => {
    // Below the element limit, so it is decoded: one span after 30 million merged empty resources.
    const one = encodeRequest({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.alloc(16, 0x11),
                  spanId: Buffer.alloc(8, 0x22),
                  name: "op",
                  startTimeUnixNano: "1735689600123456789",
                  endTimeUnixNano: "1735689600124000999",
                },
              ],
            },
          ],
        },
      ],
    });
    let start = 1; // after the tag, past the length's varint bytes
    while (one[start] & 0x80) start++;
    const payload = one.subarray(start + 1);
    const empties = Buffer.alloc(1_000_000);
    for (let i = 0; i < empties.length; i += 2) empties[i] = 0x0a;
    const header = Buffer.concat([Buffer.from([0x0a]), varint(60 * empties.length + payload.length)]);
    const file = write(
      "many-resources.pb.gz",
      Buffer.concat([gzipSync(header), repeatedMember(empties, 60), gzipSync(payload)]),
    );
    const out = await replayApart([file]);
    expect(out.rejected).toEqual({});
    expect(out.spans).toBe(1);
    expect(out.peakRssMb).toBeLessThan(300);
  });
});

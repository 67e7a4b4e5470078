import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildCallTree } from "../src/assemble/call-tree.ts";
import { derivedSpanId } from "../src/assemble/shared-spans.ts";
import { TraceBuffer } from "../src/assemble/trace-buffer.ts";
import { EPOCH_US, makeSpan, traceOf } from "../src/model/build.ts";
import { replayFiles } from "../src/pipeline/replay.ts";
import { type OtlpSpanInput, otlpRequest } from "./support/otlp.ts";
import { replayApart } from "./support/replay-apart.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-traces-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hex = (n: number, width = 16) => n.toString(16).padStart(width, "0");

function write(name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

const lines = (requests: OtlpSpanInput[][]) =>
  `${requests.map((r) => JSON.stringify(otlpRequest(r))).join("\n")}\n`;

describe("traces whose parent links are broken", () => {
  it("makes orphans of a parent cycle A→B→A and of a span that is its own parent, and counts each as NF_SPAN_PARENT_CYCLE", async () => {
    const file = write(
      "cycles.jsonl",
      lines([
        [
          { traceId: hex(1, 32), spanId: hex(0xa), parentSpanId: hex(0xb), startMs: 0, endMs: 10 },
          { traceId: hex(1, 32), spanId: hex(0xb), parentSpanId: hex(0xa), startMs: 1, endMs: 9 },
          { traceId: hex(2, 32), spanId: hex(0xc), parentSpanId: hex(0xc), startMs: 0, endMs: 5 },
        ],
      ]),
    );
    const orphans: string[] = [];
    const result = await replayFiles([file], (tree) =>
      orphans.push(...tree.orphans.map((n) => n.span.spanId)),
    );
    expect(orphans.sort()).toEqual([hex(0xa), hex(0xc)]);
    expect(result.problems.bySeverity("warn")).toEqual({ NF_SPAN_PARENT_CYCLE: 2 });
  });

  it("breaks a parent cycle through 100,000 spans without overflowing the stack", () => {
    const n = 100_000;
    const spans = Array.from({ length: n }, (_, i) =>
      makeSpan({ spanId: hex(i + 1), parentSpanId: hex(((i + 1) % n) + 1), startUs: EPOCH_US + i }),
    );
    const tree = buildCallTree(traceOf(spans));
    expect(tree.orphans.map((o) => o.span.spanId)).toEqual([hex(1)]);
    expect(tree.stats.brokenParents).toBe(1);
    expect(tree.nodes.size).toBe(n);
  });

  it("builds a trace of 100,000 roots with every span a root", () => {
    const spans = Array.from({ length: 100_000 }, (_, i) =>
      makeSpan({ spanId: hex(i + 1), startUs: EPOCH_US + i }),
    );
    const tree = buildCallTree(traceOf(spans));
    expect(tree.roots).toHaveLength(100_000);
    expect(tree.orphans).toHaveLength(0);
  });
});

describe("the trace buffer's bounds", () => {
  it("keeps a trace of exactly 100,000 spans whole, not partial, and splits one more", () => {
    const buffer = new TraceBuffer();
    for (let i = 0; i < 100_000; i++) buffer.push(makeSpan({ spanId: hex(i + 1) }), EPOCH_US);
    const [whole] = buffer.flush();
    expect([whole.spans.length, whole.cut, whole.partial]).toEqual([100_000, "flush", false]);
    const again = new TraceBuffer();
    for (let i = 0; i <= 100_000; i++) again.push(makeSpan({ spanId: hex(i + 1) }), EPOCH_US);
    expect(again.flush().map((t) => [t.spans.length, t.partial])).toEqual([
      [100_000, true],
      [1, true],
    ]);
  });

  it("remembers the last 100,000 cut traces to flag their late spans partial, forgetting the oldest first", () => {
    const buffer = new TraceBuffer();
    for (let i = 0; i <= 100_000; i++)
      buffer.push(makeSpan({ traceId: hex(i + 1, 32), spanId: hex(1) }), EPOCH_US);
    buffer.flush();
    buffer.push(makeSpan({ traceId: hex(1, 32), spanId: hex(2) }), EPOCH_US);
    buffer.push(makeSpan({ traceId: hex(2, 32), spanId: hex(2) }), EPOCH_US);
    expect(buffer.flush().map((t) => [t.key, t.partial])).toEqual([
      [hex(1, 32), false],
      [hex(2, 32), true],
    ]);
  });

  it("bounds the buffer by bytes as well as by spans: long names count, the oldest traces go first", () => {
    const buffer = new TraceBuffer({ maxBufferedBytes: 1_000_000 });
    for (let i = 0; i < 2_000; i++)
      buffer.push(
        makeSpan({ traceId: hex(i + 1, 32), spanId: hex(i + 1), name: "n".repeat(5_000) }),
        EPOCH_US,
      );
    const stats = buffer.stats();
    expect(stats.bufferedBytes).toBeLessThanOrEqual(1_000_000);
    expect(stats.evictedTraces).toBeGreaterThan(1_000);
    expect(buffer.flush().every((t) => t.spans[0].name.length <= 1024)).toBe(true);
  });

  it("keeps only the attributes the analysis reads", () => {
    const buffer = new TraceBuffer();
    const resource = { "service.name": "cart", "host.name": "h1", "process.command_line": "x".repeat(100) };
    buffer.push(
      makeSpan({
        spanId: hex(1),
        attributes: { "peer.service": "db", "http.url": "u".repeat(10_000) },
        resource,
      }),
      EPOCH_US,
    );
    buffer.push(makeSpan({ spanId: hex(2), resource }), EPOCH_US);
    const [trace] = buffer.flush();
    expect({ ...trace.spans[0].attributes }).toEqual({ "peer.service": "db" });
    expect({ ...trace.spans[0].resource }).toEqual({ "service.name": "cart" });
    expect(trace.spans[1].resource).toBe(trace.spans[0].resource);
  });

  it("completes traces that fit a --max-buffered-spans below the 4,096-span cut interval without evicting or flagging any", async () => {
    // 3,000 requests of three spans 5 ms apart, one line per request: about 60 spans live at a time.
    const file = write(
      "small-buffer.jsonl",
      lines(
        Array.from({ length: 3_000 }, (_, i) => {
          const t = i * 5;
          const traceId = hex(i + 1, 32);
          return [
            { traceId, spanId: hex(3 * i + 1), startMs: t, endMs: t + 30 },
            { traceId, spanId: hex(3 * i + 2), parentSpanId: hex(3 * i + 1), startMs: t + 5, endMs: t + 20 },
            { traceId, spanId: hex(3 * i + 3), parentSpanId: hex(3 * i + 1), startMs: t + 6, endMs: t + 25 },
          ];
        }),
      ),
    );
    let traces = 0;
    let partial = 0;
    const result = await replayFiles(
      [file],
      (tree) => {
        traces++;
        if (tree.trace.partial) partial++;
      },
      { buffer: { maxBufferedSpans: 500, idleUs: 100_000 } },
    );
    expect({ traces, partial, warnings: result.problems.bySeverity("warn") }).toEqual({
      traces: 3_000,
      partial: 0,
      warnings: {},
    });
  });
});

describe("many records sharing one span id", () => {
  it("assembles and resolves 100,000 records of one span id (one client, the rest servers) without quadratic work", () => {
    // Quadratic before: every record was compared with every earlier one of its id (104 s at 100k).
    const buffer = new TraceBuffer();
    for (let i = 0; i < 99_999; i++)
      buffer.push(
        makeSpan({
          spanId: "00000000000000aa",
          startUs: EPOCH_US + i,
          endUs: EPOCH_US + i + 10,
          kind: i ? "server" : "client",
        }),
        EPOCH_US,
      );
    buffer.push(
      makeSpan({ spanId: "00000000000000aa", startUs: EPOCH_US + 5, endUs: EPOCH_US + 15, kind: "server" }),
      EPOCH_US,
    );
    const [trace] = buffer.flush();
    expect([trace.spans.length, trace.duplicates]).toEqual([99_999, 1]);
    const tree = buildCallTree(trace);
    expect(tree.nodes.size).toBe(99_999);
    expect(tree.stats).toMatchObject({ sharedSpans: 1, idConflicts: 99_997 });
  });

  it("derives the same ids as 64-bit FNV-1a in BigInt arithmetic", () => {
    const reference = (spanId: string, marker: string) => {
      let hash = 0xcbf29ce484222325n;
      for (const char of `${spanId}/${marker}`) {
        hash ^= BigInt(char.charCodeAt(0));
        hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
      }
      return hash.toString(16).padStart(16, "0");
    };
    for (let i = 0; i < 1_000; i++) {
      const id = ((i * 2654435761) >>> 0).toString(16).padStart(16, "0");
      for (const marker of ["client", `repeat-${i}`])
        expect(derivedSpanId(id, marker)).toBe(reference(id, marker));
    }
  });
});

describe("spans that hold a lot", () => {
  it("replays 40 spans with a 10 MB attribute each, and 50 spans with 10,000 attributes each, in bounded memory", async () => {
    // Each line: its own ids, then the same 10 MB of "x" (one gzip member, compressed once), then the rest.
    const tenMegabytes = gzipSync(Buffer.alloc(10_000_000, "x"));
    const big = (i: number) => {
      const [head, tail] = JSON.stringify(
        otlpRequest([{ traceId: hex(i + 1, 32), spanId: hex(i + 1), attributes: { payload: "@@" } }]),
      ).split("@@");
      return Buffer.concat([gzipSync(head), tenMegabytes, gzipSync(`${tail}\n`)]);
    };
    const attributes: Record<string, string> = {};
    for (let k = 0; k < 10_000; k++) attributes[`k${k}`] = `v${k}`;
    const manyLine = JSON.stringify(otlpRequest([{ traceId: "@t", spanId: "@s", attributes }]));
    const many = (i: number) => manyLine.replace("@t", hex(i + 1000, 32)).replace("@s", hex(i + 1000));
    const bigFile = write(
      "big-attributes.jsonl.gz",
      Buffer.concat(Array.from({ length: 40 }, (_, i) => big(i))),
    );
    const manyFile = write(
      "many-attributes.jsonl.gz",
      gzipSync(`${Array.from({ length: 50 }, (_, i) => many(i)).join("\n")}\n`),
    );
    const out = await replayApart([bigFile, manyFile]);
    expect(out.spans).toBe(90);
    expect(out.rejected).toEqual({});
    expect(out.peakRssMb).toBeLessThan(450); // 795 MB before attributes were slimmed, 313 MB after
  }, 120_000);
});

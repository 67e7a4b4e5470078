import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { replayFiles } from "../src/pipeline/replay.ts";
import { seededRandom } from "../src/random.ts";
import { type OtlpSpanInput, otlpRequest } from "./support/otlp.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-clock-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** Replays the file; returns each trace as "key: span ids, cut, partial", sorted, and the warnings. */
async function replayTraces(file: string) {
  const traces: string[] = [];
  const result = await replayFiles([file], (tree) => {
    const { key, spans, cut, partial } = tree.trace;
    traces.push(`${key}: ${spans.map((s) => s.spanId).join(",")} ${cut} ${partial}`);
  });
  return { traces: traces.sort(), warnings: result.problems.bySeverity("warn") };
}

/**
 * 10,000 requests of three spans, one starting every 5 ms, written as an exporter would: batches of
 * 64 spans in order of end time, so a request's spans are spread over consecutive lines.
 */
function normalLines(): string[] {
  const spans: OtlpSpanInput[] = [];
  for (let i = 0; i < 10_000; i++) {
    const traceId = hex(i + 1, 32);
    const root = hex(3 * i + 1, 16);
    const t = i * 5;
    spans.push(
      { traceId, spanId: root, startMs: t, endMs: t + 40, kind: 2 },
      { traceId, spanId: hex(3 * i + 2, 16), parentSpanId: root, startMs: t + 5, endMs: t + 30 },
      { traceId, spanId: hex(3 * i + 3, 16), parentSpanId: root, startMs: t + 10, endMs: t + 20 },
    );
  }
  spans.sort((a, b) => (a.endMs as number) - (b.endMs as number));
  const lines: string[] = [];
  for (let i = 0; i < spans.length; i += 64) lines.push(JSON.stringify(otlpRequest(spans.slice(i, i + 64))));
  return lines;
}

describe("the replay's event clock", () => {
  it("is not moved by one span dated decades ahead: the other 10,000 traces come out exactly as without it", async () => {
    const lines = normalLines();
    const plain = join(dir, "plain.jsonl");
    writeFileSync(plain, `${lines.join("\n")}\n`);
    const future = JSON.stringify(
      otlpRequest([{ traceId: "f".repeat(32), spanId: "f".repeat(16), startMs: 9e11, endMs: 9e11 + 1 }]),
    );
    const withFuture = join(dir, "future.jsonl");
    writeFileSync(withFuture, `${[...lines.slice(0, 100), future, ...lines.slice(100)].join("\n")}\n`);

    const before = await replayTraces(plain);
    const after = await replayTraces(withFuture);
    expect(before.traces).toHaveLength(10_000);
    expect(after.traces.filter((t) => !t.startsWith("f".repeat(32)))).toEqual(before.traces);
    expect(after.traces.filter((t) => t.startsWith("f".repeat(32)))).toHaveLength(1);
    expect(after.warnings).toEqual({ NF_SPAN_FUTURE: 1 });
  });

  it("still moves on when the input really does: a second recording a day later is read on its own clock", async () => {
    const lines = normalLines();
    const dayLater = lines.map((l) =>
      l
        .replace(/"(\d{19})"/g, (_, ns: string) => `"${BigInt(ns) + 86_400_000_000_000n}"`)
        .replaceAll(/"traceId":"0/g, '"traceId":"d'),
    );
    const file = join(dir, "two-days.jsonl");
    writeFileSync(file, `${[...lines, ...dayLater].join("\n")}\n`);
    const { traces, warnings } = await replayTraces(file);
    expect(traces).toHaveLength(20_000);
    expect(traces.filter((t) => t.endsWith(" true"))).toEqual([]);
    expect(warnings).toEqual({});
  });
});

describe("replaying the same spans in another order", () => {
  const fixture = fileURLToPath(new URL("../fixtures/shop-baseline.otlp.jsonl.gz", import.meta.url));
  const lines = gunzipSync(readFileSync(fixture)).toString("utf8").split("\n").filter(Boolean);

  it("gives the shop recording's 2,400 traces, none partial, whichever way its lines are shuffled", async () => {
    const inOrder = join(dir, "shop.jsonl");
    writeFileSync(inOrder, `${lines.join("\n")}\n`);
    const expected = await replayTraces(inOrder);
    expect(expected.traces).toHaveLength(2400);
    for (const seed of [1, 2, 3]) {
      const random = seededRandom(seed);
      const shuffled = [...lines];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      const file = join(dir, `shop-shuffled-${seed}.jsonl`);
      writeFileSync(file, `${shuffled.join("\n")}\n`);
      const { traces } = await replayTraces(file);
      expect(traces.length, `seed ${seed}`).toBe(2400);
      expect(traces.map((t) => t.replace(/ (idle|flush) false$/, " complete"))).toEqual(
        expected.traces.map((t) => t.replace(/ (idle|flush) false$/, " complete")),
      );
    }
  }, 240_000);
});

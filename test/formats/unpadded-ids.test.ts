/**
 * Issue 8.1: Jaeger before 1.16 printed ids with `%x`, dropping leading zeros, and Zipkin/B3 carry
 * 64-bit trace ids. Every decoder reads a hex id of 1–16 digits (span) or 1–32 (trace) as the same
 * number left-padded, so both spellings of one trace give the same spans, trees and hops.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Inventory } from "../../src/analyse/inventory.ts";
import type { Span } from "../../src/model/span.ts";
import { replayFiles } from "../../src/pipeline/replay.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/formats/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "nanofuse-ids-"));

/** The same file with every id written in full, as a current exporter would. */
function padded(name: string): string {
  const keys = /"(traceID|spanID|traceId|spanId|parentSpanId|parentId|id)": ?"([0-9a-fA-F]+)"/g;
  const text = readFileSync(fixture(name), "utf8").replace(keys, (_m, key: string, id: string) => {
    const width = /^trace/i.test(key) ? (id.length <= 16 ? 16 : 32) : 16;
    return `"${key}": "${id.padStart(width, "0")}"`;
  });
  const out = join(dir, `padded-${name}`);
  writeFileSync(out, text);
  return out;
}

async function replay(file: string) {
  const inventory = new Inventory();
  const spans: Span[] = [];
  const result = await replayFiles([file], (tree) => {
    inventory.add(tree);
    for (const node of tree.nodes.values()) spans.push(node.span);
  });
  spans.sort((a, b) => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId));
  return { summary: inventory.summary(), spans, rejects: result.problems.bySeverity("reject") };
}

describe("ids without their leading zeros", () => {
  for (const name of ["jaeger-unpadded-ids.json", "zipkin-unpadded-ids.json", "otlp-unpadded-ids.jsonl"]) {
    it(`read the same as the padded ids in ${name}: same spans, same trees, same hops`, async () => {
      const short = await replay(fixture(name));
      const full = await replay(padded(name));
      expect(short.rejects).toEqual({});
      expect(short.spans.length).toBe(3);
      expect(short.spans).toEqual(full.spans);
      expect(short.summary).toEqual(full.summary);
      expect(short.summary.hops).toBeGreaterThan(0);
      for (const span of short.spans) {
        expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
        expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      }
    });
  }

  it("pads a 15-digit Jaeger span id to the 16 digits its parent reference names", async () => {
    const { spans } = await replay(fixture("jaeger-unpadded-ids.json"));
    const customer = spans.find((s) => s.unit === "customer");
    expect(customer?.parentSpanId).toBe("00a778764a0d0b5e");
    expect(customer?.traceId).toBe("000000000000000003ee8fff1dcd9b9a");
  });
});

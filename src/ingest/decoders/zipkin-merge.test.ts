import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../errors.ts";
import type { Span } from "../../model/span.ts";
import { decodeJsonValue } from "../route.ts";
import { readTraceFile } from "../sources/file.ts";

const FIXTURE = new URL("../../../test/fixtures/formats/zipkin-fragments.json", import.meta.url);
const records: Record<string, unknown>[] = JSON.parse(readFileSync(FIXTURE, "utf8"));

function decode(value: unknown) {
  const spans: Span[] = [];
  const problems: Problem[] = [];
  decodeJsonValue(
    value,
    { file: "spans.json" },
    { span: (s) => spans.push(s), problem: (p) => problems.push(p) },
  );
  return { spans, problems, codes: problems.map((p) => p.code) };
}

const byKind = (spans: Span[], spanId: string, kind: string) =>
  spans.find((s) => s.spanId === spanId && s.kind === kind);

describe("Zipkin fragments", () => {
  const { spans, problems } = decode(records);

  it("become no span of their own: 8 records are 4 spans (a root, a client and server half, a producer)", () => {
    expect(spans.map((s) => [s.spanId, s.kind, s.unit])).toEqual([
      ["5af7183fb1d4cf5f", "server", "frontend"],
      ["6b221d5bc9e6496c", "client", "frontend"],
      ["6b221d5bc9e6496c", "server", "cart"],
      ["0c1d2e3f40516273", "producer", "frontend"],
    ]);
  });

  it("never make an unknown_service unit, even a fragment without a local endpoint", () => {
    expect(spans.map((s) => s.unit)).not.toContain("unknown_service");
    expect(problems.map((p) => p.code)).not.toContain("NF_SPAN_MISSING_SERVICE");
  });

  it("give their late tags to the side of their id whose host they name (the shared SERVER)", () => {
    expect(byKind(spans, "6b221d5bc9e6496c", "server")?.attributes["http.status_code"]).toBe("200");
    expect(byKind(spans, "6b221d5bc9e6496c", "client")?.attributes["http.status_code"]).toBeUndefined();
  });

  it("give a later duration to a span recorded at its start", () => {
    const producer = byKind(spans, "0c1d2e3f40516273", "producer");
    expect(producer && producer.endUs - producer.startUs).toBe(4000);
  });

  it("are left out with NF_SPAN_FRAGMENT only when no record of their span has a timestamp", () => {
    expect(problems.map((p) => [p.code, p.where.path])).toEqual([["NF_SPAN_FRAGMENT", "[7]"]]);
  });

  it("merge the same whatever the order of the records", () => {
    const reversed = decode([...records].reverse());
    const key = (s: Span) => `${s.spanId}/${s.kind}`;
    expect([...reversed.spans].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...spans].sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it("merge the same in a pretty-printed document and in JSON lines, even across lines", async () => {
    const read = async (file: string) => {
      const out: Span[] = [];
      const codes: string[] = [];
      await readTraceFile(file, { span: (s) => out.push(s), problem: (p) => codes.push(p.code) });
      return { out, codes };
    };
    const document = await read(FIXTURE.pathname);
    expect(document.out).toEqual(spans);
    expect(document.codes).toEqual(["NF_SPAN_FRAGMENT"]);
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const lines = join(mkdtempSync(join(tmpdir(), "nanofuse-zipkin-")), "spans.jsonl");
    writeFileSync(lines, `${records.map((r) => JSON.stringify([r])).join("\n")}\n`);
    const perLine = await read(lines);
    expect(perLine.out).toEqual(spans);
    expect(perLine.codes).toEqual(["NF_SPAN_FRAGMENT"]);
  });

  it("cost no quadratic time when 100,000 records share one span id: each fragment is compared with at most 64 sides", () => {
    const side = { ...records[5], duration: 10 };
    const sides = Array.from({ length: 50_000 }, (_, i) => ({ ...side, timestamp: 1700000000095000 + i }));
    const late = { ...records[6], duration: undefined, tags: { late: "yes" } };
    const { spans, problems } = decode([...sides, ...Array.from({ length: 50_000 }, () => late)]);
    expect(spans).toHaveLength(50_000);
    expect(problems).toEqual([]);
    expect(spans[0].attributes.late).toBe("yes");
  });

  it("keep two complete SERVER records of one id apart: each has its own kind and endpoint", () => {
    const server = records[2];
    const again = { ...server, timestamp: 1700000000050000, duration: 1000 };
    expect(decode([records[1], server, again]).spans).toHaveLength(3);
  });
});

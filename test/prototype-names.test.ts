/**
 * Units named like Object.prototype's members (`constructor`, `toString`, `valueOf`,
 * `hasOwnProperty`, `__proto__`) are units like any other, end to end: replay counts them, analyse
 * reports each with its figures, plan groups them and reads their catalog entries (issue 17, item 2).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseCatalog, unitSpec } from "../src/plan/catalog.ts";

const bin = fileURLToPath(new URL("../bin/nanofuse.js", import.meta.url));
const CALLEES = ["constructor", "toString", "valueOf", "hasOwnProperty", "__proto__"];
const dir = mkdtempSync(join(tmpdir(), "nanofuse-proto-names-"));

/** 20 traces of OTLP JSON: a gateway SERVER span calling each callee (CLIENT → SERVER), 9 ms apart. */
function traces(): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
  const nano = (us: number) => String(us * 1000);
  const lines: string[] = [];
  for (let t = 0; t < 20; t++) {
    const traceId = hex(t + 1, 32);
    const base = 1_700_000_000_000_000 + t * 1_000_000;
    const root = hex(t * 100 + 1, 16);
    const bySvc = new Map<string, object[]>([
      ["gateway", []],
      ...CALLEES.map((c) => [c, []] as [string, object[]]),
    ]);
    bySvc.get("gateway")?.push({
      traceId,
      spanId: root,
      name: "GET /",
      kind: 2,
      startTimeUnixNano: nano(base),
      endTimeUnixNano: nano(base + 50_000),
    });
    CALLEES.forEach((callee, i) => {
      const at = base + 1000 + i * 9000;
      const client = hex(t * 100 + 2 + 2 * i, 16);
      bySvc.get("gateway")?.push({
        traceId,
        spanId: client,
        parentSpanId: root,
        name: `call ${callee}`,
        kind: 3,
        startTimeUnixNano: nano(at),
        endTimeUnixNano: nano(at + 8000),
      });
      bySvc.get(callee)?.push({
        traceId,
        spanId: hex(t * 100 + 3 + 2 * i, 16),
        parentSpanId: client,
        name: `op ${callee}`,
        kind: 2,
        startTimeUnixNano: nano(at + 1000),
        endTimeUnixNano: nano(at + 7000),
      });
    });
    const resourceSpans = [...bySvc].map(([name, spans]) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: name } }] },
      scopeSpans: [{ scope: { name: "test" }, spans }],
    }));
    lines.push(JSON.stringify({ resourceSpans }));
  }
  return `${lines.join("\n")}\n`;
}

const file = join(dir, "prototype-names.otlp.jsonl");
writeFileSync(file, traces());
const CATALOG = `units:
  __proto__: { memoryMb: 512 }
  constructor: { memoryMb: 256 }
  toString: { runtime: python3.11 }
`;
const catalogFile = join(dir, "catalog.yaml");
writeFileSync(catalogFile, CATALOG);

async function run(...args: string[]) {
  const { stdout } = await promisify(execFile)("node", [bin, ...args], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout);
}

describe("units named like Object.prototype's members", () => {
  it("are counted by replay as six units with five hops each", async () => {
    const doc = await run("replay", file, "--format", "json");
    expect(doc.summary).toMatchObject({ traces: 20, units: 6, hops: 100, rejected: {} });
  });

  it("are each reported by analyse with their spans, edges and a finite betweenness", async () => {
    const doc = await run("analyse", file, "--format", "json");
    const units = doc.units.map((u: { unit: string }) => u.unit).sort();
    expect(units).toEqual(["__proto__", "constructor", "gateway", "hasOwnProperty", "toString", "valueOf"]);
    for (const u of doc.units) {
      expect(u.spans).toBe(u.unit === "gateway" ? 120 : 20);
      expect(Number.isFinite(u.betweenness)).toBe(true);
      expect(u.weightedDegree).toBe(u.unit === "gateway" ? 100 : 20);
    }
    expect(doc.edges.map((e: { to: string }) => e.to).sort()).toEqual([...CALLEES].sort());
    expect(doc.operations.map((o: { unit: string }) => o.unit)).toContain("__proto__");
  });

  it("are grouped by plan, which reads their catalog entries (a python unit stays apart)", async () => {
    const proposal = await run("plan", file, "--catalog", catalogFile, "--format", "json");
    expect(proposal.current).toHaveLength(6);
    const toStringGroup = proposal.groups.find((g: string[]) => g.includes("toString"));
    expect(toStringGroup).toEqual(["toString"]);
    expect(proposal.groups.flat().sort()).toEqual([
      "__proto__",
      "constructor",
      "gateway",
      "hasOwnProperty",
      "toString",
      "valueOf",
    ]);
  });

  it("are catalog entries of their own, never the catalog object's prototype", () => {
    const catalog = parseCatalog(CATALOG, "catalog.yaml");
    expect(Object.keys(catalog.units).sort()).toEqual(["__proto__", "constructor", "toString"]);
    expect(unitSpec(catalog, "__proto__").memoryMb).toBe(512);
    expect(unitSpec(catalog, "constructor").memoryMb).toBe(256);
    expect(unitSpec(catalog, "valueOf")).toBe(catalog.defaults);
    expect(unitSpec(catalog, "hasOwnProperty")).toBe(catalog.defaults);
  });
});

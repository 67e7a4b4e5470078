import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ErrorCode } from "../errors.ts";
import { parseCatalog } from "../plan/catalog.ts";
import { baselineManifest, loadManifest, validateManifest } from "./manifest.ts";

const UNITS = ["front", "a", "b", "c"];
const CATALOG = parseCatalog("units:\n  c: { runtime: python3.11 }\n", "catalog.yaml");

function refusal(manifest: unknown, code: ErrorCode): string {
  try {
    validateManifest(manifest, UNITS, CATALOG, "m.json");
  } catch (error) {
    expect((error as { code?: string }).code).toBe(code);
    return (error as Error).message;
  }
  throw new Error(`expected ${code}`);
}

const groups = (...gs: [string, string[]][]) => ({
  version: 1,
  groups: gs.map(([name, units]) => ({ name, units })),
});

describe("validateManifest", () => {
  it("accepts a complete layout and keeps its version and groups", () => {
    const manifest = groups(["edge", ["front"]], ["ab", ["a", "b"]], ["c", ["c"]]);
    expect(validateManifest({ ...manifest, proposal: "p-7" }, UNITS, CATALOG)).toEqual(manifest);
  });

  it("refuses a unit the app does not have", () => {
    const message = refusal(groups(["all", ["front", "a", "b", "c", "ghost"]]), "NF_MANIFEST_UNKNOWN_UNIT");
    expect(message).toContain("m.json: not in the app: ghost");
  });

  it("refuses a unit placed in two groups, naming both", () => {
    const message = refusal(
      groups(["x", ["front", "a"]], ["y", ["a", "b", "c"]]),
      "NF_MANIFEST_DUPLICATE_UNIT",
    );
    expect(message).toContain("a (in x and y)");
  });

  it("refuses a manifest that leaves a unit out", () => {
    expect(refusal(groups(["x", ["front", "a", "b"]]), "NF_MANIFEST_MISSING_UNIT")).toContain(
      "in no group: c",
    );
  });

  it("refuses units of different runtimes in one group", () => {
    const message = refusal(groups(["x", ["front", "c"]], ["y", ["a", "b"]]), "NF_MANIFEST_MIXED_RUNTIME");
    expect(message).toContain("group x mixes front=node20, c=python3.11");
  });

  it("refuses empty and duplicate group names, and names that cannot be file names", () => {
    expect(refusal(groups(["", UNITS]), "NF_MANIFEST_INVALID")).toContain("groups[0].name");
    expect(refusal(groups(["x", ["front", "a"]], ["x", ["b", "c"]]), "NF_MANIFEST_INVALID")).toContain(
      "group name x is used twice",
    );
    expect(refusal(groups(["../x", UNITS]), "NF_MANIFEST_INVALID")).toContain("must be 1 to 63 letters");
  });

  it("refuses a bad JSON shape", () => {
    refusal(null, "NF_MANIFEST_INVALID");
    refusal({ groups: [{ name: "x", units: UNITS }] }, "NF_MANIFEST_INVALID");
    refusal({ version: 1, groups: [] }, "NF_MANIFEST_INVALID");
    refusal({ version: 1, groups: [{ name: "x", units: "front" }] }, "NF_MANIFEST_INVALID");
    refusal({ version: 1, groups: [{ name: "x", units: [] }] }, "NF_MANIFEST_INVALID");
    refusal({ version: 1, groups: [{ name: "x", units: [1] }] }, "NF_MANIFEST_INVALID");
  });
});

describe("baselineManifest", () => {
  it("puts every unit alone, in a group named after it", () => {
    const manifest = baselineManifest(UNITS);
    expect(manifest.groups).toEqual([
      { name: "a", units: ["a"] },
      { name: "b", units: ["b"] },
      { name: "c", units: ["c"] },
      { name: "front", units: ["front"] },
    ]);
    expect(validateManifest(manifest, UNITS, CATALOG)).toEqual(manifest);
  });

  it("makes valid, distinct group names of unit names that are not", () => {
    const units = ["order service", "order_service", "/etc"];
    expect(validateManifest(baselineManifest(units), units).groups.map((g) => g.name)).toEqual([
      "u_etc",
      "order_service",
      "order_service-2",
    ]);
  });
});

describe("loadManifest", () => {
  it("reads a file and refuses malformed JSON with the file name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nanofuse-manifest-"));
    const good = join(dir, "good.json");
    const bad = join(dir, "bad.json");
    writeFileSync(good, JSON.stringify(groups(["all", UNITS])));
    writeFileSync(bad, '{"version": 1, "groups": [');
    expect((await loadManifest(good)).groups[0].units).toEqual(UNITS);
    await expect(loadManifest(bad)).rejects.toMatchObject({ code: "NF_MANIFEST_INVALID" });
    await expect(loadManifest(bad)).rejects.toThrow(bad);
  });
});

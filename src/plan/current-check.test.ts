import { describe, expect, it } from "vitest";
import { parseCatalog } from "./catalog.ts";
import { catalogWarnings, currentFromManifest } from "./current-check.ts";

const manifest = (...groups: string[][]) => ({
  version: 1,
  groups: groups.map((units, i) => ({ name: `g${i}`, units })),
});
const UNITS = ["a", "b", "c", "d"];

describe("plan --current checked against the traces", () => {
  it("refuses a unit in two groups with NF_MANIFEST_DUPLICATE_UNIT, naming both groups", () => {
    expect(() => currentFromManifest(manifest(["a", "b"], ["b", "c"]), UNITS, "m.json")).toThrow(
      expect.objectContaining({
        code: "NF_MANIFEST_DUPLICATE_UNIT",
        message: expect.stringContaining("b (in g0 and g1)"),
      }),
    );
  });

  it("makes the traces' units the manifest leaves out singletons, and says which", () => {
    const { clustering, warnings } = currentFromManifest(manifest(["a", "b"]), UNITS, "m.json");
    expect(clustering).toEqual([["a", "b"], ["c"], ["d"]]);
    expect(warnings).toEqual([expect.objectContaining({ code: "NF_PLAN_CURRENT_MISSING_UNIT" })]);
    expect(warnings[0].message).toContain("m.json: c, d");
  });

  it("drops units that are in no trace, with a warning, so the proposal holds only the traces' units", () => {
    const { clustering, warnings } = currentFromManifest(
      manifest(["a", "b", "ghost"], ["c", "d"], ["old"]),
      UNITS,
      "m.json",
    );
    expect(clustering).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(warnings.map((w) => w.code)).toEqual(["NF_PLAN_CURRENT_UNKNOWN_UNIT"]);
    expect(warnings[0].message).toContain("m.json: ghost, old");
  });
});

describe("the catalog checked against the traces", () => {
  it("warns about pinned and neverWith names that are in no trace", () => {
    const catalog = parseCatalog(
      "constraints:\n  pinned: [a, gatway]\n  neverWith: [[b, paymnt]]\n",
      "c.yaml",
    );
    const warnings = catalogWarnings(catalog, UNITS, "c.yaml");
    expect(warnings.map((w) => w.code)).toEqual(["NF_CATALOG_UNKNOWN_UNIT"]);
    expect(warnings[0].message).toContain("c.yaml: gatway, paymnt");
    expect(catalogWarnings(parseCatalog("constraints:\n  pinned: [a]\n", "c.yaml"), UNITS, "c.yaml")).toEqual(
      [],
    );
  });

  it("refuses a maxGroupMemoryMb below every unit's memory, which would forbid all fusion", () => {
    const text =
      "defaults:\n  memoryMb: 256\nunits:\n  a:\n    memoryMb: 128\nconstraints:\n  maxGroupMemoryMb: 100\n";
    expect(() => parseCatalog(text, "c.yaml")).toThrow(
      expect.objectContaining({
        code: "NF_CATALOG_INVALID",
        message: expect.stringContaining(
          "constraints.maxGroupMemoryMb: 100 MB is below the memory of every unit",
        ),
      }),
    );
    expect(parseCatalog(text.replace("100", "128"), "c.yaml").constraints.maxGroupMemoryMb).toBe(128);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NanofuseError } from "../errors.ts";
import { DEFAULT_UNIT_SPEC, defaultCatalog, loadCatalog, parseCatalog, unitSpec } from "./catalog.ts";

const EXAMPLE = `
defaults: { runtime: node20, memoryMb: 256, baseCostPerHour: 0.01, keepAliveSeconds: 600 }
units:
  checkout: { runtime: node20, memoryMb: 512, dependencies: [aws-sdk, lodash], owner: orders }
  fraud:    { runtime: python3.11 }
  gateway:
constraints:
  neverWith: [[payment, notify]]
  pinned: [gateway]
  maxGroupSize: 6
  maxGroupMemoryMb: 2048
`;

function refusal(text: string): NanofuseError {
  try {
    parseCatalog(text, "shop.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(NanofuseError);
    expect((error as NanofuseError).code).toBe("NF_CATALOG_INVALID");
    return error as NanofuseError;
  }
  throw new Error("expected the catalog to be refused");
}

describe("parseCatalog", () => {
  it("reads the documented YAML shape and fills every unit from the defaults", () => {
    const catalog = parseCatalog(EXAMPLE, "shop.yaml");
    expect(catalog.units.checkout).toEqual({
      runtime: "node20",
      memoryMb: 512,
      baseCostPerHour: 0.01,
      keepAliveSeconds: 600,
      dependencies: ["aws-sdk", "lodash"],
      owner: "orders",
    });
    expect(catalog.units.fraud).toMatchObject({ runtime: "python3.11", memoryMb: 256, dependencies: [] });
    expect(catalog.units.gateway).toEqual({ ...DEFAULT_UNIT_SPEC, dependencies: [] });
    expect(catalog.constraints).toEqual({
      neverWith: [["payment", "notify"]],
      pinned: ["gateway"],
      maxGroupSize: 6,
      maxGroupMemoryMb: 2048,
    });
  });

  it("reads JSON with the same parser", () => {
    const catalog = parseCatalog(
      '{"units": {"a": {"memoryMb": 128}}, "defaults": {"runtime": "go1"}}',
      "c.json",
    );
    expect(catalog.units.a).toMatchObject({ runtime: "go1", memoryMb: 128 });
  });

  it("gives the built-in defaults for an empty file", () => {
    expect(parseCatalog("", "empty.yaml")).toEqual(defaultCatalog());
  });

  it("answers the defaults for a unit the catalog does not list", () => {
    const catalog = parseCatalog(EXAMPLE, "shop.yaml");
    expect(unitSpec(catalog, "unlisted")).toBe(catalog.defaults);
    expect(unitSpec(catalog, "fraud").runtime).toBe("python3.11");
  });

  it("refuses a misspelt unit field and suggests the right one", () => {
    const error = refusal("units:\n  checkout: { memoryMB: 512 }\n");
    expect(error.message).toContain(
      "shop.yaml: units.checkout.memoryMB: unknown field (did you mean memoryMb?)",
    );
  });

  it("refuses an unknown top-level field", () => {
    expect(refusal("unit:\n  a: {}\n").message).toContain(
      "shop.yaml: unit: unknown field (did you mean units?)",
    );
  });

  it("refuses a memory size given as text, naming the field and the value", () => {
    expect(refusal("units:\n  a: { memoryMb: 512MB }\n").message).toContain(
      'units.a.memoryMb: expected a number > 0, got "512MB"',
    );
  });

  it("refuses a neverWith entry that is not a pair", () => {
    expect(refusal("constraints:\n  neverWith: [[a, b, c]]\n").message).toContain("constraints.neverWith[0]");
    expect(refusal("constraints:\n  neverWith: [[a, a]]\n").message).toContain("listed twice");
  });

  it("refuses a fractional maxGroupSize", () => {
    expect(refusal("constraints: { maxGroupSize: 2.5 }\n").message).toContain("constraints.maxGroupSize");
  });

  it("refuses a catalog that is not a mapping and YAML that does not parse, with the line", () => {
    expect(refusal("- a\n- b\n").message).toContain("expected a mapping");
    expect(refusal("units:\n  a: { memoryMb: 1\n").message).toMatch(/shop\.yaml: line \d+/);
  });

  it("refuses the same unit twice rather than keeping the last one", () => {
    expect(refusal("units:\n  a: {}\n  a: {}\n").message).toContain("shop.yaml");
  });
});

describe("loadCatalog", () => {
  it("reads a file and names it in errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nanofuse-catalog-"));
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(good, EXAMPLE);
    writeFileSync(bad, "defaults: { runtime: 3 }\n");
    expect((await loadCatalog(good)).units.fraud.runtime).toBe("python3.11");
    await expect(loadCatalog(bad)).rejects.toThrow(`${bad}: defaults.runtime: expected a non-empty string`);
    await expect(loadCatalog(join(dir, "missing.yaml"))).rejects.toMatchObject({
      code: "NF_FILE_UNREADABLE",
    });
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifest } from "../host/manifest.ts";
import { loadCatalog, parseCatalog } from "../plan/catalog.ts";
import { MAX_YAML_BYTES } from "./yaml-file.ts";

const dir = mkdtempSync(join(tmpdir(), "nanofuse-yaml-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** "Billion laughs": nine levels of ten aliases each, 10⁹ strings once expanded. */
const BOMB = [
  "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]",
  ...Array.from({ length: 8 }, (_, i) => {
    const [name, prev] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
    return `${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`;
  }),
].join("\n");

describe("catalogs and manifests read safely", () => {
  it("refuse a YAML alias bomb with a code, not a ReferenceError", async () => {
    const catalog = file("bomb.yaml", `defaults: {}\nunits: {}\nconstraints:\n  pinned: []\n${BOMB}\n`);
    await expect(loadCatalog(catalog)).rejects.toMatchObject({ code: "NF_CATALOG_INVALID" });
    const manifest = file("bomb-manifest.yaml", `version: 1\ngroups: []\n${BOMB}\n`);
    await expect(loadManifest(manifest)).rejects.toMatchObject({
      code: "NF_MANIFEST_INVALID",
      message: expect.stringContaining("alias"),
    });
  });

  it("refuse custom tags, which would ask for objects a loader builds", () => {
    for (const text of [
      "units:\n  a: !!js/function 'function () {}'\n",
      "units:\n  a: !custom { runtime: node20 }\n",
      "units:\n  a:\n    memoryMb: !!binary aGVsbG8=\n",
    ])
      expect(() => parseCatalog(text, "c.yaml")).toThrow(
        expect.objectContaining({ code: "NF_CATALOG_INVALID", message: expect.stringContaining("tag") }),
      );
    expect(parseCatalog("units:\n  a:\n    memoryMb: !!int 128\n", "c.yaml").units.a.memoryMb).toBe(128);
  });

  it("refuse a unit listed twice", () => {
    expect(() => parseCatalog("units:\n  a: {}\n  b: {}\n  a: {}\n", "c.yaml")).toThrow(
      expect.objectContaining({
        code: "NF_CATALOG_INVALID",
        message: expect.stringContaining("duplicated mapping key"),
      }),
    );
  });

  it("refuse a catalog or a manifest over 8 MiB with NF_FILE_TOO_LARGE, JSON as YAML", async () => {
    const big = `{"units": {}, "padding": "${"x".repeat(MAX_YAML_BYTES)}"}`;
    await expect(loadCatalog(file("big.json", big))).rejects.toMatchObject({ code: "NF_FILE_TOO_LARGE" });
    await expect(loadManifest(file("big-manifest.json", big))).rejects.toMatchObject({
      code: "NF_FILE_TOO_LARGE",
    });
  });

  it("load a generated catalog of 44,000 units, each with its fields, completely", async () => {
    const lines = ["units:"];
    for (let i = 0; i < 44_000; i++)
      lines.push(
        `  unit-${i}:`,
        "    runtime: node20",
        "    memoryMb: 256",
        "    dependencies: [lodash, pg]",
      );
    const catalog = await loadCatalog(file("large.yaml", `${lines.join("\n")}\n`));
    expect(Object.keys(catalog.units)).toHaveLength(44_000);
    expect(catalog.units["unit-43999"]).toMatchObject({ runtime: "node20", memoryMb: 256 });
  }, 120_000);
});

/**
 * The clustering manifest: checked completely before any process starts, because a host that starts
 * half a layout and then fails (or silently drops a unit) produces traces that look like a real
 * layout and are not. Extra fields (a proposal's id, hash, evidence) are allowed and ignored.
 */
import { parseSafeYaml, readBounded } from "../config/yaml-file.ts";
import { type ErrorCode, NanofuseError } from "../errors.ts";
import type { Catalog } from "../model/catalog.ts";
import { type ClusteringManifest, GROUP_NAME_RULE, isGroupName, manifestOf } from "../model/manifest.ts";
import { defaultCatalog, unitSpec } from "../plan/catalog.ts";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function refuse(code: ErrorCode, source: string, detail: string): never {
  throw new NanofuseError(code, `${source}: ${detail}`, { where: { file: source } });
}

const list = (names: Iterable<string>) => [...new Set(names)].sort().join(", ");

/** Checks the JSON shape only: what can be said without knowing the app. */
export function manifestShape(raw: unknown, source = "manifest"): ClusteringManifest {
  const bad: (detail: string) => never = (detail) => refuse("NF_MANIFEST_INVALID", source, detail);
  if (!isObject(raw)) bad("expected an object with `version` and `groups`");
  const { version, groups } = raw;
  if (typeof version !== "string" && typeof version !== "number") bad("version must be a string or a number");
  if (!Array.isArray(groups) || groups.length === 0) bad("groups must be a non-empty list");
  const out: ClusteringManifest["groups"] = groups.map((g, i) => {
    if (!isObject(g)) bad(`groups[${i}] must be an object with \`name\` and \`units\``);
    if (typeof g.name !== "string" || g.name === "") bad(`groups[${i}].name must be a non-empty string`);
    if (!isGroupName(g.name)) bad(`groups[${i}].name ${JSON.stringify(g.name)} must be ${GROUP_NAME_RULE}`);
    if (!Array.isArray(g.units) || g.units.length === 0)
      bad(`groups[${i}].units (group ${g.name}) must be a non-empty list`);
    g.units.forEach((u, j) => {
      if (typeof u !== "string" || u === "") bad(`groups[${i}].units[${j}] must be a non-empty string`);
    });
    return { name: g.name, units: [...g.units] };
  });
  const seen = new Set<string>();
  for (const g of out) {
    if (seen.has(g.name)) bad(`group name ${g.name} is used twice`);
    seen.add(g.name);
  }
  return { version: version as string | number, groups: out };
}

/**
 * Refuses a manifest that cannot be run as it is: bad shape, a unit not in the app, a unit in two
 * groups, a unit left out, units of different runtimes in one group (they cannot share a process).
 */
export function validateManifest(
  raw: unknown,
  units: readonly string[],
  catalog: Catalog = defaultCatalog(),
  source = "manifest",
): ClusteringManifest {
  const manifest = manifestShape(raw, source);
  const known = new Set(units);
  const all = manifest.groups.flatMap((g) => g.units);
  const unknown = all.filter((u) => !known.has(u));
  if (unknown.length) refuse("NF_MANIFEST_UNKNOWN_UNIT", source, `not in the app: ${list(unknown)}`);
  const groupOf = new Map<string, string>();
  const twice: string[] = [];
  for (const g of manifest.groups) {
    for (const u of g.units) {
      const other = groupOf.get(u);
      if (other !== undefined) twice.push(`${u} (in ${other} and ${g.name})`);
      else groupOf.set(u, g.name);
    }
  }
  if (twice.length) refuse("NF_MANIFEST_DUPLICATE_UNIT", source, twice.join(", "));
  const missing = units.filter((u) => !groupOf.has(u));
  if (missing.length) refuse("NF_MANIFEST_MISSING_UNIT", source, `in no group: ${list(missing)}`);
  for (const g of manifest.groups) {
    const runtimes = new Map(g.units.map((u) => [u, unitSpec(catalog, u).runtime]));
    if (new Set(runtimes.values()).size > 1) {
      const detail = [...runtimes].map(([u, r]) => `${u}=${r}`).join(", ");
      refuse("NF_MANIFEST_MIXED_RUNTIME", source, `group ${g.name} mixes ${detail}`);
    }
  }
  return manifest;
}

/** Every unit alone, each group named after its unit (by the shared group-name rule): the layout before any fusion. */
export function baselineManifest(units: readonly string[]): ClusteringManifest {
  return manifestOf(
    "baseline",
    [...units].sort().map((unit) => [unit]),
  );
}

/** Reads a manifest file (JSON, or YAML) and checks its shape; validateManifest checks it against the app. */
export async function loadManifest(path: string): Promise<ClusteringManifest> {
  const text = await readBounded(path, "NF_MANIFEST_INVALID");
  const raw = parseSafeYaml(text, (at, detail) =>
    refuse("NF_MANIFEST_INVALID", path, at ? `${at}: ${detail}` : detail),
  );
  return manifestShape(raw, path);
}

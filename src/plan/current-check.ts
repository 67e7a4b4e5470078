/**
 * `plan --current` and the catalog checked against the traces (issue 17.10): a current clustering
 * that lists a unit twice is refused (it says nothing true about where the unit runs); units of the
 * traces it leaves out become groups of their own, and units it names that are in no trace are
 * dropped, each with a warning naming them. Catalog constraints naming units in no trace are kept
 * (they may be about units not yet seen) but warned about: a typo would otherwise constrain nothing.
 */
import { NanofuseError } from "../errors.ts";
import type { Catalog } from "../model/catalog.ts";
import type { ClusteringManifest } from "../model/manifest.ts";
import { type PlanWarning, warning } from "./input-warnings.ts";

const list = (xs: Iterable<string>, max = 10) => {
  const sorted = [...new Set(xs)].sort();
  return sorted.length <= max
    ? sorted.join(", ")
    : `${sorted.slice(0, max).join(", ")} and ${sorted.length - max} more`;
};

/** Refuses a manifest that puts a unit in two groups (before the traces are read: it cannot be planned). */
export function refuseDuplicateUnits(manifest: ClusteringManifest, source: string): Map<string, string> {
  const groupOf = new Map<string, string>();
  const twice: string[] = [];
  for (const g of manifest.groups)
    for (const u of g.units) {
      const other = groupOf.get(u);
      if (other !== undefined) twice.push(`${u} (in ${other} and ${g.name})`);
      else groupOf.set(u, g.name);
    }
  if (twice.length)
    throw new NanofuseError("NF_MANIFEST_DUPLICATE_UNIT", `${source}: ${twice.join(", ")}`, {
      where: { file: source },
    });
  return groupOf;
}

/** The current clustering for the traces' units, with what was made of the manifest. */
export function currentFromManifest(
  manifest: ClusteringManifest,
  units: readonly string[],
  source: string,
): { clustering: string[][]; warnings: PlanWarning[] } {
  const groupOf = refuseDuplicateUnits(manifest, source);
  const known = new Set(units);
  const absent = [...groupOf.keys()].filter((u) => !known.has(u));
  const missing = units.filter((u) => !groupOf.has(u));
  const warnings: PlanWarning[] = [];
  if (missing.length) warnings.push(warning("NF_PLAN_CURRENT_MISSING_UNIT", `${source}: ${list(missing)}`));
  if (absent.length) warnings.push(warning("NF_PLAN_CURRENT_UNKNOWN_UNIT", `${source}: ${list(absent)}`));
  const clustering = manifest.groups
    .map((g) => g.units.filter((u) => known.has(u)))
    .filter((g) => g.length > 0);
  return { clustering: [...clustering, ...missing.map((u) => [u])], warnings };
}

/** Catalog constraints that name units in no trace. */
export function catalogWarnings(catalog: Catalog, units: readonly string[], source: string): PlanWarning[] {
  const known = new Set(units);
  const { pinned, neverWith } = catalog.constraints;
  const unknown = [...pinned.filter((u) => !known.has(u)), ...neverWith.flat().filter((u) => !known.has(u))];
  if (unknown.length === 0) return [];
  return [
    warning(
      "NF_CATALOG_UNKNOWN_UNIT",
      `${source}: ${list(unknown)} (pinned or neverWith; a typo would constrain nothing)`,
    ),
  ];
}

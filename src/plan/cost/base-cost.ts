/**
 * Base cost of a clustering: every group is one deployable with at least one warm instance, priced at
 * the highest base cost per instance-hour among its members (a fused function is sized for its
 * largest member). Memory adds up, but a dependency shared by members is deployed once: each shared
 * dependency saves `dependencyMb` per extra member (default 32 MB, a mid-sized npm SDK).
 */
import type { Catalog } from "../../model/catalog.ts";
import { unitSpec } from "../catalog.ts";

export const DEFAULT_DEPENDENCY_MB = 32;

const specOf = unitSpec;

export function groupMemoryMb(
  catalog: Catalog,
  group: readonly string[],
  dependencyMb = DEFAULT_DEPENDENCY_MB,
): number {
  let memory = 0;
  const seen = new Map<string, number>();
  for (const unit of group) {
    const spec = specOf(catalog, unit);
    memory += spec.memoryMb;
    for (const dep of spec.dependencies) seen.set(dep, (seen.get(dep) ?? 0) + 1);
  }
  for (const count of seen.values()) memory -= (count - 1) * dependencyMb;
  return memory;
}

export function groupCostPerHour(catalog: Catalog, group: readonly string[]): number {
  return Math.max(...group.map((unit) => specOf(catalog, unit).baseCostPerHour));
}

export function baseCostPerHour(catalog: Catalog, groups: readonly (readonly string[])[]): number {
  return groups.reduce((sum, group) => sum + groupCostPerHour(catalog, group), 0);
}

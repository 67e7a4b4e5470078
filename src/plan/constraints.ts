/**
 * Which groups a proposal may contain (DESIGN.md "Planning": the unit catalog's constraints). A group
 * is allowed when
 * - all its units have the same runtime (only those can be fused into one process);
 * - it holds no `neverWith` pair;
 * - every pinned unit in it still has all the members of its current group: the group of a pinned
 *   unit may gain members but never lose any, so the pinned unit never leaves the deployment it runs
 *   in (and a group without its pinned unit is not allowed either);
 * - it has at most `maxGroupSize` units and needs at most `maxGroupMemoryMb` (groupMemoryMb: the
 *   members' memory, a shared dependency counted once). A unit alone is exempt from both limits: it
 *   is deployed as it is, fusion did not make it bigger.
 * A unit listed in the catalog but not in `current` counts as a group of its own there.
 */
import type { Catalog } from "../model/catalog.ts";
import { unitSpec } from "./catalog.ts";
import type { Clustering } from "./clustering.ts";
import { groupMemoryMb } from "./cost/base-cost.ts";

const specOf = unitSpec;

/** Human-readable reasons why `group` is not allowed, [] when it is. */
export function violations(group: readonly string[], catalog: Catalog, current: Clustering): string[] {
  return new Constraints(catalog, current).violations(group);
}

/** The constraints prepared once for many checks against the same catalog and current clustering. */
export class Constraints {
  private readonly currentGroup = new Map<string, readonly string[]>();
  private readonly never = new Map<string, Set<string>>();
  private readonly pinned: Set<string>;

  constructor(
    private readonly catalog: Catalog,
    current: Clustering,
  ) {
    for (const group of current) for (const unit of group) this.currentGroup.set(unit, group);
    for (const [a, b] of catalog.constraints.neverWith) {
      if (!this.never.has(a)) this.never.set(a, new Set());
      if (!this.never.has(b)) this.never.set(b, new Set());
      this.never.get(a)?.add(b);
      this.never.get(b)?.add(a);
    }
    this.pinned = new Set(catalog.constraints.pinned);
  }

  /** True when the two units could ever share a group (same runtime, not a neverWith pair). */
  compatible(a: string, b: string): boolean {
    return specOf(this.catalog, a).runtime === specOf(this.catalog, b).runtime && !this.never.get(a)?.has(b);
  }

  /** A unit that may not leave its group: it shares its current group with a pinned unit. */
  locked(unit: string): boolean {
    const group = this.currentGroup.get(unit);
    return group !== undefined && group.length > 1 && group.some((u) => this.pinned.has(u));
  }

  violations(group: readonly string[]): string[] {
    const reasons: string[] = [];
    const members = new Set(group);
    const sorted = [...members].sort();
    if (members.size !== group.length) {
      const twice = sorted.filter((u) => group.indexOf(u) !== group.lastIndexOf(u));
      reasons.push(`lists ${twice.join(", ")} more than once`);
    }

    const byRuntime = new Map<string, string[]>();
    for (const unit of sorted) {
      const runtime = specOf(this.catalog, unit).runtime;
      byRuntime.set(runtime, [...(byRuntime.get(runtime) ?? []), unit]);
    }
    if (byRuntime.size > 1) {
      const parts = [...byRuntime]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([r, us]) => `${r} (${us.join(", ")})`);
      reasons.push(`mixes runtimes ${parts.join(" and ")}: only units of one runtime can be fused`);
    }

    for (const a of sorted) {
      for (const b of [...(this.never.get(a) ?? [])].sort()) {
        if (a < b && members.has(b)) reasons.push(`${a} and ${b} must never share a group (neverWith)`);
      }
    }

    for (const unit of sorted) {
      if (!this.pinned.has(unit)) continue;
      const missing = (this.currentGroup.get(unit) ?? [unit]).filter((u) => !members.has(u));
      if (missing.length > 0)
        reasons.push(
          `pinned unit ${unit} must keep its current group: ${[...missing].sort().join(", ")} missing`,
        );
    }
    for (const unit of sorted) {
      if (this.pinned.has(unit)) continue;
      const pins = (this.currentGroup.get(unit) ?? []).filter((u) => this.pinned.has(u) && !members.has(u));
      if (pins.length > 0)
        reasons.push(`${unit} must stay with pinned unit ${[...pins].sort().join(", ")} (its current group)`);
    }

    if (members.size > 1) {
      const { maxGroupSize, maxGroupMemoryMb } = this.catalog.constraints;
      if (maxGroupSize !== undefined && members.size > maxGroupSize)
        reasons.push(`${members.size} units, more than maxGroupSize ${maxGroupSize}`);
      if (maxGroupMemoryMb !== undefined) {
        const memory = groupMemoryMb(this.catalog, sorted);
        if (memory > maxGroupMemoryMb)
          reasons.push(`needs ${memory} MB, more than maxGroupMemoryMb ${maxGroupMemoryMb}`);
      }
    }
    return reasons;
  }
}

/**
 * The search's state: units as numbers, groups as ids (never reused, so a candidate's key names exactly
 * its groups), the synchronous links between units that could share a group, and the constraints.
 * Built once from the current clustering; only `addGroup`/`removeGroup` change it.
 */
import { UndirectedGraph } from "graphology";
import type { Catalog } from "../../model/catalog.ts";
import { graphKey } from "../../model/graph-key.ts";
import type { Clustering } from "../clustering.ts";
import { labelPropagation } from "../communities.ts";
import { Constraints } from "../constraints.ts";
import type { SearchEdge, SearchResult } from "./types.ts";

export interface Link {
  a: number;
  b: number;
  /** Critical-path network time between the two units, both directions, µs. */
  weight: number;
  /** Both units are in the same community. */
  intra: boolean;
}

export const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
export const compareNumberLists = (a: readonly number[], b: readonly number[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};

/** Two sorted lists of unit numbers merged into one sorted list. */
export function union(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

export class SearchState {
  readonly names: string[];
  readonly index = new Map<string, number>();
  readonly constraints: Constraints;
  readonly currentViolations: SearchResult["currentViolations"] = [];
  readonly links: Link[] = [];
  /** Per unit: neighbour unit → critical-path network time (sync calls only, both directions). */
  readonly adjacency: Map<number, number>[];
  /** Per unit: units it calls synchronously. */
  readonly callees: Set<number>[];
  readonly communities: number;
  readonly locked: Uint8Array;

  readonly groupOf: Int32Array;
  readonly members = new Map<number, number[]>();
  /** Groups that violate the constraints (current ones, or what is left of them): they may shrink, never grow. */
  readonly violating = new Set<number>();
  nextGroup = 0;

  constructor(
    current: Clustering,
    units: string[],
    edges: SearchEdge[],
    readonly catalog: Catalog,
    seed: number,
  ) {
    this.names = [...new Set([...units, ...current.flat()])].sort(compareStrings);
    this.names.forEach((name, i) => {
      this.index.set(name, i);
    });
    const n = this.names.length;

    // The current clustering, canonical; a unit listed twice stays in the first group (by name order).
    this.groupOf = new Int32Array(n).fill(-1);
    const given = current.map((g) => [...new Set(g)].sort(compareStrings));
    given.sort((a, b) => compareStrings(a.join("\u0000"), b.join("\u0000")));
    const groups: number[][] = [];
    for (const group of given) {
      const ids = group.map((u) => this.index.get(u) as number);
      const repeated = ids.filter((u) => this.groupOf[u] !== -1);
      if (repeated.length > 0)
        this.currentViolations.push({
          group,
          reasons: [`lists ${repeated.map((u) => this.names[u]).join(", ")}, already in another group`],
        });
      const fresh = ids.filter((u) => this.groupOf[u] === -1);
      for (const u of fresh) this.groupOf[u] = groups.length;
      if (fresh.length > 0) groups.push(fresh);
    }
    for (let u = 0; u < n; u++) if (this.groupOf[u] === -1) groups.push([u]);
    groups.sort(compareNumberLists);
    for (const g of groups) this.addGroup(g);
    const canonical = this.clustering();

    this.constraints = new Constraints(catalog, canonical);
    for (const group of canonical) {
      const reasons = this.constraints.violations(group);
      if (reasons.length === 0) continue;
      this.currentViolations.push({ group, reasons });
      this.violating.add(this.groupOf[this.index.get(group[0]) as number]);
    }
    this.currentViolations.sort((a, b) => compareStrings(a.group.join("\u0000"), b.group.join("\u0000")));
    this.locked = Uint8Array.from(this.names, (u) => (this.constraints.locked(u) ? 1 : 0));

    // Synchronous links between units that could ever share a group, summed over both directions.
    this.adjacency = this.names.map(() => new Map());
    this.callees = this.names.map(() => new Set());
    const sorted = edges
      .filter((e) => e.calls > e.asyncCalls && e.from !== e.to)
      .filter((e) => this.index.has(e.from) && this.index.has(e.to))
      .filter((e) => this.constraints.compatible(e.from, e.to))
      .sort(
        (x, y) =>
          compareStrings(x.from, y.from) ||
          compareStrings(x.to, y.to) ||
          x.criticalPathNetworkUs - y.criticalPathNetworkUs,
      );
    for (const e of sorted) {
      const [f, t] = [this.index.get(e.from) as number, this.index.get(e.to) as number];
      const weight = Math.max(0, e.criticalPathNetworkUs) || 0;
      this.adjacency[f].set(t, (this.adjacency[f].get(t) ?? 0) + weight);
      this.adjacency[t].set(f, (this.adjacency[t].get(f) ?? 0) + weight);
      this.callees[f].add(t);
    }

    const graph = new UndirectedGraph<Record<string, never>, { weight: number }>();
    for (const name of this.names) graph.addNode(graphKey(name));
    this.adjacency.forEach((neighbours, a) => {
      for (const [b, weight] of [...neighbours].sort(([x], [y]) => x - y)) {
        if (a < b) graph.addUndirectedEdge(graphKey(this.names[a]), graphKey(this.names[b]), { weight });
      }
    });
    const community = labelPropagation(graph, { seed });
    this.communities = new Set(community.values()).size;
    this.adjacency.forEach((neighbours, a) => {
      for (const [b, weight] of [...neighbours].sort(([x], [y]) => x - y)) {
        if (a < b)
          this.links.push({
            a,
            b,
            weight,
            intra: community.get(graphKey(this.names[a])) === community.get(graphKey(this.names[b])),
          });
      }
    });
  }

  addGroup(members: number[]): number {
    const id = this.nextGroup++;
    this.members.set(id, members);
    for (const u of members) this.groupOf[u] = id;
    return id;
  }

  removeGroup(group: number): void {
    this.members.delete(group);
  }

  membersOf(group: number): number[] {
    return this.members.get(group) as number[];
  }

  namesOf(group: number): string[] {
    return this.membersOf(group).map((u) => this.names[u]);
  }

  firstOf(group: number): number {
    return this.membersOf(group)[0];
  }

  size(group: number): number {
    return this.membersOf(group).length;
  }

  /** Groups of more than one unit, ordered by their members. */
  sharedGroups(): [number, number[]][] {
    const groups = [...this.members.entries()].filter(([, m]) => m.length > 1);
    return groups.sort(([, x], [, y]) => compareNumberLists(x, y));
  }

  /** Critical-path network time between unit `u` and each group it has links to. */
  linkWeightByGroup(u: number): Map<number, number> {
    const toGroup = new Map<number, number>();
    for (const [v, weight] of this.adjacency[u]) {
      const h = this.groupOf[v];
      toGroup.set(h, (toGroup.get(h) ?? 0) + weight);
    }
    return toGroup;
  }

  /** The clustering now, or with these groups replaced by those; canonical (members and groups by name). */
  clustering(replace?: { remove: number[]; add: number[][] }): Clustering {
    const groups: number[][] = [];
    for (const [g, members] of this.members) if (!replace?.remove.includes(g)) groups.push(members);
    if (replace) for (const g of replace.add) if (g.length > 0) groups.push(g);
    groups.sort((a, b) => a[0] - b[0]);
    return groups.map((g) => g.map((u) => this.names[u]));
  }
}

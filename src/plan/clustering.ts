/**
 * A clustering: which units are deployed together. Kept canonical (units sorted in each group,
 * groups sorted by their first unit) so that equal clusterings compare, hash and print the same.
 */
export type Clustering = string[][];

export function canonical(groups: readonly (readonly string[])[]): Clustering {
  return groups
    .filter((g) => g.length > 0)
    .map((g) => [...g].sort())
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** Every unit alone. */
export function singletons(units: Iterable<string>): Clustering {
  return canonical([...units].map((u) => [u]));
}

export function groupIndex(clustering: Clustering): Map<string, number> {
  const index = new Map<string, number>();
  clustering.forEach((group, i) => {
    for (const unit of group) index.set(unit, i);
  });
  return index;
}

/** Adds every unit the clustering does not mention as a group of its own. */
export function complete(clustering: Clustering, units: Iterable<string>): Clustering {
  const known = groupIndex(clustering);
  const missing = [...units].filter((u) => !known.has(u));
  return canonical([...clustering, ...missing.map((u) => [u])]);
}

export interface ClusteringDiff {
  /** Groups of the proposal that are not groups of the current clustering. */
  added: string[][];
  /** Groups of the current clustering that the proposal no longer has. */
  removed: string[][];
  /** Units whose group changed. */
  moved: string[];
}

export function diff(current: Clustering, proposed: Clustering): ClusteringDiff {
  const key = (g: string[]) => g.join("\u0000");
  const currentKeys = new Set(current.map(key));
  const proposedKeys = new Set(proposed.map(key));
  const added = proposed.filter((g) => !currentKeys.has(key(g)));
  const removed = current.filter((g) => !proposedKeys.has(key(g)));
  const moved = [...new Set(added.flat())].filter((u) => {
    const before = current.find((g) => g.includes(u));
    const after = proposed.find((g) => g.includes(u));
    return key(before ?? []) !== key(after ?? []);
  });
  return { added, removed, moved: moved.sort() };
}

/**
 * The node key of a unit in a graphology graph. graphology keeps each node's neighbours in plain
 * objects keyed by node key, so a unit named `__proto__`, `constructor` or `toString` would collide
 * with Object.prototype there (a crash, or an edge that "already exists"). A constant prefix keeps
 * every key clear of the prototype and sorts keys exactly as their names.
 */
export const graphKey = (unit: string): string => `#${unit}`;

import { describe, expect, it } from "vitest";
import { namedSpan as span } from "../analyse/test-helpers.ts";
import { buildCallTree } from "../assemble/call-tree.ts";
import { traceOf } from "../model/build.ts";
import { TraceColumns, UnitTable } from "./compact-trace.ts";

const tree = (n: number) =>
  buildCallTree(
    traceOf([
      span(`a${n}`, undefined, 0, 100 + n, "gateway", "server"),
      span(`b${n}`, `a${n}`, 10, 90, "gateway", "client"),
      span(`c${n}`, `b${n}`, 20, 80, "cart", "server"),
    ]),
  );

/** Each trace's rows as (unit, start, end, first child, next sibling), relative to its first row. */
function rowsOf(t: TraceColumns, i: number): number[][] {
  const o = t.rowStart[i];
  const rel = (r: number) => (r === -1 ? -1 : r - o);
  return Array.from({ length: t.size(i) }, (_, k) => [
    t.unit[o + k],
    t.start[o + k],
    t.end[o + k],
    rel(t.firstChild(o + k)),
    rel(t.nextSibling[o + k]),
  ]);
}

describe("the column store of all traces", () => {
  it("keeps every trace's rows across growth, trimming and growth again", () => {
    const units = new UnitTable();
    const store = new TraceColumns();
    for (let n = 0; n < 40; n++) store.add(tree(n), units);
    const before = Array.from({ length: 40 }, (_, i) => rowsOf(store, i));
    store.trim();
    expect(store.start.length).toBe(120);
    for (let n = 40; n < 50; n++) store.add(tree(n), units);
    expect(store.count).toBe(50);
    expect(Array.from({ length: 40 }, (_, i) => rowsOf(store, i))).toEqual(before);
    expect(rowsOf(store, 49)).toEqual([
      [0, 0, 149, 1, -1],
      [0, 10, 90, 2, -1],
      [1, 20, 80, -1, -1],
    ]);
  });
});

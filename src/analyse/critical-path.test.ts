import { describe, expect, it } from "vitest";
import type { CallNode } from "../model/call-tree.ts";
import type { CriticalSection } from "../model/critical-path.ts";
import type { Span, SpanKind } from "../model/span.ts";
import { seededRandom } from "../random.ts";
import { criticalPath } from "./critical-path.ts";
import { buildNodes, buildTree, type TestSpanFields, testSpan } from "./test-helpers.ts";

const T0 = 1_700_000_000_000_000;

function tree(...fields: TestSpanFields[]): CallNode {
  return buildTree(fields.map(testSpan));
}

function brief(sections: CriticalSection[]): [string, number, number][] {
  return sections.map((s) => [s.spanId, s.startUs, s.endUs]);
}

describe("criticalPath", () => {
  it("gives a lone span the whole of its interval, with its unit and operation", () => {
    const root = tree({ spanId: "a", startUs: T0, endUs: T0 + 100, unit: "checkout", name: "POST /pay" });
    expect(criticalPath(root)).toEqual([
      { spanId: "a", unit: "checkout", operation: "POST /pay", startUs: T0, endUs: T0 + 100 },
    ]);
  });

  it("handles a root starting at time 0 with a child starting at time 0", () => {
    const root = tree(
      { spanId: "r", startUs: 0, endUs: 100 },
      { spanId: "a", parentSpanId: "r", startUs: 0, endUs: 50 },
      { spanId: "b", parentSpanId: "r", startUs: 60, endUs: 100 },
    );
    expect(brief(criticalPath(root))).toEqual([
      ["a", 0, 50],
      ["r", 50, 60],
      ["b", 60, 100],
    ]);
  });

  it("counts both of two back-to-back siblings", () => {
    const root = tree(
      { spanId: "r", startUs: 0, endUs: 100 },
      { spanId: "a", parentSpanId: "r", startUs: 10, endUs: 50 },
      { spanId: "b", parentSpanId: "r", startUs: 50, endUs: 90 },
    );
    expect(brief(criticalPath(root))).toEqual([
      ["r", 0, 10],
      ["a", 10, 50],
      ["b", 50, 90],
      ["r", 90, 100],
    ]);
  });

  it("counts every one of 40 back-to-back siblings, beyond the first scans too", () => {
    const children = Array.from({ length: 40 }, (_, i) => ({
      spanId: `c${String(i).padStart(2, "0")}`,
      parentSpanId: "r",
      startUs: T0 + 10 * i,
      endUs: T0 + 10 * i + 10,
    }));
    const root = tree({ spanId: "r", startUs: T0, endUs: T0 + 400 }, ...children.reverse());
    expect(brief(criticalPath(root))).toEqual(
      Array.from({ length: 40 }, (_, i) => [`c${String(i).padStart(2, "0")}`, T0 + 10 * i, T0 + 10 * i + 10]),
    );
  });

  it("prunes a consumer child of a producer span with its subtree", () => {
    const root = tree(
      { spanId: "p", startUs: T0, endUs: T0 + 100, kind: "producer" },
      { spanId: "c", parentSpanId: "p", startUs: T0 + 10, endUs: T0 + 90, kind: "consumer" },
      { spanId: "w", parentSpanId: "c", startUs: T0 + 20, endUs: T0 + 80 },
    );
    expect(brief(criticalPath(root))).toEqual([["p", T0, T0 + 100]]);
  });

  it.each([
    ["a consumer child of an internal span", "internal", "consumer"],
    ["a client child of a producer span", "producer", "client"],
  ] as [string, SpanKind, SpanKind][])("keeps %s", (_, parentKind, childKind) => {
    const root = tree(
      { spanId: "p", startUs: 0, endUs: 100, kind: parentKind },
      { spanId: "c", parentSpanId: "p", startUs: 10, endUs: 90, kind: childKind },
    );
    expect(brief(criticalPath(root)).map(([id]) => id)).toEqual(["p", "c", "p"]);
  });

  it("prefers the earlier start among children ending together", () => {
    const root = tree(
      { spanId: "r", startUs: 0, endUs: 100 },
      { spanId: "late", parentSpanId: "r", startUs: 40, endUs: 80 },
      { spanId: "early", parentSpanId: "r", startUs: 20, endUs: 80 },
    );
    expect(brief(criticalPath(root))).toEqual([
      ["r", 0, 20],
      ["early", 20, 80],
      ["r", 80, 100],
    ]);
  });

  it("prefers the smaller span id among children with the same interval", () => {
    const root = tree(
      { spanId: "00000000000000b2", startUs: 0, endUs: 100 },
      { spanId: "00000000000000f1", parentSpanId: "00000000000000b2", startUs: 20, endUs: 80 },
      { spanId: "00000000000000a1", parentSpanId: "00000000000000b2", startUs: 20, endUs: 80 },
    );
    expect(brief(criticalPath(root)).map(([id]) => id)).toEqual([
      "00000000000000b2",
      "00000000000000a1",
      "00000000000000b2",
    ]);
  });

  it("gives a zero-length root an empty path", () => {
    expect(criticalPath(tree({ spanId: "r", startUs: T0, endUs: T0 }))).toEqual([]);
  });

  it("merges the parent's time on both sides of a zero-length child into one section", () => {
    const root = tree(
      { spanId: "r", startUs: 0, endUs: 100 },
      { spanId: "z", parentSpanId: "r", startUs: 50, endUs: 50 },
    );
    expect(brief(criticalPath(root))).toEqual([["r", 0, 100]]);
  });

  it("clips a child against its parent's clipped interval, not its parent's recorded one", () => {
    // b sticks out of a and is clipped to [50,100]; c fits inside b's record but not inside a.
    const root = tree(
      { spanId: "a", startUs: 0, endUs: 100 },
      { spanId: "b", parentSpanId: "a", startUs: 50, endUs: 200 },
      { spanId: "c", parentSpanId: "b", startUs: 120, endUs: 180 },
    );
    expect(brief(criticalPath(root))).toEqual([
      ["a", 0, 50],
      ["b", 50, 100],
    ]);
  });

  it("walks a 100,000-span chain without overflowing the stack", () => {
    const n = 100_000;
    const spans: Span[] = [];
    for (let i = 0; i < n; i++) {
      spans.push(
        testSpan({
          spanId: i.toString(16).padStart(16, "0"),
          parentSpanId: i === 0 ? undefined : (i - 1).toString(16).padStart(16, "0"),
          startUs: T0 + i,
          endUs: T0 + 2 * n - i,
        }),
      );
    }
    const sections = criticalPath(buildTree(spans));
    // Every span owns one microsecond on each side of its child; the innermost owns two.
    expect(sections).toHaveLength(2 * n - 1);
    expect(sections[0].startUs).toBe(T0);
    expect(sections[sections.length - 1].endUs).toBe(T0 + 2 * n);
    expect(sections.reduce((sum, s) => sum + (s.endUs - s.startUs), 0)).toBe(2 * n);
  });

  it("leaves its input untouched (runs on a deeply frozen tree)", () => {
    const root = tree(
      { spanId: "r", startUs: 10, endUs: 30 },
      { spanId: "a", parentSpanId: "r", startUs: 5, endUs: 35 },
      { spanId: "b", parentSpanId: "a", startUs: 0, endUs: 20 },
    );
    deepFreeze(root);
    expect(brief(criticalPath(root))).toEqual([
      ["b", 10, 20],
      ["a", 20, 30],
    ]);
    expect(root.children[0].span.startUs).toBe(5);
  });
});

describe("criticalPath on random trees", () => {
  const SEEDS = 400;

  it("tiles the root's interval with positive, merged sections summing to its duration", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const spans = randomSpans(seed);
      const root = buildTree(spans);
      const sections = criticalPath(root);
      const where = `seed ${seed}`;
      expect(sections.length, where).toBeGreaterThan(0);
      expect(sections[0].startUs, where).toBe(root.span.startUs);
      expect(sections[sections.length - 1].endUs, where).toBe(root.span.endUs);
      for (let i = 0; i < sections.length; i++) {
        const s = sections[i];
        expect(s.endUs, where).toBeGreaterThan(s.startUs);
        if (i > 0) {
          expect(s.startUs, where).toBe(sections[i - 1].endUs);
          expect(s.spanId, where).not.toBe(sections[i - 1].spanId);
        }
      }
      const sum = sections.reduce((acc, s) => acc + (s.endUs - s.startUs), 0);
      expect(sum, where).toBe(root.span.endUs - root.span.startUs);
    }
  });

  it("puts each section inside its own span's recorded interval", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { roots, nodes } = buildNodes(randomSpans(seed));
      for (const s of criticalPath(roots[0])) {
        const span = nodes.get(s.spanId)?.span as Span;
        expect(s.startUs).toBeGreaterThanOrEqual(span.startUs);
        expect(s.endUs).toBeLessThanOrEqual(span.endUs);
      }
    }
  });

  it("agrees with a direct recursive reading of the rules", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const root = buildTree(randomSpans(seed));
      expect(brief(criticalPath(root)), `seed ${seed}`).toEqual(reference(root));
    }
  });

  it("does not depend on the order the spans were given in", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const spans = randomSpans(seed);
      const expected = criticalPath(buildTree(spans));
      const rng = seededRandom(seed * 7919);
      expect(criticalPath(buildTree(shuffle([...spans], rng))), `seed ${seed}`).toEqual(expected);
    }
  });

  it("does not even rely on children being sorted", () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const spans = randomSpans(seed);
      const expected = criticalPath(buildTree(spans));
      const { roots, nodes } = buildNodes(spans);
      const rng = seededRandom(seed * 104729);
      for (const node of nodes.values()) shuffle(node.children, rng);
      expect(criticalPath(roots[0]), `seed ${seed}`).toEqual(expected);
    }
  });
});

function deepFreeze(node: CallNode): void {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop() as CallNode;
    Object.freeze(n.span.attributes);
    Object.freeze(n.span.resource);
    Object.freeze(n.span);
    Object.freeze(n.children);
    Object.freeze(n);
    stack.push(...n.children);
  }
}

function shuffle<T>(items: T[], rng: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

const KINDS: SpanKind[] = ["internal", "server", "client", "producer", "consumer"];

/**
 * A random trace on a coarse time grid (so ends tie, siblings touch and spans have zero length), with
 * children that may stick out of, or lie outside, their parent; some roots start at 0. Half the traces
 * are a random tree of 1–80 spans; the others one fan-out of 10–150 children, long or short (short
 * ones put many children on the path, past the scans and into the sorts).
 */
function randomSpans(seed: number): Span[] {
  const rng = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const grid = int(1, 10);
  const base = rng() < 0.3 ? 0 : T0;
  const shape = rng() < 0.5 ? "tree" : rng() < 0.5 ? "fan-out" : "short fan-out";
  const n = shape === "tree" ? int(1, 80) : int(10, 150);
  const rootLength = shape === "short fan-out" ? int(20, 400) : int(1, 40);
  const spans: Span[] = [];
  const usedIds = new Set<string>();
  for (let i = 0; i < n; i++) {
    let spanId: string;
    do spanId = int(1, 0xffffff).toString(16).padStart(16, "0");
    while (usedIds.has(spanId));
    usedIds.add(spanId);
    const kind = KINDS[int(0, KINDS.length - 1)];
    if (i === 0) {
      spans.push(testSpan({ spanId, startUs: base, endUs: base + grid * rootLength, kind }));
      continue;
    }
    const parent = spans[shape === "tree" ? int(0, i - 1) : 0];
    const length = (parent.endUs - parent.startUs) / grid;
    const start = parent.startUs + grid * int(-2, length + 2);
    const end = start + grid * (shape === "short fan-out" ? int(0, 6) : int(0, Math.max(1, length)));
    spans.push(testSpan({ spanId, parentSpanId: parent.spanId, startUs: start, endUs: end, kind }));
  }
  return spans;
}

/** The rules of DESIGN.md read literally: sanitise the whole tree, then recurse, scanning all children. */
function reference(root: CallNode): [string, number, number][] {
  interface Clean {
    id: string;
    start: number;
    end: number;
    children: Clean[];
  }
  const sanitise = (node: CallNode, start: number, end: number): Clean => ({
    id: node.span.spanId,
    start,
    end,
    children: node.children
      .filter((c) => !(node.span.kind === "producer" && c.span.kind === "consumer"))
      .filter((c) => c.span.startUs < end && c.span.endUs > start)
      .map((c) => sanitise(c, Math.max(c.span.startUs, start), Math.min(c.span.endUs, end))),
  });
  const backwards: [string, number, number][] = [];
  const walk = (span: Clean) => {
    let cursor = span.end;
    const left = [...span.children];
    for (;;) {
      const fits = left.filter((c) => c.end <= cursor);
      if (fits.length === 0) break;
      const next = fits.reduce((best, c) =>
        c.end > best.end ||
        (c.end === best.end && (c.start < best.start || (c.start === best.start && c.id < best.id)))
          ? c
          : best,
      );
      left.splice(left.indexOf(next), 1);
      backwards.push([span.id, next.end, cursor]);
      walk(next);
      cursor = next.start;
    }
    backwards.push([span.id, span.start, cursor]);
  };
  walk(sanitise(root, root.span.startUs, root.span.endUs));
  const out: [string, number, number][] = [];
  for (const [id, start, end] of backwards.reverse()) {
    if (end <= start) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === id && last[2] === start) last[2] = end;
    else out.push([id, start, end]);
  }
  return out;
}

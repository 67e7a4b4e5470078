import { describe, expect, it } from "vitest";
import { markHops, retime } from "./retime.ts";
import type { Section } from "./types.ts";

const section = (
  spanId: string,
  unit: string,
  operation: string,
  startUs: number,
  endUs: number,
): Section => ({
  spanId,
  unit,
  operation,
  startUs,
  endUs,
});

// gateway's handler calls auth (4 ms of network around 1 ms of auth), then does 1 ms of its own work.
const path: Section[] = [
  section("g1", "gateway", "invoke gateway", 0, 1000),
  section("c1", "gateway", "call auth", 1000, 3000),
  section("a1", "auth", "invoke auth", 3000, 4000),
  section("c1", "gateway", "call auth", 4000, 6000),
  section("g1", "gateway", "invoke gateway", 6000, 7000),
];

describe("what-if re-timing of an exemplar's critical path", () => {
  it("marks the client span's time around another unit's section as the hop's network time", () => {
    const marked = markHops(path);
    expect(marked.map((s) => [s.spanId, s.network, s.callee])).toEqual([
      ["g1", false, null],
      ["c1", true, "auth"],
      ["a1", false, null],
      ["c1", true, "auth"],
      ["g1", false, null],
    ]);
  });

  it("does not take a span interrupted by its own unit's child for a hop", () => {
    const local = [
      section("p", "a", "x", 0, 10),
      section("q", "a", "y", 10, 20),
      section("p", "a", "x", 20, 30),
    ];
    expect(markHops(local).some((s) => s.network)).toBe(false);
  });

  it("replaces a hop inside a proposed group by one in-process call and closes the path up", () => {
    const result = retime(path, [["auth", "gateway"]], 50);
    expect(result.durationUs).toBe(7000 - 4000 + 50);
    expect(result.savedUs).toBe(3950);
    expect(result.fusedHops).toEqual(["gateway → auth"]);
    expect(result.sections.map((s) => [s.startUs, s.endUs])).toEqual([
      [0, 1000],
      [1000, 1025],
      [1025, 2025],
      [2025, 2050],
      [2050, 3050],
    ]);
  });

  it("leaves the path as it was when the hop's units stay apart", () => {
    const result = retime(path, [["auth"], ["gateway"]]);
    expect(result.durationUs).toBe(7000);
    expect(result.savedUs).toBe(0);
    expect(result.fusedHops).toEqual([]);
  });
});

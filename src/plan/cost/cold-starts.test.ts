import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.ts";
import { coldStartCount } from "./cold-starts.ts";

/** The definition: every member's invocations sorted together, a cold start after an idle gap. */
function sortedCount(members: { start: number[]; end: number[] }[], keepAliveUs: number): number {
  const all = members.flatMap((m) => m.start.map((s, i) => [s, m.end[i]]));
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cold = 0;
  let busy = Number.NEGATIVE_INFINITY;
  for (const [s, e] of all) {
    if (busy !== Number.NEGATIVE_INFINITY && s - busy > keepAliveUs) cold++;
    busy = Math.max(busy, e);
  }
  return cold;
}

describe("cold starts of a group", () => {
  it("count as sorting all members' invocations does, merging members' sorted lists", () => {
    const random = seededRandom(8);
    for (let round = 0; round < 300; round++) {
      const members = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
        const pairs = Array.from({ length: Math.floor(random() * 30) }, () => {
          const s = Math.floor(random() * 10_000);
          return [s, s + Math.floor(random() * (random() < 0.1 ? 2000 : 40))];
        }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        return { start: pairs.map((p) => p[0]), end: pairs.map((p) => p[1]) };
      });
      const keepAlive = Math.floor(random() * 600);
      expect(coldStartCount([...members, undefined], keepAlive)).toBe(sortedCount(members, keepAlive));
    }
  });
});

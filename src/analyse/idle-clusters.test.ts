import { describe, expect, it } from "vitest";
import { seededRandom } from "../random.ts";
import { IdleClusters, type Invocation } from "./idle-clusters.ts";

/** The definition: sort every invocation, and a cold start follows a gap longer than the keep-alive. */
function sortedColdStarts(all: Invocation[], keepAliveUs: number): Invocation[] {
  const order = [...all].sort((a, b) => a.start - b.start || a.end - b.end || a.criticalUs - b.criticalUs);
  const out: Invocation[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const x of order) {
    if (lastEnd !== Number.NEGATIVE_INFINITY && x.start - lastEnd > keepAliveUs) out.push(x);
    lastEnd = Math.max(lastEnd, x.end);
  }
  return out;
}

function randomInvocations(random: () => number, n: number): Invocation[] {
  return Array.from({ length: n }, () => {
    const start = Math.floor(random() * 20_000);
    // Mostly short, a few long invocations that bridge gaps.
    const length = random() < 0.1 ? Math.floor(random() * 3000) : Math.floor(random() * 50);
    return { start, end: start + length, criticalUs: Math.floor(random() * 5) };
  });
}

describe("idle clusters", () => {
  it("give the cold starts of sorting all invocations, whatever order they arrive in", () => {
    const random = seededRandom(5);
    for (let round = 0; round < 300; round++) {
      const all = randomInvocations(random, 1 + Math.floor(random() * 60));
      const keepAlive = Math.floor(random() * 800);
      const shuffled = [...all];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      const clusters = new IdleClusters(keepAlive);
      for (const x of shuffled) clusters.add(x.start, x.end, x.criticalUs);
      expect(clusters.coldStarts()).toEqual(sortedColdStarts(all, keepAlive));
    }
  });

  it("keep one record per cold start, not one per invocation", () => {
    const clusters = new IdleClusters(1000);
    for (let i = 0; i < 100_000; i++) clusters.add(i * 10, i * 10 + 5, 1);
    clusters.add(10_000_000, 10_000_010, 1);
    expect(clusters.clusters).toHaveLength(2);
  });
});

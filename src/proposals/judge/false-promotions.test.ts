/**
 * Statistical properties of the judge over many seeded A/A rollouts (the same latency shape twice):
 * not timed, and deterministic for the seed. The margins are three binomial standard errors of the
 * rate being bounded, so a judge whose true rate sat at the bound would fail only ~0.1% of seeds.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.ts";
import { rankSum } from "../stats/rank-sum.ts";
import { lookSizes, resolvePolicy } from "./policy.ts";
import { heavyTailed, scaled, simulateRollouts } from "./simulate.ts";

const RUNS = 2000;
// Smaller than the default (200 → 2,000 per variant) to keep the suite quick; five looks all the same.
// minEffect 0 so that what is measured is the sequential test itself, not the effect-size filter.
const policy = { minSamplePerVariant: 100, maxSamplePerVariant: 1000, looks: 5, minEffect: 0 };
const alpha = resolvePolicy(policy).alpha;
const margin = (rate: number) => 3 * Math.sqrt((rate * (1 - rate)) / RUNS);
const shop = heavyTailed();

describe("the judge on A/A rollouts", () => {
  const aa = simulateRollouts({ runs: RUNS, policy, control: shop, candidate: shop, seed: 2026 });

  it("promotes no more often than alpha/2 (its side of the two-sided test) plus the margin", () => {
    expect(aa.promoted.rate).toBeLessThanOrEqual(alpha / 2 + margin(alpha / 2));
  });

  it("promotes or rolls back on latency no more often than alpha plus the margin", () => {
    expect(aa.promoted.rate + aa.rolledBackSlower.rate).toBeLessThanOrEqual(alpha + margin(alpha));
  });

  it("rarely trips the error guard when both variants fail 1% of requests, checked every 50", () => {
    expect(aa.rolledBackErrors.rate).toBeLessThanOrEqual(0.01);
  });

  it("promotes nothing with the default minimum effect", () => {
    const defaults = simulateRollouts({
      runs: 500,
      policy: { ...policy, minEffect: undefined },
      control: shop,
      candidate: shop,
      seed: 7,
    });
    expect(defaults.promoted.count).toBe(0);
  });

  it("would decide far more often if every look were tested at the full alpha", () => {
    // What the sequential guard prevents: the same rollouts, a plain test at each of the five looks.
    const random = seededRandom(2026);
    const sizes = lookSizes(resolvePolicy(policy));
    const max = sizes[sizes.length - 1];
    let decided = 0;
    for (let run = 0; run < RUNS; run++) {
      const a = Array.from({ length: max }, () => shop(random));
      const b = Array.from({ length: max }, () => shop(random));
      if (sizes.some((n) => rankSum(a.slice(0, n), b.slice(0, n)).pValue <= alpha)) decided++;
    }
    expect(decided / RUNS).toBeGreaterThan(alpha + margin(alpha));
  });
});

describe("simulated rollouts", () => {
  it("give the verdicts of calling the judge at every step, though they ask only the error guard between looks", () => {
    const options = {
      runs: 30,
      policy: { minSamplePerVariant: 40, maxSamplePerVariant: 400, minEffect: 0.05 },
      control: shop,
      candidate: scaled(shop, 0.93),
      errorRate: { control: 0.01, candidate: 0.03 },
      checkEvery: 10,
      seed: 5,
    };
    const shortcut = simulateRollouts(options);
    expect(simulateRollouts({ ...options, judgeEveryStep: true }).outcomes).toEqual(shortcut.outcomes);
    expect(new Set(shortcut.outcomes.map((o) => o.reason)).size).toBeGreaterThan(1);
  });

  it("promote a candidate that is 20% faster in most runs, and roll back one that is 20% slower", () => {
    const faster = simulateRollouts({
      runs: 200,
      policy,
      control: shop,
      candidate: scaled(shop, 0.8),
      seed: 3,
    });
    const slower = simulateRollouts({
      runs: 200,
      policy,
      control: shop,
      candidate: scaled(shop, 1.2),
      seed: 4,
    });
    expect(faster.promoted.rate).toBeGreaterThan(0.9);
    expect(slower.rolledBackSlower.rate).toBeGreaterThan(0.9);
  });

  it("roll back on errors when the candidate fails 5% of requests against 1%", () => {
    const failing = simulateRollouts({
      runs: 200,
      policy,
      control: shop,
      candidate: shop,
      errorRate: { control: 0.01, candidate: 0.05 },
      seed: 6,
    });
    expect(failing.rolledBackErrors.rate).toBeGreaterThan(0.9);
  });
});

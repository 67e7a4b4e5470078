import { describe, expect, it } from "vitest";
import { NanofuseError } from "../../errors.ts";
import { seededRandom } from "../../random.ts";
import { type JudgeInput, judge } from "./judge.ts";
import { defaultPolicy, lookSizes, resolvePolicy } from "./policy.ts";
import { heavyTailed, type Shape, scaled } from "./simulate.ts";

const shop = heavyTailed();

function latencies(shape: Shape, n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => shape(random));
}

/** Both variants with `n` latencies and `errors` failures among n + errors requests. */
function rollout(control: number[], candidate: number[], errors = { control: 2, candidate: 2 }): JudgeInput {
  return {
    control: { latenciesUs: control, errors: errors.control, requests: control.length + errors.control },
    candidate: {
      latenciesUs: candidate,
      errors: errors.candidate,
      requests: candidate.length + errors.candidate,
    },
  };
}

const fmtMs = (us: number) => `${(us / 1000).toFixed(Math.abs(us) < 10_000 ? 2 : 1)} ms`;

describe("the rollout judge", () => {
  it("promotes a clearly faster candidate at the first look and names the numbers it used", () => {
    const j = judge(rollout(latencies(shop, 250, 1), latencies(scaled(shop, 0.7), 250, 2)));
    expect(j.verdict).toBe("promote");
    expect(j.reason).toBe("candidate_faster");
    expect(j.look).toMatchObject({ index: 1, of: 5, samplePerVariant: 200 });
    const latency = j.latency ?? expect.fail("a latency report");
    expect(latency.pValue).toBeLessThanOrEqual(j.look?.nominalAlpha ?? 0);
    expect(latency.cliffsDelta).toBeGreaterThan(defaultPolicy.minEffect);
    expect(latency.uControl + latency.uCandidate).toBe(200 * 200);
    expect(latency.p50.estimate).toBeLessThan(0);
    expect(latency.p50.low).toBeLessThanOrEqual(latency.p50.estimate);
    expect(latency.p50.high).toBeGreaterThanOrEqual(latency.p50.estimate);
    expect(j.explanation).toMatch(/^Promote: the candidate is faster\. At look 1 of 5 \(200 latencies/);
    for (const figure of [
      fmtMs(latency.p50.candidate),
      fmtMs(latency.p50.control),
      fmtMs(latency.p95.candidate),
      latency.cliffsDelta.toFixed(3),
      latency.pValue.toExponential(1),
    ])
      expect(j.explanation).toContain(figure);
  });

  it("rolls back a clearly slower candidate", () => {
    const j = judge(rollout(latencies(shop, 220, 3), latencies(scaled(shop, 1.4), 220, 4)));
    expect(j.verdict).toBe("roll_back");
    expect(j.reason).toBe("candidate_slower");
    expect(j.latency?.cliffsDelta).toBeLessThan(0);
    expect(j.explanation).toMatch(/^Roll back: the candidate is slower\./);
  });

  it("keeps collecting before the first look and says how many latencies it needs", () => {
    const j = judge(rollout(latencies(shop, 120, 5), latencies(scaled(shop, 0.5), 80, 6)));
    expect(j).toMatchObject({ verdict: "keep_collecting", reason: "before_first_look", nextLookAt: 200 });
    expect(j.latency).toBeNull();
    expect(j.explanation).toContain(
      "the first look needs 200 latencies per variant; there are 120 (control) and 80 (candidate)",
    );
  });

  it("keeps collecting between looks when no boundary is crossed, and names the next look", () => {
    const j = judge(rollout(latencies(shop, 700, 7), latencies(shop, 690, 8)));
    expect(j).toMatchObject({ verdict: "keep_collecting", reason: "no_boundary_crossed", nextLookAt: 1100 });
    expect(j.look).toMatchObject({ index: 2, samplePerVariant: 650 });
    expect(j.latency?.crossed).toBe(false);
  });

  it("gives the same latency figures however often it is called between two looks", () => {
    const control = latencies(shop, 1099, 9);
    const candidate = latencies(scaled(shop, 0.97), 1099, 10);
    const at = (n: number) => judge(rollout(control.slice(0, n), candidate.slice(0, n)));
    const first = at(650);
    for (const n of [651, 800, 1000, 1099]) {
      const later = at(n);
      expect(later.look).toEqual(first.look);
      expect(later.latency).toEqual(first.latency);
      expect(later.verdict).toBe(first.verdict);
    }
  });

  it("keeps a verdict once reached when more observations arrive", () => {
    const control = latencies(shop, 2000, 11);
    const candidate = latencies(scaled(shop, 0.85), 2000, 12);
    const verdicts = lookSizes(defaultPolicy).map((n) =>
      judge(rollout(control.slice(0, n), candidate.slice(0, n))),
    );
    const firstDecision = verdicts.findIndex((j) => j.verdict !== "keep_collecting");
    expect(firstDecision).toBeGreaterThanOrEqual(0);
    for (const later of verdicts.slice(firstDecision)) {
      expect(later.verdict).toBe("promote");
      expect(later.look?.index).toBe(firstDecision + 1);
    }
  });

  it("does not promote a significant but negligible gain, and rolls it back when the looks are spent", () => {
    // 5% faster: Cliff's delta ≈ 0.08, significant at 2,000 per variant, below the default 0.147.
    const control = latencies(shop, 2000, 13);
    const candidate = latencies(scaled(shop, 0.95), 2000, 14);
    const j = judge(rollout(control, candidate));
    expect(j.latency?.crossed).toBe(true);
    expect(j.latency?.cliffsDelta).toBeLessThan(defaultPolicy.minEffect);
    expect(j).toMatchObject({ verdict: "roll_back", reason: "exhausted", exhausted: true, nextLookAt: null });
    expect(j.explanation).toMatch(
      /^Roll back: all 5 planned looks are done and the candidate is faster, but by less than the minimum effect\./,
    );
    expect(judge(rollout(control, candidate), { minEffect: 0.05 }).verdict).toBe("promote");
  });

  it("holds an exhausted rollout for a person when the policy says so", () => {
    const j = judge(rollout(latencies(shop, 2000, 15), latencies(shop, 2000, 16)), { onExhausted: "hold" });
    expect(j).toMatchObject({ verdict: "keep_collecting", reason: "exhausted", exhausted: true });
    expect(j.explanation).toMatch(
      /^Hold for a person to decide: all 5 planned looks are done and the candidate did not prove faster\./,
    );
  });

  it("runs out after the maximum duration, measured by the caller", () => {
    const observations = rollout(latencies(shop, 300, 17), latencies(shop, 300, 18));
    const policy = { maxDurationMs: 3_600_000 };
    expect(judge({ ...observations, elapsedMs: 3_599_999 }, policy).reason).toBe("no_boundary_crossed");
    const late = judge({ ...observations, elapsedMs: 3_600_000 }, policy);
    expect(late).toMatchObject({ verdict: "roll_back", reason: "exhausted", exhausted: true });
    expect(late.explanation).toContain("the maximum duration of 1.0 h has passed (1.0 h)");
  });

  it("rolls back on errors before the first look when the candidate fails far more often", () => {
    const j = judge(rollout(latencies(shop, 40, 19), latencies(shop, 30, 20), { control: 0, candidate: 10 }));
    expect(j).toMatchObject({ verdict: "roll_back", reason: "error_rate" });
    expect(j.errors.tripped).toBe(true);
    expect(j.errors.increase.low).toBeGreaterThan(j.errors.allowed);
    expect(j.explanation).toMatch(
      /^Roll back: the candidate fails more often\. Errors: candidate 25\.0% \(10 of 40\), control 0\.0% \(0 of 40\)/,
    );
  });

  it("lets an error increase within the allowance pass, and overrides a promotion when it is beyond", () => {
    const control = latencies(shop, 2000, 21);
    const faster = latencies(scaled(shop, 0.7), 2000, 22);
    const within = judge(rollout(control, faster, { control: 20, candidate: 30 }));
    expect(within.errors.tripped).toBe(false);
    expect(within.verdict).toBe("promote");
    const beyond = judge(rollout(control, faster, { control: 20, candidate: 120 }));
    expect(beyond).toMatchObject({ verdict: "roll_back", reason: "error_rate" });
  });

  it("mirrors U and the verdict when the variants are swapped and there is no minimum effect", () => {
    const mirror = { promote: "roll_back", roll_back: "promote", keep_collecting: "keep_collecting" };
    const random = seededRandom(23);
    const seen = new Set<string>();
    for (let trial = 0; trial < 40; trial++) {
      const n = 200 + Math.floor(random() * 1800);
      const a = latencies(shop, n, 100 + trial);
      const b = latencies(scaled(shop, 0.8 + random() * 0.4), n, 200 + trial);
      const forward = judge(rollout(a, b), { minEffect: 0 });
      const backward = judge(rollout(b, a), { minEffect: 0 });
      seen.add(forward.verdict);
      expect(backward.verdict).toBe(mirror[forward.verdict]);
      expect(backward.look).toEqual(forward.look);
      expect(backward.latency?.uControl).toBe(forward.latency?.uCandidate);
      expect(backward.latency?.pValue).toBeCloseTo(forward.latency?.pValue ?? Number.NaN, 12);
      expect(backward.latency?.cliffsDelta).toBeCloseTo(-(forward.latency?.cliffsDelta ?? Number.NaN), 12);
      expect(backward.latency?.p50.estimate).toBe(-(forward.latency?.p50.estimate ?? Number.NaN));
    }
    expect([...seen].sort()).toEqual(["keep_collecting", "promote", "roll_back"]);
  });

  it("rolls back the swapped rollout of every promotion, at the same look or earlier", () => {
    // Rolling back needs no minimum effect, so the mirror image may stop sooner.
    const random = seededRandom(24);
    let promotions = 0;
    for (let trial = 0; trial < 30; trial++) {
      const a = latencies(shop, 2000, 500 + trial);
      const b = latencies(scaled(shop, 0.8 + random() * 0.2), 2000, 600 + trial);
      const forward = judge(rollout(a, b));
      if (forward.verdict !== "promote") continue;
      promotions++;
      const backward = judge(rollout(b, a));
      expect(backward).toMatchObject({ verdict: "roll_back", reason: "candidate_slower" });
      expect(backward.look?.index).toBeLessThanOrEqual(forward.look?.index ?? 0);
    }
    expect(promotions).toBeGreaterThan(5);
  });

  it("gives the same verdict when every latency goes through a strictly increasing transform", () => {
    const transform = (us: number) => Math.log1p(us) ** 3;
    for (let trial = 0; trial < 10; trial++) {
      const a = latencies(shop, 600 + trial * 150, 300 + trial);
      const b = latencies(scaled(shop, 0.85 + trial * 0.03), 600 + trial * 150, 400 + trial);
      const plain = judge(rollout(a, b));
      const transformed = judge(rollout(a.map(transform), b.map(transform)));
      expect(transformed.verdict).toBe(plain.verdict);
      expect(transformed.look).toEqual(plain.look);
      expect(transformed.latency?.uControl).toBe(plain.latency?.uControl);
      expect(transformed.latency?.pValue).toBe(plain.latency?.pValue);
    }
  });

  it("uses the exact test for small samples without ties", () => {
    const policy = { minSamplePerVariant: 10, maxSamplePerVariant: 40, looks: 2 };
    const a = latencies(heavyTailed({ tailShare: 0 }), 40, 24).map((v, i) => v + i / 64);
    const b = latencies(heavyTailed({ tailShare: 0 }), 40, 25).map((v, i) => v + i / 128);
    const j = judge(rollout(a, b), policy);
    expect(j.latency?.method).toBe("exact");
    expect(j.latency?.pValue).toBeGreaterThanOrEqual(0);
    expect(j.latency?.pValue).toBeLessThanOrEqual(1);
  });

  it("is deterministic, bootstrap intervals included", () => {
    const observations = rollout(latencies(shop, 900, 26), latencies(scaled(shop, 0.9), 900, 27));
    expect(judge(observations)).toEqual(judge(observations));
  });

  it("leaves out latencies that are not finite non-negative numbers and reports them", () => {
    const control = latencies(shop, 300, 28);
    const candidate = [...latencies(shop, 300, 29), Number.NaN, -5, Number.POSITIVE_INFINITY];
    const j = judge(rollout(control, candidate as number[]));
    expect(j.samples).toEqual({ control: 300, candidate: 300 });
    expect(j.problems).toEqual([
      expect.objectContaining({ code: "NF_JUDGE_BAD_SAMPLE", where: { path: "candidate.latenciesUs[300]" } }),
    ]);
    expect(j.problems[0].message).toContain("3 of 303 candidate latencies, the first NaN");
    expect(j.explanation).toContain("3 of 303 candidate latencies");
  });

  it("refuses impossible counts and a negative elapsed time with NF_JUDGE_INPUT_INVALID", () => {
    const good = rollout(latencies(shop, 10, 30), latencies(shop, 10, 31));
    const bad = [
      { ...good, candidate: { ...good.candidate, errors: 20 } },
      { ...good, control: { ...good.control, requests: -1 } },
      { ...good, control: { ...good.control, latenciesUs: null as unknown as number[] } },
      { ...good, elapsedMs: -1 },
    ];
    for (const input of bad) {
      expect(() => judge(input)).toThrow(expect.objectContaining({ code: "NF_JUDGE_INPUT_INVALID" }));
    }
  });

  it("refuses an unknown or out-of-range policy field with NF_JUDGE_POLICY_INVALID", () => {
    const cases: Record<string, unknown>[] = [
      { alfa: 0.05 },
      { alpha: 1.5 },
      { looks: 0 },
      { minSamplePerVariant: 500, maxSamplePerVariant: 400 },
      { minSamplePerVariant: 100, maxSamplePerVariant: 102, looks: 5 },
      { onExhausted: "promote" },
      { bootstrapResamples: 1.5 },
    ];
    for (const overrides of cases) {
      let error: unknown;
      try {
        resolvePolicy(overrides);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(NanofuseError);
      expect((error as NanofuseError).code).toBe("NF_JUDGE_POLICY_INVALID");
    }
    expect(resolvePolicy({ __proto__: null, alpha: 0.1 } as Partial<typeof defaultPolicy>).alpha).toBe(0.1);
  });
});

import { describe, expect, it } from "vitest";
import { proposalMerging, TRACE_A, TRACE_B } from "../../test/support/proposals.ts";
import { BACKENDS, useBackend } from "../../test/support/store-backends.ts";
import type { Store, TransitionRequest } from "./store.ts";

const t0 = new Date("2025-03-01T10:00:00.000Z");
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const planner = { actor: "planner", at: t0 };

async function proposeCheckout(store: Store, scope = "shop") {
  return store.proposals.propose({ scope, plan: proposalMerging(["checkout", "inventory"]), ...planner });
}

function step(
  action: TransitionRequest["action"],
  expectedRevision: number,
  extra: Partial<TransitionRequest> = {},
) {
  return { action, expectedRevision, actor: "ana@example.com", at: later(expectedRevision), ...extra };
}

describe.each(BACKENDS)("proposals on %s", (name) => {
  const backend = useBackend(name);

  it("writes a planner's proposal as version 1, pending approval, with its plan, evidence and audit entry", async () => {
    const store = await backend.fresh();
    const plan = proposalMerging(["checkout", "inventory"]);
    const { proposal, created, superseded } = await store.proposals.propose({
      scope: "shop",
      plan,
      ...planner,
    });
    expect({ created, superseded }).toEqual({ created: true, superseded: null });
    expect(proposal).toMatchObject({
      scope: "shop",
      version: 1,
      revision: 1,
      state: "pending_approval",
      contentHash: plan.contentHash,
      supersedes: null,
      supersededBy: null,
      exemplarTraceIds: [TRACE_A, TRACE_B],
    });
    expect(proposal.plan).toEqual(plan);
    expect(proposal.createdAt.getTime()).toBe(t0.getTime());
    expect(await store.proposals.get(proposal.id)).toEqual(proposal);
    expect(await store.proposals.audit(proposal.id)).toMatchObject([
      { action: "create", from: null, to: "pending_approval", actor: "planner", revision: 1 },
    ]);
  });

  it("treats the same plan content for the same scope as the same proposal", async () => {
    const store = await backend.fresh();
    const first = await proposeCheckout(store);
    const again = await store.proposals.propose({
      scope: "shop",
      plan: proposalMerging(["checkout", "inventory"]),
      actor: "planner",
      at: later(5),
    });
    expect(again.created).toBe(false);
    expect(again.proposal).toEqual(first.proposal);
    expect(await store.proposals.list()).toHaveLength(1);
    const elsewhere = await proposeCheckout(store, "other-team");
    expect(elsewhere.created).toBe(true);
    expect(elsewhere.proposal.version).toBe(1);
  });

  it("makes a changed plan the next version, superseding the pending one in the same write", async () => {
    const store = await backend.fresh();
    const v1 = (await proposeCheckout(store)).proposal;
    const v2 = await store.proposals.propose({
      scope: "shop",
      plan: proposalMerging(["cart", "checkout"], ["inventory", "payment"]),
      actor: "planner",
      at: later(10),
    });
    expect(v2.created).toBe(true);
    expect(v2.proposal).toMatchObject({ version: 2, supersedes: v1.id, state: "pending_approval" });
    expect(v2.superseded).toMatchObject({
      id: v1.id,
      state: "superseded",
      supersededBy: v2.proposal.id,
      revision: 2,
    });
    expect((await store.proposals.audit(v1.id)).map((a) => [a.action, a.from, a.to])).toEqual([
      ["create", null, "pending_approval"],
      ["supersede", "pending_approval", "superseded"],
    ]);
    expect((await store.proposals.list({ states: ["pending_approval"] })).map((p) => p.id)).toEqual([
      v2.proposal.id,
    ]);
    expect((await store.proposals.list({ scope: "shop" })).map((p) => p.version)).toEqual([2, 1]);
  });

  it("does not supersede a version that is already approved", async () => {
    const store = await backend.fresh();
    const v1 = (await proposeCheckout(store)).proposal;
    await store.proposals.transition(v1.id, step("approve", 1));
    const v2 = await store.proposals.propose({
      scope: "shop",
      plan: proposalMerging(["cart", "checkout"], ["inventory", "payment"]),
      ...planner,
    });
    expect(v2.superseded).toBeNull();
    expect(v2.proposal.supersedes).toBe(v1.id);
    expect((await store.proposals.get(v1.id))?.state).toBe("approved");
  });

  it("walks a proposal through approval, rollout with judgements and promotion, auditing every step", async () => {
    const store = await backend.fresh();
    const { id } = (await proposeCheckout(store)).proposal;
    await store.proposals.transition(id, step("approve", 1, { reason: "looks right" }));
    const rolling = await store.proposals.transition(
      id,
      step("start_rollout", 2, { rollout: { variant: "fused-v1", trafficShare: 0.1 } }),
    );
    expect(rolling).toMatchObject({ state: "rolling_out", revision: 3 });
    const active = await store.rollouts.active(id);
    expect(active).toMatchObject({ variant: "fused-v1", trafficShare: 0.1, endedAt: null, outcome: null });
    const judgement = await store.rollouts.judge(active?.id as number, {
      at: later(30),
      verdict: "promote",
      result: { samples: 1200, u: 35, p: 0.0012, effect: -0.31 },
    });
    expect(judgement).toMatchObject({ verdict: "promote", result: { samples: 1200, p: 0.0012 } });
    const promoted = await store.proposals.transition(id, step("promote", 3, { actor: "judge" }));
    expect(promoted.state).toBe("promoted");
    const [rollout] = await store.rollouts.forProposal(id);
    expect(rollout).toMatchObject({ outcome: "promoted", judgements: [judgement] });
    expect(rollout.endedAt?.getTime()).toBe(later(3).getTime());
    expect(await store.rollouts.active(id)).toBeNull();
    await expect(
      store.rollouts.judge(rollout.id, { at: later(40), verdict: "continue", result: null }),
    ).rejects.toMatchObject({
      code: "NF_ROLLOUT_NOT_FOUND",
    });
    expect(
      (await store.proposals.audit(id)).map((a) => `${a.action}:${a.to}:${a.actor}:${a.reason}`),
    ).toEqual([
      "create:pending_approval:planner:version 1 of shop",
      "approve:approved:ana@example.com:looks right",
      "start_rollout:rolling_out:ana@example.com:null",
      "promote:promoted:judge:null",
    ]);
  });

  it("refuses illegal transitions with a stable code and changes nothing", async () => {
    const store = await backend.fresh();
    const { id } = (await proposeCheckout(store)).proposal;
    await expect(store.proposals.transition(id, step("promote", 1))).rejects.toMatchObject({
      code: "NF_PROPOSAL_ILLEGAL_TRANSITION",
    });
    await store.proposals.transition(id, step("approve", 1));
    await expect(store.proposals.transition(id, step("promote", 2))).rejects.toMatchObject({
      code: "NF_PROPOSAL_ILLEGAL_TRANSITION",
    });
    await expect(store.proposals.transition(id, step("start_rollout", 2))).rejects.toMatchObject({
      code: "NF_ROLLOUT_INVALID",
    });
    await expect(
      store.proposals.transition(
        id,
        step("start_rollout", 2, { rollout: { variant: "v", trafficShare: 1.5 } }),
      ),
    ).rejects.toMatchObject({ code: "NF_ROLLOUT_INVALID" });
    await store.proposals.transition(id, step("reject", 2, { reason: "the team owns both" }));
    await expect(store.proposals.transition(id, step("approve", 3))).rejects.toMatchObject({
      code: "NF_PROPOSAL_ILLEGAL_TRANSITION",
    });
    await expect(store.proposals.transition(id + 100, step("approve", 1))).rejects.toMatchObject({
      code: "NF_PROPOSAL_NOT_FOUND",
    });
    expect(await store.proposals.get(id)).toMatchObject({ state: "rejected", revision: 3 });
    expect(await store.rollouts.forProposal(id)).toEqual([]);
    expect(await store.proposals.audit(id)).toHaveLength(3);
  });

  it("asks for a reason to reject, and refuses a stale revision as a conflict", async () => {
    const store = await backend.fresh();
    const { id } = (await proposeCheckout(store)).proposal;
    await expect(store.proposals.transition(id, step("reject", 1, { reason: "  " }))).rejects.toMatchObject({
      code: "NF_PROPOSAL_REASON_REQUIRED",
    });
    await expect(store.proposals.transition(id, step("approve", 7))).rejects.toMatchObject({
      code: "NF_PROPOSAL_VERSION_CONFLICT",
      retriable: true,
    });
    expect((await store.proposals.get(id))?.revision).toBe(1);
  });

  it("gives one of two approvers racing on the same revision the approval and the other a conflict", async () => {
    const store = await backend.fresh();
    const { id } = (await proposeCheckout(store)).proposal;
    const results = await Promise.allSettled([
      store.proposals.transition(id, step("approve", 1, { actor: "ana" })),
      store.proposals.transition(id, step("reject", 1, { actor: "bo", reason: "no" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const [lost] = results.filter((r) => r.status === "rejected");
    expect((lost as PromiseRejectedResult).reason).toMatchObject({ code: "NF_PROPOSAL_VERSION_CONFLICT" });
    expect(await store.proposals.audit(id)).toHaveLength(2);
  });

  it("keeps the audit log append-only even against direct SQL", async () => {
    const store = await backend.fresh();
    const { id } = (await proposeCheckout(store)).proposal;
    await expect(backend.query("update proposal_audit set actor = 'mallory'")).rejects.toThrow(/append-only/);
    await expect(backend.query("delete from proposal_audit")).rejects.toThrow(/append-only/);
    expect((await store.proposals.audit(id))[0].actor).toBe("planner");
  });

  it("stores exemplar traces with their critical paths and pages proposals newest first", async () => {
    const store = await backend.fresh();
    const paths = [
      {
        traceId: TRACE_A,
        rootSpanId: "00f067aa0ba902b7",
        orphan: false,
        startUs: 0,
        durationUs: 1234,
        sections: [
          {
            spanId: "00f067aa0ba902b7",
            unit: "checkout",
            operation: "POST /checkout",
            startUs: 0,
            endUs: 1234,
          },
        ],
      },
    ];
    const { proposal } = await store.proposals.propose({
      scope: "shop",
      plan: proposalMerging(["checkout", "inventory"]),
      exemplars: [{ traceId: TRACE_A, paths }],
      ...planner,
    });
    expect(await store.proposals.exemplars(proposal.id)).toEqual([{ traceId: TRACE_A, paths }]);
    expect(await store.proposals.exemplarTrace(TRACE_A)).toEqual({ traceId: TRACE_A, paths });
    expect(await store.proposals.exemplarTrace(TRACE_B)).toBeNull();
    await expect(
      store.proposals.propose({
        scope: "x",
        plan: proposalMerging(["a", "b"]),
        exemplars: [{ traceId: "zz", paths }],
        ...planner,
      }),
    ).rejects.toMatchObject({ code: "NF_STORE_INVALID" });
    for (const scope of ["b", "c", "d"]) await proposeCheckout(store, scope);
    const page = await store.proposals.list({ limit: 2 });
    expect(page.map((p) => p.scope)).toEqual(["d", "c"]);
    expect((await store.proposals.list({ limit: 2, beforeId: page[1].id })).map((p) => p.scope)).toEqual([
      "b",
      "shop",
    ]);
  });
});

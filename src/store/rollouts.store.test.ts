import { describe, expect, it } from "vitest";
import { proposalMerging } from "../../test/support/proposals.ts";
import { BACKENDS, useBackend } from "../../test/support/store-backends.ts";
import type { Store } from "./store.ts";

const t0 = new Date("2025-03-01T10:00:00.000Z");
const at = (s: number) => new Date(t0.getTime() + s * 1000);

/** An approved proposal, then rolling out with a policy: returns the proposal and rollout ids. */
async function rollingOut(store: Store) {
  const { proposal } = await store.proposals.propose({
    scope: "shop",
    plan: proposalMerging(["checkout", "inventory"]),
    actor: "planner",
    at: t0,
  });
  const base = { actor: "ana", at: at(1) };
  await store.proposals.transition(proposal.id, { action: "approve", expectedRevision: 1, ...base });
  await store.proposals.transition(proposal.id, {
    action: "start_rollout",
    expectedRevision: 2,
    ...base,
    rollout: {
      variant: "candidate",
      trafficShare: 0.5,
      policy: { minSamplePerVariant: 20, maxDurationMs: 60_000 },
      automatic: true,
    },
  });
  const rollout = await store.rollouts.active(proposal.id);
  return { proposalId: proposal.id, rolloutId: rollout?.id as number };
}

describe.each(BACKENDS)("rollout observations and applies on %s", (name) => {
  const backend = useBackend(name);

  it("keeps the rollout's policy and automatic flag, and lists it among the rollouts in progress", async () => {
    const store = await backend.fresh();
    const { proposalId, rolloutId } = await rollingOut(store);
    const [rollout] = await store.rollouts.inProgress();
    expect(rollout).toMatchObject({
      id: rolloutId,
      proposalId,
      policy: { minSamplePerVariant: 20, maxDurationMs: 60_000 },
      automatic: true,
    });
  });

  it("returns each variant's successful latencies in arrival order with its error and request counts", async () => {
    const store = await backend.fresh();
    const { rolloutId } = await rollingOut(store);
    await store.rollouts.observe(rolloutId, [
      { variant: "control", latencyUs: 30, error: false, at: at(2) },
      { variant: "candidate", latencyUs: 12.5, error: false, at: at(2) },
      { variant: "control", latencyUs: 10, error: false, at: at(3) },
      { variant: "candidate", latencyUs: 99, error: true, at: at(3) },
    ]);
    await store.rollouts.observe(rolloutId, [{ variant: "control", latencyUs: 20, error: false, at: at(4) }]);
    expect(await store.rollouts.observations(rolloutId)).toEqual({
      control: { latenciesUs: [30, 10, 20], errors: 0, requests: 3 },
      candidate: { latenciesUs: [12.5], errors: 1, requests: 2 },
    });
  });

  it("refuses observations of an unknown variant, and of a rollout that has ended", async () => {
    const store = await backend.fresh();
    const { proposalId, rolloutId } = await rollingOut(store);
    await expect(
      store.rollouts.observe(rolloutId, [
        { variant: "blue" as "control", latencyUs: 1, error: false, at: at(2) },
      ]),
    ).rejects.toMatchObject({ code: "NF_ROLLOUT_INVALID" });
    await store.proposals.transition(proposalId, {
      action: "roll_back",
      expectedRevision: 3,
      actor: "ana",
      reason: "slower",
      at: at(5),
    });
    await expect(
      store.rollouts.observe(rolloutId, [{ variant: "control", latencyUs: 1, error: false, at: at(6) }]),
    ).rejects.toMatchObject({ code: "NF_ROLLOUT_NOT_FOUND" });
    expect(await store.rollouts.inProgress()).toEqual([]);
  });

  it("records failed and successful applier calls for a proposal, oldest first", async () => {
    const store = await backend.fresh();
    const { proposalId, rolloutId } = await rollingOut(store);
    const base = { proposalId, rolloutId, action: "promote", actor: "judge", at: at(9) };
    await store.rollouts.recordApply({
      ...base,
      ok: false,
      code: "NF_APPLY_WRITE_FAILED",
      result: { attempts: 1 },
    });
    await store.rollouts.recordApply({ ...base, ok: true, code: null, result: { attempts: 1 } });
    const applies = await store.rollouts.applies(proposalId);
    expect(applies.map((a) => [a.ok, a.code])).toEqual([
      [false, "NF_APPLY_WRITE_FAILED"],
      [true, null],
    ]);
    expect(applies[0]).toMatchObject({
      rolloutId,
      action: "promote",
      actor: "judge",
      result: { attempts: 1 },
    });
  });
});

/**
 * The rollout routes on a real PGlite store, driven with inject(): an approver starts a rollout of an
 * approved proposal with the judge's policy, reads the variants' counts and the judge's verdict, and
 * promotes or rolls back through the deployment's applier (a real manifest file here). Refused
 * requests answer a stable code and change nothing; a failing applier leaves the proposal rolling out
 * with the failure on record.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApplier } from "../../src/apply/index.ts";
import { JUDGE_ACTOR, RolloutController } from "../../src/pipeline/rollouts.ts";
import type { Observation } from "../../src/store/store.ts";
import { useBackend } from "../support/store-backends.ts";
import { type ApiFixture, AT, apiFixture, codeOf, snapshot } from "./support.ts";

const backend = useBackend("pglite");
let api: ApiFixture;
let dir: string;
let manifestPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "nanofuse-rollout-"));
  manifestPath = join(dir, "manifest.json");
  api = await apiFixture(await backend.fresh(), {}, () => AT, {
    applier: createApplier({ kind: "file", path: manifestPath }),
  });
});
afterEach(async () => {
  await api.app.close();
  await rm(dir, { recursive: true, force: true });
});

const SMALL_POLICY = { maxSamplePerVariant: 60, looks: 2, bootstrapResamples: 200 };

/** Approves the fixture's proposal (revision 1 → 2). */
async function approve() {
  const response = await api.as("approver", {
    method: "POST",
    url: `/api/proposals/${api.proposalId}/approve`,
    payload: { revision: 1 },
  });
  expect(response.statusCode).toBe(200);
}

async function startRollout(payload: Record<string, unknown> = {}) {
  return api.as("approver", {
    method: "POST",
    url: `/api/proposals/${api.proposalId}/rollout`,
    payload: {
      revision: 2,
      variant: "checkout_inventory",
      trafficShare: 0.5,
      minSample: 30,
      maxDurationMs: 600_000,
      policy: SMALL_POLICY,
      ...payload,
    },
  });
}

/** Everything a refused rollout request could have changed. */
async function everything() {
  return {
    ...(await snapshot(api.store)),
    rollouts: await api.store.rollouts.forProposal(api.proposalId),
    applies: await api.store.rollouts.applies(api.proposalId),
  };
}

async function expectRefused(
  request: Promise<{ statusCode: number; json(): unknown }>,
  status: number,
  code: string,
) {
  const before = await everything();
  const response = await request;
  expect({ status: response.statusCode, code: codeOf(response) }).toEqual({ status, code });
  expect(await everything()).toEqual(before);
}

/** n requests per variant, the candidate's latencies shifted by `shiftUs`. */
function requests(n: number, shiftUs: number): Observation[] {
  const out: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const base = 20_000 + ((i * 7919) % 5000);
    out.push({ variant: "control", latencyUs: base, error: false, at: AT });
    out.push({ variant: "candidate", latencyUs: base + shiftUs, error: false, at: AT });
  }
  return out;
}

async function activeRolloutId(): Promise<number> {
  return (await api.store.rollouts.active(api.proposalId))?.id as number;
}

describe("starting a rollout", () => {
  it("starts a rollout of an approved proposal with its policy, audited with the approver's name", async () => {
    await approve();
    const response = await startRollout();
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"3"');
    expect(response.json().proposal).toMatchObject({ state: "rolling_out", revision: 3 });
    const status = (await api.as("viewer", { url: `/api/proposals/${api.proposalId}/rollout` })).json();
    expect(status.rollout).toMatchObject({
      variant: "checkout_inventory",
      trafficShare: 0.5,
      automatic: false,
      policy: { ...SMALL_POLICY, minSamplePerVariant: 30, maxDurationMs: 600_000 },
      outcome: null,
    });
    expect(status.observations).toEqual({
      control: { requests: 0, errors: 0, latencies: 0 },
      candidate: { requests: 0, errors: 0, latencies: 0 },
    });
    expect(status.judgement).toMatchObject({ verdict: "keep_collecting", reason: "before_first_look" });
    const audit = await api.store.proposals.audit(api.proposalId);
    expect(audit.at(-1)).toMatchObject({ action: "start_rollout", to: "rolling_out" });
    expect(audit.at(-1)?.actor).toMatch(/^alice \(token /);
  });

  it("refuses a viewer, a stale revision, a missing revision and a proposal that is not approved", async () => {
    await expectRefused(startRollout({ revision: 1 }), 409, "NF_PROPOSAL_ILLEGAL_TRANSITION");
    await approve();
    await expectRefused(
      api.as("viewer", {
        method: "POST",
        url: `/api/proposals/${api.proposalId}/rollout`,
        payload: { revision: 2, variant: "v", trafficShare: 0.5 },
      }),
      403,
      "NF_FORBIDDEN",
    );
    await expectRefused(startRollout({ revision: 1 }), 409, "NF_PROPOSAL_VERSION_CONFLICT");
    await expectRefused(startRollout({ revision: undefined }), 428, "NF_REVISION_REQUIRED");
    await expectRefused(
      api.as("approver", {
        method: "POST",
        url: "/api/proposals/999/rollout",
        payload: { revision: 2, variant: "v", trafficShare: 0.5 },
      }),
      404,
      "NF_PROPOSAL_NOT_FOUND",
    );
  });

  it("refuses a bad traffic share, an unknown field and a judge policy that does not hold together", async () => {
    await approve();
    await expectRefused(startRollout({ trafficShare: 0 }), 400, "NF_REQUEST_INVALID");
    await expectRefused(startRollout({ trafficShare: 1.5 }), 400, "NF_REQUEST_INVALID");
    await expectRefused(startRollout({ minSampel: 30 }), 400, "NF_REQUEST_INVALID");
    await expectRefused(startRollout({ variant: "" }), 400, "NF_REQUEST_INVALID");
    await expectRefused(startRollout({ policy: { alpah: 0.05 } }), 400, "NF_JUDGE_POLICY_INVALID");
    await expectRefused(startRollout({ minSample: 100 }), 400, "NF_JUDGE_POLICY_INVALID");
  });
});

describe("judging, promoting and rolling back", () => {
  it("shows the judge's verdict on the recorded requests with its numbers, then promotes through the applier", async () => {
    await approve();
    await startRollout();
    await api.store.rollouts.observe(await activeRolloutId(), requests(30, -3000));
    const status = (await api.as("viewer", { url: `/api/proposals/${api.proposalId}/rollout` })).json();
    expect(status.observations.candidate).toEqual({ requests: 30, errors: 0, latencies: 30 });
    expect(status.judgement).toMatchObject({ verdict: "promote", reason: "candidate_faster" });
    expect(status.judgement.explanation).toMatch(/Mann-Whitney U = [\d,]+, p = /);
    const promoted = await api.as("approver", {
      method: "POST",
      url: `/api/proposals/${api.proposalId}/promote`,
      headers: { "if-match": '"3"' },
    });
    expect(promoted.statusCode).toBe(200);
    expect(promoted.json().proposal).toMatchObject({ state: "promoted", revision: 4 });
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    expect(manifest.groups.map((g: { units: string[] }) => g.units)).toContainEqual([
      "checkout",
      "inventory",
    ]);
    const after = (await api.as("viewer", { url: `/api/proposals/${api.proposalId}/rollout` })).json();
    expect(after.rollout.outcome).toBe("promoted");
    // The samples behind the verdict stay readable for the dashboard's plot, in arrival order.
    const samples = (
      await api.as("viewer", { url: `/api/proposals/${api.proposalId}/rollout/latencies` })
    ).json();
    const sent = requests(30, -3000);
    expect(samples).toEqual({
      control: sent.filter((o) => o.variant === "control").map((o) => o.latencyUs),
      candidate: sent.filter((o) => o.variant === "candidate").map((o) => o.latencyUs),
    });
    expect(after.applies).toMatchObject([{ action: "promote", ok: true, code: null }]);
  });

  it("rolls back only with a reason, re-applying the current layout", async () => {
    await approve();
    await startRollout();
    const url = `/api/proposals/${api.proposalId}/rollback`;
    await expectRefused(
      api.as("approver", { method: "POST", url, payload: { revision: 3 } }),
      400,
      "NF_REQUEST_INVALID",
    );
    await expectRefused(
      api.as("approver", { method: "POST", url, payload: { revision: 2, reason: "slower" } }),
      409,
      "NF_PROPOSAL_VERSION_CONFLICT",
    );
    const response = await api.as("approver", {
      method: "POST",
      url,
      payload: { revision: 3, reason: "p95 is worse" },
    });
    expect(response.json().proposal).toMatchObject({ state: "rolled_back" });
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    expect(manifest.groups.map((g: { units: string[] }) => g.units)).toContainEqual(["checkout"]);
    expect((await api.store.proposals.audit(api.proposalId)).at(-1)).toMatchObject({
      action: "roll_back",
      reason: "p95 is worse",
    });
  });

  it("answers 404 for the latencies of a proposal that never had a rollout", async () => {
    const response = await api.as("viewer", { url: `/api/proposals/${api.proposalId}/rollout/latencies` });
    expect({ status: response.statusCode, code: codeOf(response) }).toEqual({
      status: 404,
      code: "NF_ROLLOUT_NOT_FOUND",
    });
  });

  it("refuses to promote a proposal that is not rolling out, applying nothing", async () => {
    await approve();
    await expectRefused(
      api.as("approver", {
        method: "POST",
        url: `/api/proposals/${api.proposalId}/promote`,
        payload: { revision: 2 },
      }),
      409,
      "NF_PROPOSAL_ILLEGAL_TRANSITION",
    );
    await expect(readFile(manifestPath)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("leaves the proposal rolling out with the failure on record when the applier fails", async () => {
    await api.app.close();
    api = await apiFixture(await backend.fresh(), {}, () => AT, {
      applier: createApplier({ kind: "file", path: join(dir, "missing", "dir", "manifest.json") }),
    });
    await approve();
    await startRollout();
    const response = await api.as("approver", {
      method: "POST",
      url: `/api/proposals/${api.proposalId}/promote`,
      payload: { revision: 3 },
    });
    expect({ status: response.statusCode, code: codeOf(response) }).toEqual({
      status: 502,
      code: "NF_ROLLOUT_APPLY_FAILED",
    });
    const status = (await api.as("viewer", { url: `/api/proposals/${api.proposalId}/rollout` })).json();
    expect(status.proposal).toMatchObject({ state: "rolling_out", revision: 3 });
    expect(status.applies).toMatchObject([
      { action: "promote", ok: false, code: "NF_APPLY_WRITE_FAILED", result: { applier: "file" } },
    ]);
  });
});

describe("the judge's automatic verdicts", () => {
  it("promotes an automatic rollout whose candidate is faster, naming the judge and its numbers", async () => {
    await approve();
    await startRollout({ automatic: true });
    await api.store.rollouts.observe(await activeRolloutId(), requests(30, -3000));
    const controller = new RolloutController(api.store, createApplier({ kind: "file", path: manifestPath }));
    const [run] = await controller.judgeInProgress(new Date(AT.getTime() + 60_000));
    expect(run).toMatchObject({ acted: "promoted", judgement: { verdict: "promote" } });
    const last = (await api.store.proposals.audit(api.proposalId)).at(-1);
    expect(last).toMatchObject({ action: "promote", actor: JUDGE_ACTOR });
    expect(last?.reason).toMatch(/Cliff's delta \+\d\.\d{3}/);
    const [rollout] = await api.store.rollouts.forProposal(api.proposalId);
    expect(rollout.judgements.map((j) => j.verdict)).toEqual(["promote"]);
  });

  it("rolls back an automatic rollout whose candidate is slower, and only records the verdict of a manual one", async () => {
    await approve();
    await startRollout({ automatic: true });
    await api.store.rollouts.observe(await activeRolloutId(), requests(30, 3000));
    const controller = new RolloutController(api.store, null);
    const [run] = await controller.judgeInProgress(AT);
    expect(run.acted).toBe("rolled_back");
    expect((await api.store.proposals.get(api.proposalId))?.state).toBe("rolled_back");
  });

  it("records but does not act on the verdict of a rollout that is not automatic, and judges again only on new requests", async () => {
    await approve();
    await startRollout();
    await api.store.rollouts.observe(await activeRolloutId(), requests(30, 3000));
    const controller = new RolloutController(api.store, null);
    expect((await controller.judgeInProgress(AT)).map((r) => r.acted)).toEqual(["none"]);
    expect(await controller.judgeInProgress(AT)).toEqual([]);
    expect((await api.store.proposals.get(api.proposalId))?.state).toBe("rolling_out");
  });
});

/**
 * The proposal routes on a real PGlite store, driven with inject(): reading proposals with their
 * versions, audit trail and exemplar traces, and changing them with the revision they were decided
 * on. Every refused request answers its 4xx with a stable code and leaves the store as it was.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { proposalMerging, TRACE_A, TRACE_B } from "../support/proposals.ts";
import { useBackend } from "../support/store-backends.ts";
import { type ApiFixture, AT, apiFixture, codeOf, EXEMPLAR_PATHS, snapshot } from "./support.ts";

const backend = useBackend("pglite");
let api: ApiFixture;

beforeEach(async () => {
  api = await apiFixture(await backend.fresh());
});
afterEach(async () => {
  await api.app.close();
});

async function expectRefused(
  request: Promise<{ statusCode: number; json(): unknown }>,
  status: number,
  code: string,
): Promise<void> {
  const before = await snapshot(api.store);
  const response = await request;
  expect({ status: response.statusCode, code: codeOf(response) }).toEqual({ status, code });
  expect(await snapshot(api.store)).toEqual(before);
}

describe("reading proposals", () => {
  it("lists proposals newest first with their state and revision, and filters them by state and scope", async () => {
    await api.store.proposals.propose({
      scope: "search",
      plan: proposalMerging(["search", "ranking"]),
      actor: "nanofuse planner",
      at: AT,
    });
    const all = (await api.as("viewer", { url: "/api/proposals" })).json();
    expect(all.proposals.map((p: { scope: string }) => p.scope)).toEqual(["search", "shop"]);
    expect(all.proposals[1]).toMatchObject({
      id: api.proposalId,
      state: "pending_approval",
      revision: 1,
      version: 1,
    });
    const shop = (await api.as("viewer", { url: "/api/proposals?scope=shop" })).json();
    expect(shop.proposals.map((p: { id: number }) => p.id)).toEqual([api.proposalId]);
    const approved = (await api.as("viewer", { url: "/api/proposals?state=approved&state=promoted" })).json();
    expect(approved.proposals).toEqual([]);
  });

  it("pages through proposals with limit and the next cursor", async () => {
    await api.store.proposals.propose({
      scope: "search",
      plan: proposalMerging(["a", "b"]),
      actor: "p",
      at: AT,
    });
    const first = (await api.as("viewer", { url: "/api/proposals?limit=1" })).json();
    expect(first.proposals).toHaveLength(1);
    const second = (await api.as("viewer", { url: `/api/proposals?limit=1&before=${first.next}` })).json();
    expect(second.proposals.map((p: { id: number }) => p.id)).toEqual([api.proposalId]);
  });

  it("shows one proposal with its plan and evidence, the versions of its scope, its audit trail and an ETag", async () => {
    const response = await api.as("viewer", { url: `/api/proposals/${api.proposalId}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    const doc = response.json();
    expect(doc.proposal.plan.groups).toContainEqual(["checkout", "inventory"]);
    expect(doc.proposal.plan.merges[0].edges[0].exemplarTraceIds).toEqual([TRACE_B, TRACE_A]);
    expect(doc.proposal.createdAt).toBe(AT.toISOString());
    expect(doc.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    expect(doc.audit).toEqual([
      expect.objectContaining({
        action: "create",
        actor: "nanofuse planner",
        to: "pending_approval",
        revision: 1,
      }),
    ]);
    expect(doc.rollouts).toEqual([]);
  });

  it("serves the exemplar traces kept as evidence with their critical paths", async () => {
    const list = await api.as("viewer", { url: `/api/proposals/${api.proposalId}/traces` });
    expect(list.json()).toEqual({ traces: [{ traceId: TRACE_A, paths: EXEMPLAR_PATHS }] });
    const one = await api.as("viewer", { url: `/api/traces/${TRACE_A}` });
    expect(one.json()).toEqual({ traceId: TRACE_A, paths: EXEMPLAR_PATHS });
  });

  it("answers 400 for malformed ids, queries and unknown parameters, and 404 for unknown proposals and traces", async () => {
    const cases: [string, number, string][] = [
      ["/api/proposals?limit=abc", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals?limit=0", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals?limit=1001", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals?state=bogus", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals?before=-3", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals?colour=red", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals/abc", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals/0", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals/99999999999", 400, "NF_REQUEST_INVALID"],
      ["/api/proposals/424242", 404, "NF_PROPOSAL_NOT_FOUND"],
      ["/api/proposals/424242/audit", 404, "NF_PROPOSAL_NOT_FOUND"],
      ["/api/proposals/424242/traces", 404, "NF_PROPOSAL_NOT_FOUND"],
      ["/api/traces/not-hex", 400, "NF_REQUEST_INVALID"],
      [`/api/traces/${"e".repeat(32)}`, 404, "NF_NOT_FOUND"],
      ["/api/nothing-here", 404, "NF_NOT_FOUND"],
    ];
    for (const [url, status, code] of cases) {
      const response = await api.as("viewer", { url });
      expect({ url, status: response.statusCode, code: codeOf(response) }).toEqual({ url, status, code });
    }
  });
});

describe("reusing proposal reads for a second", () => {
  it("shows a change made through the API at once, and one made behind its back once a second has passed", async () => {
    await api.app.close();
    let now = AT.getTime();
    const store = await backend.fresh();
    api = await apiFixture(store, {}, () => new Date(now));
    const state = async () => (await api.as("viewer", { url: "/api/proposals" })).json().proposals[0].state;
    expect(await state()).toBe("pending_approval");
    await api.as("approver", {
      method: "POST",
      url: `/api/proposals/${api.proposalId}/approve`,
      headers: { "if-match": '"1"' },
    });
    expect(await state()).toBe("approved");
    await store.proposals.transition(api.proposalId, {
      action: "reject",
      expectedRevision: 2,
      actor: "elsewhere",
      reason: "no",
      at: AT,
    });
    expect(await state()).toBe("approved");
    now += 1000;
    expect(await state()).toBe("rejected");
  });
});

describe("changing proposals", () => {
  const approve = (headers: Record<string, string>, body?: unknown) =>
    api.as("approver", {
      method: "POST",
      url: `/api/proposals/${api.proposalId}/approve`,
      headers,
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });

  it("approves with If-Match, answers the new revision as ETag, and audits the token's owner", async () => {
    const response = await approve({ "if-match": '"1"' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"2"');
    expect(response.json().proposal).toMatchObject({ state: "approved", revision: 2 });
    const audit = await api.store.proposals.audit(api.proposalId);
    expect(audit.at(-1)).toMatchObject({ action: "approve", from: "pending_approval", to: "approved" });
    expect(audit.at(-1)?.actor).toMatch(/^alice \(token [0-9a-f]{16}\)$/);
  });

  it("takes the expected revision from the body as well", async () => {
    const response = await approve({}, { revision: 1, reason: "fewer hops on checkout" });
    expect(response.json().proposal.state).toBe("approved");
    expect((await api.store.proposals.audit(api.proposalId)).at(-1)?.reason).toBe("fewer hops on checkout");
  });

  it("rejects with a reason and supersedes, each audited", async () => {
    const { proposal: other } = await api.store.proposals.propose({
      scope: "search",
      plan: proposalMerging(["search", "ranking"]),
      actor: "p",
      at: AT,
    });
    const rejected = await api.as("approver", {
      method: "POST",
      url: `/api/proposals/${api.proposalId}/reject`,
      payload: { revision: 1, reason: "inventory must stay alone" },
    });
    expect(rejected.json().proposal).toMatchObject({ state: "rejected", revision: 2 });
    const superseded = await api.as("approver", {
      method: "POST",
      url: `/api/proposals/${other.id}/supersede`,
      headers: { "if-match": `"${other.revision}"` },
    });
    expect(superseded.json().proposal.state).toBe("superseded");
    expect((await api.store.proposals.audit(other.id)).map((a) => a.action)).toEqual(["create", "supersede"]);
  });

  it("answers 409 to a change decided on a stale revision, and to a transition the state does not allow", async () => {
    await approve({ "if-match": '"1"' });
    await expectRefused(approve({ "if-match": '"1"' }), 409, "NF_PROPOSAL_VERSION_CONFLICT");
    await expectRefused(approve({ "if-match": '"2"' }), 409, "NF_PROPOSAL_ILLEGAL_TRANSITION");
  });

  it("answers 428 when no revision is given, and 400 for malformed or contradicting ones", async () => {
    await expectRefused(approve({}), 428, "NF_REVISION_REQUIRED");
    await expectRefused(approve({ "if-match": "*" }), 400, "NF_REQUEST_INVALID");
    await expectRefused(approve({ "if-match": 'W/"1"' }), 400, "NF_REQUEST_INVALID");
    await expectRefused(approve({ "if-match": '"2"' }, { revision: 1 }), 400, "NF_REQUEST_INVALID");
  });

  it("answers 400 to bodies with wrong types, unknown fields, empty reasons or no reason to reject", async () => {
    await expectRefused(approve({}, { revision: "1" }), 400, "NF_REQUEST_INVALID");
    await expectRefused(approve({}, { revision: -1 }), 400, "NF_REQUEST_INVALID");
    await expectRefused(approve({}, { revision: 1, approve: true }), 400, "NF_REQUEST_INVALID");
    await expectRefused(approve({}, [1]), 400, "NF_REQUEST_INVALID");
    await expectRefused(
      approve({ "content-type": "application/json" }, "{not json"),
      400,
      "NF_REQUEST_INVALID",
    );
    const reject = (payload: Record<string, unknown>) =>
      api.as("approver", { method: "POST", url: `/api/proposals/${api.proposalId}/reject`, payload });
    await expectRefused(reject({ revision: 1 }), 400, "NF_REQUEST_INVALID");
    await expectRefused(reject({ revision: 1, reason: "" }), 400, "NF_REQUEST_INVALID");
    await expectRefused(reject({ revision: 1, reason: "   " }), 400, "NF_PROPOSAL_REASON_REQUIRED");
  });

  it("answers 413 to an oversized body and 415 to a body that is not JSON", async () => {
    await expectRefused(
      approve({}, { revision: 1, reason: "x".repeat(70 * 1024) }),
      413,
      "NF_BODY_TOO_LARGE",
    );
    await expectRefused(
      approve({ "content-type": "text/plain" }, "revision=1"),
      415,
      "NF_MEDIA_TYPE_UNSUPPORTED",
    );
  });

  it("answers 404 for an unknown proposal", async () => {
    await expectRefused(
      api.as("approver", {
        method: "POST",
        url: "/api/proposals/424242/approve",
        headers: { "if-match": '"1"' },
      }),
      404,
      "NF_PROPOSAL_NOT_FOUND",
    );
  });

  it("limits the writes of one token per minute with 429 and Retry-After", async () => {
    await api.app.close();
    api = await apiFixture(await backend.fresh(), { writeRateLimit: 2 });
    const stale = () => approve({ "if-match": '"7"' });
    expect((await stale()).statusCode).toBe(409);
    expect((await stale()).statusCode).toBe(409);
    const limited = await stale();
    expect({ status: limited.statusCode, code: codeOf(limited) }).toEqual({
      status: 429,
      code: "NF_RATE_LIMITED",
    });
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    // Reads are not limited, and another token has its own budget.
    expect((await api.as("viewer", { url: "/api/proposals" })).statusCode).toBe(200);
    const admin = await api.as("admin", {
      method: "POST",
      url: `/api/proposals/${api.proposalId}/approve`,
      headers: { "if-match": '"1"' },
    });
    expect(admin.statusCode).toBe(200);
  });
});

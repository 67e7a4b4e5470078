import { describe, expect, it } from "vitest";
import {
  decideTransition,
  PROPOSAL_ACTIONS,
  PROPOSAL_STATES,
  type ProposalState,
  TERMINAL,
} from "./states.ts";

const at = new Date("2025-01-01T00:00:00Z");
const input = (action: (typeof PROPOSAL_ACTIONS)[number], expectedRevision = 4) => ({
  action,
  expectedRevision,
  actor: "ana",
  reason: "because",
  at,
});

describe("the proposal state machine", () => {
  it("leads a proposal along draft → pending_approval → approved → rolling_out → promoted", () => {
    let current = { state: "draft" as ProposalState, revision: 1 };
    for (const action of ["submit", "approve", "start_rollout", "promote"] as const) {
      const outcome = decideTransition(current, input(action, current.revision));
      expect(outcome.audit).toEqual({
        at,
        actor: "ana",
        action,
        from: current.state,
        to: outcome.to,
        reason: "because",
      });
      current = { state: outcome.to, revision: outcome.revision };
    }
    expect(current).toEqual({ state: "promoted", revision: 5 });
  });

  it("lets a rollout end in rolled_back and a waiting proposal in rejected or superseded", () => {
    const on = (state: ProposalState, action: (typeof PROPOSAL_ACTIONS)[number]) =>
      decideTransition({ state, revision: 4 }, input(action)).to;
    expect(on("rolling_out", "roll_back")).toBe("rolled_back");
    expect(on("pending_approval", "reject")).toBe("rejected");
    expect(on("draft", "supersede")).toBe("superseded");
    expect(on("approved", "supersede")).toBe("superseded");
  });

  it("refuses every action from a terminal state, and promotion without a rollout", () => {
    for (const state of TERMINAL)
      for (const action of PROPOSAL_ACTIONS)
        expect(() => decideTransition({ state, revision: 4 }, input(action))).toThrow(
          expect.objectContaining({ code: "NF_PROPOSAL_ILLEGAL_TRANSITION" }),
        );
    expect(() => decideTransition({ state: "approved", revision: 4 }, input("promote"))).toThrow(
      /cannot promote a proposal that is approved \(only from rolling_out\)/,
    );
  });

  it("allows exactly the documented transitions and nothing else", () => {
    const allowed = PROPOSAL_STATES.flatMap((state) =>
      PROPOSAL_ACTIONS.flatMap((action) => {
        try {
          return [`${state} -${action}-> ${decideTransition({ state, revision: 4 }, input(action)).to}`];
        } catch {
          return [];
        }
      }),
    );
    expect(allowed.sort()).toEqual(
      [
        "draft -submit-> pending_approval",
        "draft -reject-> rejected",
        "draft -supersede-> superseded",
        "pending_approval -approve-> approved",
        "pending_approval -reject-> rejected",
        "pending_approval -supersede-> superseded",
        "approved -reject-> rejected",
        "approved -start_rollout-> rolling_out",
        "approved -supersede-> superseded",
        "rolling_out -promote-> promoted",
        "rolling_out -roll_back-> rolled_back",
      ].sort(),
    );
  });

  it("checks the revision before anything else, so a stale caller learns to re-read", () => {
    expect(() => decideTransition({ state: "rejected", revision: 5 }, input("approve", 4))).toThrow(
      expect.objectContaining({ code: "NF_PROPOSAL_VERSION_CONFLICT", retriable: true }),
    );
  });

  it("asks a reason of reject and roll_back, and an actor of every transition", () => {
    expect(() =>
      decideTransition({ state: "pending_approval", revision: 4 }, { ...input("reject"), reason: "" }),
    ).toThrow(expect.objectContaining({ code: "NF_PROPOSAL_REASON_REQUIRED" }));
    expect(() =>
      decideTransition({ state: "rolling_out", revision: 4 }, { ...input("roll_back"), reason: undefined }),
    ).toThrow(expect.objectContaining({ code: "NF_PROPOSAL_REASON_REQUIRED" }));
    expect(
      decideTransition({ state: "pending_approval", revision: 4 }, { ...input("approve"), reason: " " }).audit
        .reason,
    ).toBeNull();
    expect(() =>
      decideTransition({ state: "pending_approval", revision: 4 }, { ...input("approve"), actor: "" }),
    ).toThrow(expect.objectContaining({ code: "NF_PROPOSAL_ILLEGAL_TRANSITION" }));
  });
});

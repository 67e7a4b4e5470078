/**
 * The proposal state machine of DESIGN.md ("Planning"): draft → pending_approval → approved →
 * rolling_out → promoted, or rejected / rolled_back / superseded. Pure: the caller passes the time and
 * the revision it read; the result is the next state and the audit entry to append, or a stable code.
 *
 * Optimistic concurrency: every transition names the revision its caller read, and the store applies
 * it only if that is still the stored one, so of two approvers racing one wins and the other gets
 * NF_PROPOSAL_VERSION_CONFLICT (re-read, then decide again).
 */
import { type ErrorCode, NanofuseError } from "../errors.ts";

export const PROPOSAL_STATES = [
  "draft",
  "pending_approval",
  "approved",
  "rolling_out",
  "promoted",
  "rejected",
  "rolled_back",
  "superseded",
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

export const PROPOSAL_ACTIONS = [
  "submit",
  "approve",
  "reject",
  "start_rollout",
  "promote",
  "roll_back",
  "supersede",
] as const;
export type ProposalAction = (typeof PROPOSAL_ACTIONS)[number];

/** From which states each action leads where. Promotion needs a rollout: approved → promoted is absent. */
const TRANSITIONS: Record<ProposalAction, Partial<Record<ProposalState, ProposalState>>> = {
  submit: { draft: "pending_approval" },
  approve: { pending_approval: "approved" },
  reject: { draft: "rejected", pending_approval: "rejected", approved: "rejected" },
  start_rollout: { approved: "rolling_out" },
  promote: { rolling_out: "promoted" },
  roll_back: { rolling_out: "rolled_back" },
  supersede: { draft: "superseded", pending_approval: "superseded", approved: "superseded" },
};

/** Actions that must say why (the audit trail is read by people). */
const NEEDS_REASON: ReadonlySet<ProposalAction> = new Set(["reject", "roll_back"]);

/** States a newer version of the same scope replaces automatically. */
export const SUPERSEDABLE: ReadonlySet<ProposalState> = new Set(["draft", "pending_approval"]);

export const TERMINAL: ReadonlySet<ProposalState> = new Set([
  "promoted",
  "rejected",
  "rolled_back",
  "superseded",
]);

export interface TransitionInput {
  action: ProposalAction;
  expectedRevision: number;
  actor: string;
  reason?: string;
  at: Date;
}

export interface TransitionOutcome {
  from: ProposalState;
  to: ProposalState;
  revision: number;
  audit: {
    at: Date;
    actor: string;
    action: ProposalAction;
    from: ProposalState;
    to: ProposalState;
    reason: string | null;
  };
}

export function isProposalState(value: unknown): value is ProposalState {
  return typeof value === "string" && (PROPOSAL_STATES as readonly string[]).includes(value);
}

export function isProposalAction(value: unknown): value is ProposalAction {
  return typeof value === "string" && (PROPOSAL_ACTIONS as readonly string[]).includes(value);
}

/** The states an action may start from (for messages and the API's documentation). */
export function allowedFrom(action: ProposalAction): ProposalState[] {
  return Object.keys(TRANSITIONS[action]) as ProposalState[];
}

function refuse(code: ErrorCode, detail: string): never {
  throw new NanofuseError(code, detail);
}

/**
 * Decides a transition of a proposal currently in `current` at `revision`. Throws
 * NF_PROPOSAL_VERSION_CONFLICT, NF_PROPOSAL_ILLEGAL_TRANSITION or NF_PROPOSAL_REASON_REQUIRED.
 */
export function decideTransition(
  current: { state: ProposalState; revision: number },
  input: TransitionInput,
): TransitionOutcome {
  if (!isProposalAction(input.action))
    refuse("NF_PROPOSAL_ILLEGAL_TRANSITION", `unknown action ${input.action}`);
  if (input.expectedRevision !== current.revision)
    refuse(
      "NF_PROPOSAL_VERSION_CONFLICT",
      `expected revision ${input.expectedRevision}, the proposal is at revision ${current.revision} (${current.state})`,
    );
  const to = TRANSITIONS[input.action][current.state];
  if (!to)
    refuse(
      "NF_PROPOSAL_ILLEGAL_TRANSITION",
      `cannot ${input.action} a proposal that is ${current.state} (only from ${allowedFrom(input.action).join(", ")})`,
    );
  const reason = input.reason?.trim() ? input.reason : null;
  if (NEEDS_REASON.has(input.action) && reason === null)
    refuse("NF_PROPOSAL_REASON_REQUIRED", `${input.action} needs a reason`);
  if (!input.actor) refuse("NF_PROPOSAL_ILLEGAL_TRANSITION", "a transition needs an actor");
  return {
    from: current.state,
    to,
    revision: current.revision + 1,
    audit: { at: input.at, actor: input.actor, action: input.action, from: current.state, to, reason },
  };
}

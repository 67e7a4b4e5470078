/** Store records as the API shows them: instants as ISO 8601 text, nothing the client need not see. */

import type { RolloutStatus } from "../pipeline/rollouts.ts";
import type {
  AuditEntry,
  ProposalRecord,
  ProposalSummary,
  RolloutRecord,
  TokenRecord,
} from "../store/store.ts";

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export function summaryView(p: ProposalSummary) {
  return {
    id: p.id,
    scope: p.scope,
    version: p.version,
    revision: p.revision,
    state: p.state,
    contentHash: p.contentHash,
    supersedes: p.supersedes,
    supersededBy: p.supersededBy,
    predicted: p.predicted,
    catalogHash: p.catalogHash,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

export function proposalView(p: ProposalRecord) {
  return { ...summaryView(p), plan: p.plan, exemplarTraceIds: p.exemplarTraceIds };
}

export function auditView(a: AuditEntry) {
  return {
    id: a.id,
    at: iso(a.at),
    actor: a.actor,
    action: a.action,
    from: a.from,
    to: a.to,
    reason: a.reason,
    revision: a.revision,
  };
}

export function rolloutView(r: RolloutRecord) {
  return {
    id: r.id,
    variant: r.variant,
    trafficShare: r.trafficShare,
    startedAt: iso(r.startedAt),
    endedAt: isoOrNull(r.endedAt),
    outcome: r.outcome,
    judgements: r.judgements.map((j) => ({ ...j, at: iso(j.at) })),
  };
}

export function rolloutStatusView(s: RolloutStatus) {
  return {
    proposal: summaryView(s.proposal),
    rollout: s.rollout
      ? { ...rolloutView(s.rollout), policy: s.rollout.policy, automatic: s.rollout.automatic }
      : null,
    observations: s.observations,
    // NaN bounds (no bootstrap) are not JSON: null.
    judgement: s.judgement
      ? JSON.parse(JSON.stringify(s.judgement, (_k, v) => (Number.isNaN(v) ? null : v)))
      : null,
    applies: s.applies.map((a) => ({ ...a, at: iso(a.at) })),
  };
}

export function tokenView(t: TokenRecord) {
  return {
    id: t.id,
    name: t.name,
    role: t.role,
    createdAt: iso(t.createdAt),
    lastUsedAt: isoOrNull(t.lastUsedAt),
    revokedAt: isoOrNull(t.revokedAt),
  };
}

/** The proposal's revision as an entity tag, so `If-Match` can carry it back. */
export const etagOf = (revision: number) => `"${revision}"`;

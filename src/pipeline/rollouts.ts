/**
 * Rollouts of approved proposals, as the API and the server's loop drive them: start one with the
 * judge's policy, judge the variants' requests as they arrive, and promote or roll back, by a person
 * or (when the rollout was started `automatic`) by the judge's verdict.
 *
 * Applying: a promote applies the proposal's layout and a roll back re-applies the current one,
 * through the deployment's applier (src/apply/), before the state changes. Every applier call is
 * recorded, failed or not (rollout_applies); a failed one leaves the proposal rolling out and answers
 * NF_ROLLOUT_APPLY_FAILED, so a layout is never half-applied without a record. The transition is
 * checked (revision, legality) before the applier is called, so a stale request applies nothing.
 * Time is the caller's.
 */
import type { Applier, ApplyResult } from "../apply/index.ts";
import { NanofuseError } from "../errors.ts";
import { toManifest } from "../plan/proposal.ts";
import { judge, type Judgement as Verdict } from "../proposals/judge/judge.ts";
import { type JudgePolicy, resolvePolicy } from "../proposals/judge/policy.ts";
import { decideTransition } from "../proposals/states.ts";
import type {
  ApplyRecord,
  JsonValue,
  ProposalRecord,
  RolloutRecord,
  RolloutVariant,
  Store,
  VariantCounts,
} from "../store/store.ts";

/** Who the audit trail names for the judge's own promote and roll back. */
export const JUDGE_ACTOR = "nanofuse judge";

export interface StartRollout {
  expectedRevision: number;
  actor: string;
  at: Date;
  /** The candidate's label (spans carry nanofuse.variant=candidate; this names what it runs). */
  variant: string;
  /** Share of requests the candidate gets, (0, 1]. */
  trafficShare: number;
  /** Latencies per variant before the judge's first look (policy minSamplePerVariant). */
  minSample?: number;
  /** After this long without a decision the rollout is exhausted (policy maxDurationMs). */
  maxDurationMs?: number;
  /** Any other of the judge's policy fields. */
  policy?: Partial<JudgePolicy>;
  /** The judge's verdict is applied without a person. */
  automatic?: boolean;
}

export interface EndRollout {
  expectedRevision: number;
  actor: string;
  at: Date;
  reason?: string;
}

export interface VariantSummary {
  requests: number;
  errors: number;
  latencies: number;
}

export interface RolloutStatus {
  proposal: ProposalRecord;
  /** The rollout in progress, else the latest one; null when there was none. */
  rollout: RolloutRecord | null;
  observations: Record<RolloutVariant, VariantSummary> | null;
  /** The judge on everything recorded so far, with the rollout's policy (in progress only). */
  judgement: Verdict | null;
  applies: ApplyRecord[];
}

export interface JudgeRun {
  proposalId: number;
  rolloutId: number;
  judgement: Verdict;
  /** What the judge did about it: nothing, or the automatic promote / roll back (and whether it held). */
  acted: "none" | "promoted" | "rolled_back" | "apply_failed";
}

const STORED_VERDICT = { promote: "promote", roll_back: "roll_back", keep_collecting: "continue" } as const;

function policyOf(rollout: RolloutRecord): Partial<JudgePolicy> {
  const p = rollout.policy;
  return p !== null && typeof p === "object" && !Array.isArray(p) ? (p as Partial<JudgePolicy>) : {};
}

const summary = (v: VariantCounts): VariantSummary => ({
  requests: v.requests,
  errors: v.errors,
  latencies: v.latenciesUs.length,
});

/** A judge result as JSON (the store keeps it; NaN interval bounds become null). */
const asJson = (j: Verdict): JsonValue =>
  JSON.parse(JSON.stringify(j, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v)));

export class RolloutController {
  /** Requests seen per rollout at its last judgement: unchanged counts are not judged again. */
  private readonly judgedAt = new Map<number, number>();

  /**
   * `fresh` is read before an applier is called: the API's `store` reuses reads for a moment
   * (read-cache.ts), and a stale read there could apply a layout the store then refuses to record.
   */
  constructor(
    private readonly store: Store,
    private readonly applier: Applier | null = null,
    private readonly fresh: Store = store,
  ) {}

  private async proposal(id: number): Promise<ProposalRecord> {
    const proposal = await this.fresh.proposals.get(id);
    if (!proposal) throw new NanofuseError("NF_PROPOSAL_NOT_FOUND", `proposal ${id}`);
    return proposal;
  }

  async start(id: number, request: StartRollout): Promise<ProposalRecord> {
    const policy: Partial<JudgePolicy> = { ...request.policy };
    if (request.minSample !== undefined) policy.minSamplePerVariant = request.minSample;
    if (request.maxDurationMs !== undefined) policy.maxDurationMs = request.maxDurationMs;
    resolvePolicy(policy);
    return this.store.proposals.transition(id, {
      action: "start_rollout",
      expectedRevision: request.expectedRevision,
      actor: request.actor,
      at: request.at,
      rollout: {
        variant: request.variant,
        trafficShare: request.trafficShare,
        policy: policy as JsonValue,
        automatic: request.automatic === true,
      },
    });
  }

  promote(id: number, request: EndRollout): Promise<ProposalRecord> {
    return this.end(id, "promote", request);
  }

  rollBack(id: number, request: EndRollout): Promise<ProposalRecord> {
    return this.end(id, "roll_back", request);
  }

  private async end(id: number, action: "promote" | "roll_back", request: EndRollout) {
    const proposal = await this.proposal(id);
    // Refuses a stale revision or an illegal step before anything is applied.
    decideTransition(proposal, { action, ...request });
    const rollout = await this.store.rollouts.active(id);
    if (this.applier) {
      const groups = action === "promote" ? proposal.plan.groups : proposal.plan.current;
      const result = await this.applier.apply({
        proposalId: String(id),
        version: proposal.version,
        manifest: toManifest({ groups, contentHash: proposal.contentHash }),
        idempotencyKey: `nanofuse-proposal-${id}-v${proposal.version}-${action}`,
      });
      await this.record(proposal, rollout, action, request, result);
      if (!result.ok)
        throw new NanofuseError(
          "NF_ROLLOUT_APPLY_FAILED",
          `${result.applier} ${result.target}: ${result.code} ${result.message}`,
        );
    }
    return this.store.proposals.transition(id, { action, ...request });
  }

  private record(
    proposal: ProposalRecord,
    rollout: RolloutRecord | null,
    action: string,
    request: EndRollout,
    result: ApplyResult,
  ) {
    return this.store.rollouts.recordApply({
      proposalId: proposal.id,
      rolloutId: rollout?.id ?? null,
      action,
      at: request.at,
      actor: request.actor,
      ok: result.ok,
      code: result.ok ? null : result.code,
      result: result as unknown as JsonValue,
    });
  }

  /**
   * The successful requests' latencies per variant of the proposal's latest rollout, in arrival
   * order (the dashboard's distribution plot); NF_ROLLOUT_NOT_FOUND when it never had one.
   */
  async latencies(id: number): Promise<Record<RolloutVariant, number[]>> {
    await this.proposal(id);
    const all = await this.store.rollouts.forProposal(id);
    const rollout = all.find((r) => r.endedAt === null) ?? all.at(-1);
    if (!rollout) throw new NanofuseError("NF_ROLLOUT_NOT_FOUND", `proposal ${id} has had no rollout`);
    const counts = await this.store.rollouts.observations(rollout.id);
    return { control: counts.control.latenciesUs, candidate: counts.candidate.latenciesUs };
  }

  async status(id: number, at: Date): Promise<RolloutStatus> {
    const proposal = await this.proposal(id);
    const [all, applies] = await Promise.all([
      this.store.rollouts.forProposal(id),
      this.store.rollouts.applies(id),
    ]);
    const rollout = all.find((r) => r.endedAt === null) ?? all.at(-1) ?? null;
    if (!rollout) return { proposal, rollout, observations: null, judgement: null, applies };
    const counts = await this.store.rollouts.observations(rollout.id);
    const judgement =
      rollout.endedAt === null
        ? judge({ ...counts, elapsedMs: at.getTime() - rollout.startedAt.getTime() }, policyOf(rollout))
        : null;
    return {
      proposal,
      rollout,
      observations: { control: summary(counts.control), candidate: summary(counts.candidate) },
      judgement,
      applies,
    };
  }

  /**
   * Judges every rollout in progress that got requests since its last judgement (or whose maximum
   * duration passed), records the judgement, and applies the verdict of an automatic one.
   */
  async judgeInProgress(at: Date): Promise<JudgeRun[]> {
    const runs: JudgeRun[] = [];
    for (const rollout of await this.store.rollouts.inProgress()) {
      const counts = await this.store.rollouts.observations(rollout.id);
      const seen = counts.control.requests + counts.candidate.requests;
      const elapsedMs = at.getTime() - rollout.startedAt.getTime();
      const policy = policyOf(rollout);
      const overdue = elapsedMs >= resolvePolicy(policy).maxDurationMs;
      if (seen === 0 || (this.judgedAt.get(rollout.id) === seen && !overdue)) continue;
      this.judgedAt.set(rollout.id, seen);
      const judgement = judge({ ...counts, elapsedMs }, policy);
      await this.store.rollouts.judge(rollout.id, {
        at,
        verdict: STORED_VERDICT[judgement.verdict],
        result: asJson(judgement),
      });
      runs.push({
        proposalId: rollout.proposalId,
        rolloutId: rollout.id,
        judgement,
        acted: rollout.automatic ? await this.act(rollout, judgement, at) : "none",
      });
    }
    return runs;
  }

  private async act(rollout: RolloutRecord, judgement: Verdict, at: Date): Promise<JudgeRun["acted"]> {
    if (judgement.verdict === "keep_collecting") return "none";
    const proposal = await this.proposal(rollout.proposalId);
    const request = {
      expectedRevision: proposal.revision,
      actor: JUDGE_ACTOR,
      at,
      reason: judgement.explanation,
    };
    try {
      if (judgement.verdict === "promote") {
        await this.promote(proposal.id, request);
        return "promoted";
      }
      await this.rollBack(proposal.id, request);
      return "rolled_back";
    } catch (error) {
      if (error instanceof NanofuseError && error.code === "NF_ROLLOUT_APPLY_FAILED") return "apply_failed";
      throw error;
    }
  }
}

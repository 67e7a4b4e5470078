/** Rollouts of approved proposals and the judge's verdicts on them. */
import { NanofuseError } from "../../errors.ts";
import type { Sql } from "../sql.ts";
import type { Judgement, RolloutRecord, RolloutStore, TransitionRequest } from "../store.ts";
import { box, unbox } from "./json-box.ts";

const VERDICTS = new Set(["promote", "roll_back", "continue"]);

interface RolloutRow {
  id: number;
  proposal_id: number;
  variant: string;
  traffic_share: number;
  started_at: Date;
  ended_at: Date | null;
  outcome: RolloutRecord["outcome"];
}

interface JudgementRow {
  id: number;
  rollout_id: number;
  at: Date;
  verdict: Judgement["verdict"];
  result: unknown;
}

const toJudgement = (r: JudgementRow): Judgement => ({
  id: r.id,
  rolloutId: r.rollout_id,
  at: r.at,
  verdict: r.verdict,
  result: unbox(r.result),
});

/** Called by the start_rollout transition, in its transaction. */
export async function startRollout(tx: Sql, proposalId: number, request: TransitionRequest): Promise<void> {
  const spec = request.rollout;
  if (!spec || typeof spec.variant !== "string" || spec.variant === "")
    throw new NanofuseError("NF_ROLLOUT_INVALID", "start_rollout needs a variant");
  if (!(spec.trafficShare > 0 && spec.trafficShare <= 1))
    throw new NanofuseError("NF_ROLLOUT_INVALID", `traffic share ${spec.trafficShare} is not in (0, 1]`);
  await tx.query(
    "insert into rollouts (proposal_id, variant, traffic_share, started_at) values ($1, $2, $3, $4)",
    [proposalId, spec.variant, spec.trafficShare, request.at],
  );
}

/** Called by the promote and roll_back transitions, in their transaction. */
export async function endRollout(tx: Sql, proposalId: number, outcome: "promoted" | "rolled_back", at: Date) {
  await tx.query(
    "update rollouts set ended_at = $1, outcome = $2 where proposal_id = $3 and ended_at is null",
    [at, outcome, proposalId],
  );
}

async function rollouts(sql: Sql, proposalId: number, activeOnly: boolean): Promise<RolloutRecord[]> {
  const rows = await sql.query<RolloutRow>(
    "select * from rollouts where proposal_id = $1 and (not $2 or ended_at is null) order by id",
    [proposalId, activeOnly],
  );
  if (rows.length === 0) return [];
  const judgements = await sql.query<JudgementRow>(
    "select * from rollout_judgements where rollout_id = any($1::int4[]) order by id",
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => ({
    id: r.id,
    proposalId: r.proposal_id,
    variant: r.variant,
    trafficShare: r.traffic_share,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    judgements: judgements.filter((j) => j.rollout_id === r.id).map(toJudgement),
  }));
}

export function rolloutStore(sql: Sql): RolloutStore {
  return {
    forProposal: (proposalId) => rollouts(sql, proposalId, false),
    async active(proposalId) {
      return (await rollouts(sql, proposalId, true))[0] ?? null;
    },
    async judge(rolloutId, judgement) {
      if (!VERDICTS.has(judgement.verdict))
        throw new NanofuseError("NF_ROLLOUT_INVALID", `verdict ${JSON.stringify(judgement.verdict)}`);
      return sql.transaction(async (tx) => {
        const [live] = await tx.query(
          "select id from rollouts where id = $1 and ended_at is null for update",
          [rolloutId],
        );
        if (!live) throw new NanofuseError("NF_ROLLOUT_NOT_FOUND", `rollout ${rolloutId}`);
        const [row] = await tx.query<JudgementRow>(
          "insert into rollout_judgements (rollout_id, at, verdict, result) values ($1, $2, $3, $4) returning *",
          [rolloutId, judgement.at, judgement.verdict, box(judgement.result)],
        );
        return toJudgement(row);
      });
    },
  };
}

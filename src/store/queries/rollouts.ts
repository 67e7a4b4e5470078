/** Rollouts of approved proposals and the judge's verdicts on them. */
import { NanofuseError } from "../../errors.ts";
import { chunks, type Sql } from "../sql.ts";
import type {
  ApplyRecord,
  Judgement,
  Observation,
  RolloutRecord,
  RolloutStore,
  RolloutVariant,
  TransitionRequest,
  VariantCounts,
} from "../store.ts";
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
  policy: unknown;
  automatic: boolean;
}

interface ApplyRow {
  id: number;
  proposal_id: number;
  rollout_id: number | null;
  action: string;
  at: Date;
  actor: string;
  ok: boolean;
  code: string | null;
  result: unknown;
}

const VARIANTS: readonly RolloutVariant[] = ["control", "candidate"];

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
    `insert into rollouts (proposal_id, variant, traffic_share, started_at, policy, automatic)
     values ($1, $2, $3, $4, $5, $6)`,
    [
      proposalId,
      spec.variant,
      spec.trafficShare,
      request.at,
      box(spec.policy ?? {}),
      spec.automatic === true,
    ],
  );
}

/** Called by the promote and roll_back transitions, in their transaction. */
export async function endRollout(tx: Sql, proposalId: number, outcome: "promoted" | "rolled_back", at: Date) {
  await tx.query(
    "update rollouts set ended_at = $1, outcome = $2 where proposal_id = $3 and ended_at is null",
    [at, outcome, proposalId],
  );
}

async function rollouts(sql: Sql, proposalId: number | null, activeOnly: boolean): Promise<RolloutRecord[]> {
  const rows = await sql.query<RolloutRow>(
    `select * from rollouts where ($1::int4 is null or proposal_id = $1) and (not $2 or ended_at is null)
     order by id`,
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
    policy: unbox(r.policy),
    automatic: r.automatic,
    judgements: judgements.filter((j) => j.rollout_id === r.id).map(toJudgement),
  }));
}

const toApply = (r: ApplyRow): ApplyRecord => ({
  id: r.id,
  proposalId: r.proposal_id,
  rolloutId: r.rollout_id,
  action: r.action,
  at: r.at,
  actor: r.actor,
  ok: r.ok,
  code: r.code,
  result: unbox(r.result),
});

async function observe(sql: Sql, rolloutId: number, observations: readonly Observation[]) {
  for (const o of observations) {
    if (!VARIANTS.includes(o.variant))
      throw new NanofuseError("NF_ROLLOUT_INVALID", `variant ${JSON.stringify(o.variant)}`);
    if (!(Number.isFinite(o.latencyUs) && o.latencyUs >= 0))
      throw new NanofuseError("NF_ROLLOUT_INVALID", `latency ${o.latencyUs}`);
  }
  return sql.transaction(async (tx) => {
    const [live] = await tx.query("select id from rollouts where id = $1 and ended_at is null", [rolloutId]);
    if (!live) throw new NanofuseError("NF_ROLLOUT_NOT_FOUND", `rollout ${rolloutId}`);
    for (const part of chunks(observations, 1000)) {
      // One statement per chunk; a jsonb array binds the same way on both drivers (typed arrays do not).
      await tx.query(
        `insert into rollout_observations (rollout_id, variant, at, latency_us, error)
         select $1, variant, at, latency_us, error
         from jsonb_to_recordset($2::jsonb) as t(variant text, at timestamptz, latency_us float8, error boolean)`,
        [
          rolloutId,
          part.map((o) => ({
            variant: o.variant,
            at: o.at.toISOString(),
            latency_us: o.latencyUs,
            error: o.error,
          })),
        ],
      );
    }
    return observations.length;
  });
}

async function observations(sql: Sql, rolloutId: number): Promise<Record<RolloutVariant, VariantCounts>> {
  const rows = await sql.query<{ variant: RolloutVariant; latency_us: number; error: boolean }>(
    "select variant, latency_us, error from rollout_observations where rollout_id = $1 order by id",
    [rolloutId],
  );
  const out: Record<RolloutVariant, VariantCounts> = {
    control: { latenciesUs: [], errors: 0, requests: 0 },
    candidate: { latenciesUs: [], errors: 0, requests: 0 },
  };
  for (const r of rows) {
    const v = out[r.variant];
    v.requests++;
    if (r.error) v.errors++;
    else v.latenciesUs.push(r.latency_us);
  }
  return out;
}

export function rolloutStore(sql: Sql): RolloutStore {
  return {
    forProposal: (proposalId) => rollouts(sql, proposalId, false),
    inProgress: () => rollouts(sql, null, true),
    observe: (rolloutId, list) => observe(sql, rolloutId, list),
    observations: (rolloutId) => observations(sql, rolloutId),
    async recordApply(entry) {
      const [row] = await sql.query<ApplyRow>(
        `insert into rollout_applies (proposal_id, rollout_id, action, at, actor, ok, code, result)
         values ($1, $2, $3, $4, $5, $6, $7, $8) returning *`,
        [
          entry.proposalId,
          entry.rolloutId,
          entry.action,
          entry.at,
          entry.actor,
          entry.ok,
          entry.code,
          box(entry.result),
        ],
      );
      return toApply(row);
    },
    async applies(proposalId) {
      const rows = await sql.query<ApplyRow>(
        "select * from rollout_applies where proposal_id = $1 order by id",
        [proposalId],
      );
      return rows.map(toApply);
    },
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

/**
 * Proposals, their versions and their audit trail. The decisions are the pure ones of src/proposals/;
 * this file only reads what they need and writes what they decide, in one transaction each. Writers
 * of one scope queue on an advisory lock, so two planners never both create "version 2".
 */
import { NanofuseError } from "../../errors.ts";
import type { Proposal } from "../../plan/proposal.ts";
import { decideTransition, isProposalState, type ProposalState } from "../../proposals/states.ts";
import { decideVersion } from "../../proposals/versioning.ts";
import type { Sql } from "../sql.ts";
import type {
  AuditEntry,
  ExemplarTrace,
  JsonValue,
  ProposalRecord,
  ProposalStore,
  ProposalSummary,
  ProposeInput,
  TransitionRequest,
} from "../store.ts";
import { internName } from "./names.ts";
import { endRollout, startRollout } from "./rollouts.ts";

const HASH = /^[0-9a-f]{16,128}$/;
const TRACE_ID = /^[0-9a-f]{32}$/;
const MAX_LIMIT = 1000;

interface ProposalRow {
  id: number;
  scope: string;
  version: number;
  revision: number;
  state: ProposalState;
  content_hash: string;
  supersedes: number | null;
  superseded_by: number | null;
  predicted: Proposal["predicted"];
  catalog_hash: string | null;
  created_at: Date;
  updated_at: Date;
  plan?: Omit<Proposal, "predicted" | "merges">;
  evidence?: Proposal["merges"];
  exemplar_trace_ids?: string[];
}

const SUMMARY_COLUMNS = `p.id, n.name as scope, p.version, p.revision, p.state, p.content_hash, p.supersedes,
  p.superseded_by, p.predicted, p.catalog_hash, p.created_at, p.updated_at`;
const RECORD_COLUMNS = `${SUMMARY_COLUMNS}, p.plan, p.evidence, p.exemplar_trace_ids`;

function toSummary(r: ProposalRow): ProposalSummary {
  return {
    id: r.id,
    scope: r.scope,
    version: r.version,
    revision: r.revision,
    state: r.state,
    contentHash: r.content_hash,
    supersedes: r.supersedes,
    supersededBy: r.superseded_by,
    predicted: r.predicted,
    catalogHash: r.catalog_hash,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRecord(r: ProposalRow): ProposalRecord {
  const plan = {
    ...(r.plan as Omit<Proposal, "predicted" | "merges">),
    predicted: r.predicted,
    merges: r.evidence ?? [],
  };
  return { ...toSummary(r), plan, exemplarTraceIds: r.exemplar_trace_ids ?? [] };
}

async function readRecord(sql: Sql, id: number, lock = false): Promise<ProposalRecord | null> {
  const [row] = await sql.query<ProposalRow>(
    `select ${RECORD_COLUMNS} from proposals p join names n on n.id = p.scope_id where p.id = $1${lock ? " for update of p" : ""}`,
    [id],
  );
  return row ? toRecord(row) : null;
}

async function appendAudit(tx: Sql, entry: Omit<AuditEntry, "id">): Promise<void> {
  await tx.query(
    `insert into proposal_audit (proposal_id, at, actor, action, from_state, to_state, reason, revision)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.proposalId,
      entry.at,
      entry.actor,
      entry.action,
      entry.from,
      entry.to,
      entry.reason,
      entry.revision,
    ],
  );
}

function checkProposeInput(input: ProposeInput): void {
  if (typeof input.scope !== "string" || input.scope === "")
    throw new NanofuseError("NF_STORE_INVALID", "a proposal needs a scope");
  if (!HASH.test(input.plan.contentHash))
    throw new NanofuseError("NF_STORE_INVALID", "the proposal's content hash is not lowercase hex");
  if (!input.actor) throw new NanofuseError("NF_STORE_INVALID", "a proposal needs an actor");
  for (const e of input.exemplars ?? [])
    if (!TRACE_ID.test(e.traceId))
      throw new NanofuseError(
        "NF_STORE_INVALID",
        `exemplar trace id ${JSON.stringify(e.traceId.slice(0, 40))} is not 32 lowercase hex`,
      );
  const initial = input.initialState ?? "pending_approval";
  if (initial !== "draft" && initial !== "pending_approval")
    throw new NanofuseError("NF_STORE_INVALID", `a proposal cannot start as ${initial}`);
}

async function saveExemplars(
  tx: Sql,
  proposalId: number,
  exemplars: ExemplarTrace[],
  at: Date,
): Promise<void> {
  for (const e of exemplars) {
    // An exemplar seen before keeps its first recording: a trace id names one trace.
    await tx.query(
      "insert into exemplar_traces (trace_id, paths, created_at) values ($1, $2, $3) on conflict (trace_id) do nothing",
      [e.traceId, e.paths as unknown as JsonValue, at],
    );
    await tx.query(
      "insert into proposal_exemplars (proposal_id, trace_id) values ($1, $2) on conflict do nothing",
      [proposalId, e.traceId],
    );
  }
}

export function proposalStore(sql: Sql): ProposalStore {
  return {
    async propose(input) {
      checkProposeInput(input);
      return sql.transaction(async (tx) => {
        const scopeId = await internName(tx, input.scope);
        await tx.query("select pg_advisory_xact_lock(hashtextextended('nanofuse.scope', $1::int8))", [
          scopeId,
        ]);
        const versions = await tx.query<{
          id: number;
          version: number;
          state: ProposalState;
          content_hash: string;
        }>("select id, version, state, content_hash from proposals where scope_id = $1", [scopeId]);
        const decision = decideVersion(
          versions.map((v) => ({
            id: v.id,
            version: v.version,
            state: v.state,
            contentHash: v.content_hash,
          })),
          input.plan.contentHash,
        );
        if (decision.kind === "existing")
          return {
            proposal: (await readRecord(tx, decision.id)) as ProposalRecord,
            created: false,
            superseded: null,
          };
        const { predicted, merges, ...plan } = input.plan;
        const exemplarIds = [
          ...new Set(merges.flatMap((m) => m.edges.flatMap((e) => e.exemplarTraceIds))),
        ].sort();
        const state = input.initialState ?? "pending_approval";
        const [row] = await tx.query<{ id: number }>(
          `insert into proposals (scope_id, version, revision, state, content_hash, supersedes, plan, predicted, evidence,
             exemplar_trace_ids, catalog_hash, created_at, updated_at)
           values ($1, $2, 1, $3, $4, $5, $6, $7, $8, to_jsonb($9::text[]), $10, $11, $11) returning id`,
          [
            scopeId,
            decision.version,
            state,
            input.plan.contentHash,
            decision.supersedes,
            plan as unknown as JsonValue,
            predicted as unknown as JsonValue,
            merges as unknown as JsonValue,
            exemplarIds,
            input.catalogHash ?? null,
            input.at,
          ],
        );
        await appendAudit(tx, {
          proposalId: row.id,
          at: input.at,
          actor: input.actor,
          action: "create",
          from: null,
          to: state,
          reason: `version ${decision.version} of ${input.scope}`,
          revision: 1,
        });
        await saveExemplars(tx, row.id, input.exemplars ?? [], input.at);
        let superseded: ProposalRecord | null = null;
        for (const oldId of decision.replace) {
          const old = (await readRecord(tx, oldId, true)) as ProposalRecord;
          superseded = await applyTransition(
            tx,
            old,
            {
              action: "supersede",
              expectedRevision: old.revision,
              actor: input.actor,
              reason: `superseded by version ${decision.version}`,
              at: input.at,
            },
            row.id,
          );
        }
        return { proposal: (await readRecord(tx, row.id)) as ProposalRecord, created: true, superseded };
      });
    },

    get: (id) => (Number.isSafeInteger(id) ? readRecord(sql, id) : Promise.resolve(null)),

    async list(filter = {}) {
      const limit = Math.min(Math.max(1, Math.floor(filter.limit ?? 100)), MAX_LIMIT);
      const states = filter.states?.filter(isProposalState) ?? null;
      const rows = await sql.query<ProposalRow>(
        `select ${SUMMARY_COLUMNS} from proposals p join names n on n.id = p.scope_id
         where ($1::text[] is null or p.state = any($1::text[])) and ($2::text is null or n.name = $2::text)
           and ($3::int4 is null or p.id < $3::int4)
         order by p.id desc limit $4`,
        [states, filter.scope ?? null, filter.beforeId ?? null, limit],
      );
      return rows.map(toSummary);
    },

    async transition(id, request) {
      return sql.transaction(async (tx) => {
        const current = Number.isSafeInteger(id) ? await readRecord(tx, id, true) : null;
        if (!current) throw new NanofuseError("NF_PROPOSAL_NOT_FOUND", `proposal ${id}`);
        return applyTransition(tx, current, request, null);
      });
    },

    async audit(id) {
      const rows = await sql.query<{
        id: number;
        proposal_id: number;
        at: Date;
        actor: string;
        action: AuditEntry["action"];
        from_state: ProposalState | null;
        to_state: ProposalState;
        reason: string | null;
        revision: number;
      }>("select * from proposal_audit where proposal_id = $1 order by id", [id]);
      return rows.map((r) => ({
        id: r.id,
        proposalId: r.proposal_id,
        at: r.at,
        actor: r.actor,
        action: r.action,
        from: r.from_state,
        to: r.to_state,
        reason: r.reason,
        revision: r.revision,
      }));
    },

    async exemplars(id) {
      const rows = await sql.query<{ trace_id: string; paths: ExemplarTrace["paths"] }>(
        `select e.trace_id, e.paths from proposal_exemplars x join exemplar_traces e on e.trace_id = x.trace_id
         where x.proposal_id = $1 order by e.trace_id`,
        [id],
      );
      return rows.map((r) => ({ traceId: r.trace_id, paths: r.paths }));
    },

    async exemplarTrace(traceId) {
      const [row] = await sql.query<{ trace_id: string; paths: ExemplarTrace["paths"] }>(
        "select trace_id, paths from exemplar_traces where trace_id = $1",
        [traceId],
      );
      return row ? { traceId: row.trace_id, paths: row.paths } : null;
    },
  };
}

/**
 * Decides (pure) and applies a transition to a proposal read under a row lock. The update still
 * names the revision it expects, so the decision can never be applied to a row that moved meanwhile.
 */
async function applyTransition(
  tx: Sql,
  current: ProposalRecord,
  request: TransitionRequest,
  supersededBy: number | null,
): Promise<ProposalRecord> {
  const outcome = decideTransition(current, request);
  if (request.action === "start_rollout") await startRollout(tx, current.id, request);
  if (request.action === "promote" || request.action === "roll_back")
    await endRollout(tx, current.id, request.action === "promote" ? "promoted" : "rolled_back", request.at);
  const updated = await tx.query(
    `update proposals set state = $1, revision = $2, updated_at = $3, superseded_by = coalesce($4, superseded_by)
     where id = $5 and revision = $6 returning id`,
    [outcome.to, outcome.revision, request.at, supersededBy, current.id, current.revision],
  );
  if (updated.length === 0)
    throw new NanofuseError(
      "NF_PROPOSAL_VERSION_CONFLICT",
      `proposal ${current.id} changed while being updated`,
    );
  await appendAudit(tx, { proposalId: current.id, ...outcome.audit, revision: outcome.revision });
  return (await readRecord(tx, current.id)) as ProposalRecord;
}

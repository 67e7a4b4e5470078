/**
 * The store: one interface over PostgreSQL (production, `postgres` client) and embedded PGlite (the
 * default, `./.nanofuse/`). Both run the same migrations and the same SQL (src/store/queries/), so a
 * replay, the daemon and the API see the same tables whichever backend holds them.
 *
 * Conventions every method keeps:
 * - Time is passed in (`at`), never read from a clock, so a replay writes the same rows twice.
 * - Every text value round-trips unchanged, NUL included: PostgreSQL text and jsonb cannot hold
 *   U+0000, so the query layer escapes it reversibly (see src/store/text-escape.ts).
 * - Failures are `NanofuseError`s with stable codes (NF_STORE_*, NF_PROPOSAL_*, NF_TOKEN_*); a lost
 *   connection is `NF_STORE_UNAVAILABLE` (retriable).
 * - On PGlite one process owns the directory (a lock file with its pid); calls are serialised by
 *   PGlite's single session, so concurrent callers wait rather than interleave.
 */
import type { WindowAggregate } from "../analyse/aggregates.ts";
import type { PathEntry } from "../analyse/trace-analysis.ts";
import type { Proposal } from "../plan/proposal.ts";
import type { ProposalAction, ProposalState } from "../proposals/states.ts";

export type { ProposalAction, ProposalState };

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Store {
  readonly backend: "postgres" | "pglite";
  readonly aggregates: AggregateStore;
  readonly proposals: ProposalStore;
  readonly rollouts: RolloutStore;
  readonly tokens: TokenStore;
  readonly catalogs: CatalogStore;
  /**
   * An exclusive lease named `name` across every process using this store (the daemons' single
   * planner): a PostgreSQL session advisory lock held on a reserved connection; on PGlite the store
   * is already exclusive to this process, so the lease only excludes other holders in it.
   * Resolves to null, without waiting, when someone else holds it.
   */
  tryLease(name: string): Promise<Lease | null>;
  /** Resolves when the store answers a query (readiness checks); NF_STORE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** Closes connections and releases the PGlite lock file. Idempotent. */
  close(): Promise<void>;
}

export interface Lease {
  readonly name: string;
  /** False once the lease was released or its connection was lost. */
  held(): Promise<boolean>;
  release(): Promise<void>;
}

// ---------------------------------------------------------------- aggregates and ingest progress

/** Where the aggregates came from: a replay of files, a Kafka topic, the OTLP receiver. */
export interface WindowKey {
  source: string;
  /** Kafka partition; 0 for sources without partitions. */
  partition: number;
  startUs: number;
  windowUs: number;
}

export interface StoredWindow extends WindowKey {
  /** Sketches restored, so windows merge exactly as in memory (`WindowAggregate.merge`). */
  aggregate: WindowAggregate;
}

/** Summary of a window without its edges and units (cheap listing). */
export interface WindowSummary extends WindowKey {
  traces: number;
  spans: number;
  edges: number;
  units: number;
}

export interface WindowQuery {
  /** Windows that start at or after this, µs since the epoch. */
  fromUs?: number;
  /** Windows that start before this. */
  toUs?: number;
  /** Only these sources (default all). */
  sources?: string[];
}

/** Where a partition's consumer resumes: opaque to the store beyond the compare-and-set on `revision`. */
export interface Progress {
  source: string;
  partition: number;
  /** The offset to resume reading from (int64 as a decimal string, as kafkajs gives offsets). */
  offset: string;
  /** The consumer's own checkpoint data, e.g. traces already counted past `offset`. */
  state: JsonValue;
  /** Starts at 1 with the first commit and grows by one with each; 0 means "no progress yet". */
  revision: number;
  updatedAt: Date;
}

export interface IngestBatch {
  source: string;
  partition: number;
  windowUs: number;
  /** Contributions since the last commit: added into the stored windows (sketches merged). */
  windows: readonly WindowAggregate[];
  progress: { offset: string; state?: JsonValue };
  /**
   * The revision read from `progress()` (0 when there was none). A stale value (a replayed batch, or a
   * consumer that lost its partition to another) is refused with NF_STORE_PROGRESS_CONFLICT and
   * nothing is written.
   */
  expectedRevision: number;
  at: Date;
}

export interface WriteSummary {
  windows: number;
  edges: number;
  units: number;
}

export interface UnitRecord {
  unit: string;
  /** Start of the first and the last window the unit appeared in, µs. */
  firstWindowUs: number;
  lastWindowUs: number;
}

export interface PruneOptions {
  /** Windows whose end is at or before this are pruned, µs since the epoch (now − retention age). */
  beforeUs: number;
  /** Merge them into windows of this size (a multiple of theirs), or delete them. */
  action: { merge: number } | "delete";
  /** Fine windows handled per transaction (default 500), so a prune never holds long locks. */
  batchSize?: number;
}

export interface PruneResult {
  /** Fine windows read and removed. */
  removed: number;
  /** Coarse windows written (created or added into). */
  written: number;
  batches: number;
}

export interface AggregateStore {
  /**
   * Replaces everything stored under `source` by these windows in one transaction: an offline replay
   * of the same files writes the same rows again instead of counting twice.
   */
  replaceSource(source: string, windowUs: number, windows: Iterable<WindowAggregate>): Promise<WriteSummary>;
  /**
   * Adds a batch into the windows of (source, partition) and records its progress in the same
   * transaction, so a crash leaves either both or neither. Returns the new progress.
   */
  commit(batch: IngestBatch): Promise<Progress>;
  /** Progress of every partition of `source`, sorted by partition. */
  progress(source: string): Promise<Progress[]>;
  /** Windows with their aggregates, sorted by start, source, partition. */
  windows(query?: WindowQuery): Promise<StoredWindow[]>;
  list(query?: WindowQuery): Promise<WindowSummary[]>;
  /** All matching windows merged into one aggregate (startUs NaN, as `WindowedAggregates.total()`). */
  total(query?: WindowQuery): Promise<WindowAggregate>;
  /** Sources with stored windows, sorted. */
  sources(): Promise<string[]>;
  units(): Promise<UnitRecord[]>;
  /** Retention: merges or deletes old windows in bounded batches until none is left. */
  prune(options: PruneOptions): Promise<PruneResult>;
}

// ---------------------------------------------------------------- proposals

export interface ExemplarTrace {
  traceId: string;
  /** Critical paths of the trace (one per root and orphan subtree), as `analyse --per-trace` reports. */
  paths: PathEntry[];
}

export interface ProposeInput {
  /** What the plan covers (a system, a team, "default"): versions count per scope. */
  scope: string;
  plan: Proposal;
  /** Catalog snapshot the plan was made under (from `catalogs.save`). */
  catalogHash?: string;
  exemplars?: ExemplarTrace[];
  actor: string;
  at: Date;
  /** Default pending_approval. */
  initialState?: "draft" | "pending_approval";
}

export interface ProposalSummary {
  id: number;
  scope: string;
  /** 1, 2, 3 … within the scope. */
  version: number;
  /** Grows by one with every transition: the expected value of the next one (If-Match). */
  revision: number;
  state: ProposalState;
  contentHash: string;
  /** The previous version of the scope this one replaces, if any. */
  supersedes: number | null;
  supersededBy: number | null;
  predicted: Proposal["predicted"];
  catalogHash: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProposalRecord extends ProposalSummary {
  /** The planner's proposal as it was written (groups, current, diff, merges with evidence, …). */
  plan: Proposal;
  exemplarTraceIds: string[];
}

export interface ProposeResult {
  proposal: ProposalRecord;
  /** False when the scope already had a proposal with this content: that one is returned unchanged. */
  created: boolean;
  /** The draft or pending version this one superseded (now in state superseded). */
  superseded: ProposalRecord | null;
}

export interface ProposalFilter {
  states?: ProposalState[];
  scope?: string;
  /** Newest first; default 100, at most 1000. */
  limit?: number;
  /** Only proposals with a smaller id (paging). */
  beforeId?: number;
}

export interface TransitionRequest {
  action: ProposalAction;
  /** The revision the caller read; a different stored one is NF_PROPOSAL_VERSION_CONFLICT. */
  expectedRevision: number;
  actor: string;
  /** Required for reject and roll_back (NF_PROPOSAL_REASON_REQUIRED). */
  reason?: string;
  at: Date;
  /**
   * Required for start_rollout: the variant label and the share of traffic it gets, (0, 1]; the
   * judge's policy overrides (src/proposals/judge/policy.ts: minimum sample, maximum duration, …) and
   * whether the judge's verdict is applied without a person (default false).
   */
  rollout?: { variant: string; trafficShare: number; policy?: JsonValue; automatic?: boolean };
}

export interface AuditEntry {
  id: number;
  proposalId: number;
  at: Date;
  actor: string;
  action: ProposalAction | "create";
  from: ProposalState | null;
  to: ProposalState;
  reason: string | null;
  /** The proposal's revision after this entry. */
  revision: number;
}

export interface ProposalStore {
  /**
   * Writes a planner's proposal: the same content for the scope is the existing proposal; changed
   * content is the next version, superseding the scope's draft or pending one in the same transaction.
   */
  propose(input: ProposeInput): Promise<ProposeResult>;
  get(id: number): Promise<ProposalRecord | null>;
  list(filter?: ProposalFilter): Promise<ProposalSummary[]>;
  /**
   * Applies a transition of the state machine (src/proposals/) with optimistic concurrency and
   * appends it to the audit log, in one transaction. Throws NF_PROPOSAL_NOT_FOUND,
   * NF_PROPOSAL_ILLEGAL_TRANSITION, NF_PROPOSAL_VERSION_CONFLICT, NF_PROPOSAL_REASON_REQUIRED,
   * NF_ROLLOUT_INVALID; nothing changes then.
   */
  transition(id: number, request: TransitionRequest): Promise<ProposalRecord>;
  /** The audit trail, oldest first. Append-only: the table refuses updates and deletes. */
  audit(id: number): Promise<AuditEntry[]>;
  exemplars(id: number): Promise<ExemplarTrace[]>;
  /** One exemplar trace by id, whichever proposal keeps it. */
  exemplarTrace(traceId: string): Promise<ExemplarTrace | null>;
}

// ---------------------------------------------------------------- rollouts

export interface Judgement {
  id: number;
  rolloutId: number;
  at: Date;
  /** What the judge concluded from this look at the data. */
  verdict: "promote" | "roll_back" | "continue";
  /** Its figures (samples, U, p-value, effect size, intervals, error rates). */
  result: JsonValue;
}

export interface RolloutRecord {
  id: number;
  proposalId: number;
  variant: string;
  trafficShare: number;
  startedAt: Date;
  /** Set by the promote or roll_back transition. */
  endedAt: Date | null;
  outcome: "promoted" | "rolled_back" | null;
  /** The judge's policy overrides the rollout was started with. */
  policy: JsonValue;
  /** The judge's promote or roll back is applied without a person. */
  automatic: boolean;
  judgements: Judgement[];
}

export type RolloutVariant = "control" | "candidate";

/** One request of a variant, as the live pipeline saw its trace complete. */
export interface Observation {
  variant: RolloutVariant;
  latencyUs: number;
  error: boolean;
  at: Date;
}

/** What the judge reads of one variant: successful latencies in arrival order, and counts. */
export interface VariantCounts {
  latenciesUs: number[];
  errors: number;
  requests: number;
}

/** One applier call for a proposal, whatever it said: a failed one is never left without a record. */
export interface ApplyRecord {
  id: number;
  proposalId: number;
  rolloutId: number | null;
  /** What it was applied for: start_rollout, promote, roll_back. */
  action: string;
  at: Date;
  actor: string;
  ok: boolean;
  /** The NF_ code of a failure. */
  code: string | null;
  /** The applier's result (applier, target, attempts, history, message). */
  result: JsonValue;
}

export interface RolloutStore {
  /** Rollouts of a proposal, oldest first (a rolled-back proposal may have had one, later ones none). */
  forProposal(proposalId: number): Promise<RolloutRecord[]>;
  /** The rollout in progress, if the proposal is rolling out. */
  active(proposalId: number): Promise<RolloutRecord | null>;
  /** Records one judgement of a rollout in progress (NF_ROLLOUT_NOT_FOUND when none is). */
  judge(
    rolloutId: number,
    judgement: { at: Date; verdict: Judgement["verdict"]; result: JsonValue },
  ): Promise<Judgement>;
  /** Every rollout in progress, by id (the live pipeline's: which variants to record). */
  inProgress(): Promise<RolloutRecord[]>;
  /** Appends requests of the variants to a rollout in progress (NF_ROLLOUT_NOT_FOUND when none is). */
  observe(rolloutId: number, observations: readonly Observation[]): Promise<number>;
  /** The requests recorded for a rollout, per variant. */
  observations(rolloutId: number): Promise<Record<RolloutVariant, VariantCounts>>;
  /** Records an applier call. */
  recordApply(entry: Omit<ApplyRecord, "id">): Promise<ApplyRecord>;
  /** The applier calls for a proposal, oldest first. */
  applies(proposalId: number): Promise<ApplyRecord[]>;
}

// ---------------------------------------------------------------- API tokens

export type TokenRole = "viewer" | "approver" | "admin";

export interface TokenRecord {
  /** Public id, also the token's prefix (so a lookup needs no scan). */
  id: string;
  name: string;
  role: TokenRole;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export type TokenCheck =
  | { ok: true; token: TokenRecord }
  | { ok: false; reason: "malformed" | "unknown" | "revoked" };

export interface TokenStore {
  /** A new random token, returned once in clear; only a salted hash is stored. */
  create(input: { name: string; role: TokenRole; at: Date }): Promise<{ token: string; record: TokenRecord }>;
  /** Checks a presented token (constant-time hash compare) and notes its use (at most once a minute). */
  verify(token: string, at: Date): Promise<TokenCheck>;
  list(): Promise<TokenRecord[]>;
  /** Revokes; null when no token has this id. Revoking twice keeps the first time. */
  revoke(id: string, at: Date): Promise<TokenRecord | null>;
}

// ---------------------------------------------------------------- catalog snapshots

export interface CatalogStore {
  /** Stores a unit catalog (as loaded) once per content; returns its content hash. */
  save(catalog: JsonValue, at: Date): Promise<string>;
  get(hash: string): Promise<{ hash: string; catalog: JsonValue; createdAt: Date } | null>;
}

/**
 * The daemons' planner (issue 10, DESIGN.md "Scale-out": the planner runs on one leader). Every
 * daemon feeds it the call trees its partitions complete and the windows it commits; only the daemon
 * that holds the store's lease `nanofuse.planner` (a PostgreSQL session advisory lock, so one across
 * all daemons of a database) runs the planner, and each run writes a versioned proposal through the
 * store (`proposals.propose`: the same content is the existing proposal, new content the next
 * version of the scope).
 *
 * When it plans (`planDue`, no I/O and no clock): on a schedule, every `everyMs` once traces arrived
 * since the last plan; and early, when the traces committed since the last plan (at least
 * `minTraces` of them) show a barrier-wait share or a critical-path network share of end-to-end
 * latency at or above its threshold: the moment the system drifts into what fusing would fix. A
 * trigger never fires sooner than `minGapMs` after the previous plan, so a share that stays high
 * plans once per gap, not on every check.
 *
 * What it plans on: PlanData of the leader's own partitions' traces (re-timing needs whole traces,
 * and a trace lives in one partition, so they are a sample of the traffic by trace id) and edge
 * totals of the windows its daemon committed. A leader that owns no partition has nothing to plan.
 */
import { WindowAggregate } from "../analyse/aggregates.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { Catalog } from "../model/catalog.ts";
import { PlanningEpoch } from "../pipeline/planning.ts";
import { proposePlanned } from "../pipeline/propose.ts";
import { defaultCatalog } from "../plan/catalog.ts";
import type { PlanOptions } from "../plan/planner.ts";
import type { Lease, ProposeResult, Store } from "../store/store.ts";

export const PLANNER_LEASE = "nanofuse.planner";

export interface PlannerOptions {
  /** Plan at least this often while traces arrive; Infinity: only on thresholds. */
  everyMs: number;
  /** Σ barrier wait / Σ end-to-end latency of the traces since the last plan; Infinity: never. */
  barrierWaitShare: number;
  /** Σ critical-path network time / Σ end-to-end latency; Infinity: never. */
  networkShare: number;
  /** Fewest traces since the last plan for a threshold to count (a share of three traces is noise). */
  minTraces: number;
  minGapMs: number;
  /** An epoch that held this many traces starts over after its plan, bounding memory. */
  maxTraces: number;
  scope: string;
  catalog: Catalog;
  plan: Partial<PlanOptions>;
  actor: string;
}

export const DEFAULT_PLANNER_OPTIONS: PlannerOptions = {
  everyMs: 15 * 60_000,
  barrierWaitShare: 0.2,
  networkShare: 0.3,
  minTraces: 1000,
  minGapMs: 60_000,
  maxTraces: 100_000,
  scope: "default",
  catalog: defaultCatalog(),
  plan: {},
  actor: "nanofuse daemon planner",
};

export interface TriggerState {
  /** Wall-clock ms of the last plan (or of the planner's start). */
  lastPlanAt: number;
  /** Traces completed since the last plan. */
  fresh: number;
  /** What was committed since the last plan. */
  since: WindowAggregate;
}

export type PlanReason = "schedule" | "barrier-wait" | "network-share";

/** Shares of end-to-end latency in an aggregate: barrier wait, and network time on the critical path. */
export function latencyShares(total: WindowAggregate): { barrierWait: number; network: number } {
  if (total.rootDurationUs <= 0) return { barrierWait: 0, network: 0 };
  let barrier = 0;
  let network = 0;
  for (const edge of total.edges.values()) {
    barrier += edge.barrierWaitUs;
    network += edge.criticalPathNetworkUs;
  }
  return { barrierWait: barrier / total.rootDurationUs, network: network / total.rootDurationUs };
}

/** Why a plan is due now, or null. */
export function planDue(state: TriggerState, nowMs: number, options: PlannerOptions): PlanReason | null {
  if (state.fresh === 0) return null;
  const elapsed = nowMs - state.lastPlanAt;
  if (elapsed >= options.everyMs) return "schedule";
  if (elapsed < options.minGapMs || state.since.traces < options.minTraces) return null;
  const shares = latencyShares(state.since);
  if (shares.barrierWait >= options.barrierWaitShare) return "barrier-wait";
  if (shares.network >= options.networkShare) return "network-share";
  return null;
}

export interface PlannerStats {
  leader: boolean;
  plans: number;
  proposalsCreated: number;
  lastReason: PlanReason | null;
  lastVersion: number | null;
}

export class DaemonPlanner {
  readonly options: PlannerOptions;
  private epoch = new PlanningEpoch();
  private readonly state: TriggerState;
  private lease: Lease | null = null;
  private running = false;
  private readonly counts: PlannerStats = {
    leader: false,
    plans: 0,
    proposalsCreated: 0,
    lastReason: null,
    lastVersion: null,
  };

  constructor(
    private readonly store: Store,
    startMs: number,
    options: Partial<PlannerOptions> = {},
  ) {
    this.options = { ...DEFAULT_PLANNER_OPTIONS, ...options };
    this.state = { lastPlanAt: startMs, fresh: 0, since: new WindowAggregate(Number.NaN) };
  }

  /** A call tree one of this daemon's partitions completed. */
  add(tree: CallTree): void {
    // A daemon that is not the leader keeps only a bounded epoch, ready should it become leader.
    if (!this.counts.leader && this.epoch.traces >= this.options.maxTraces) this.epoch = new PlanningEpoch();
    this.epoch.add(tree);
    this.state.fresh++;
  }

  /** Windows this daemon committed to the store. */
  committed(windows: readonly WindowAggregate[]): void {
    for (const window of windows) {
      this.epoch.addWindows(window);
      this.state.since.merge(window);
    }
  }

  /** Takes or checks the lease, then plans if due; returns the stored proposal when it planned. */
  async tick(nowMs: number): Promise<ProposeResult | null> {
    if (this.running) return null;
    this.running = true;
    try {
      if (!(await this.lead())) return null;
      const reason = planDue(this.state, nowMs, this.options);
      if (!reason) return null;
      return await this.planNow(reason, nowMs);
    } finally {
      this.running = false;
    }
  }

  stats(): PlannerStats {
    return { ...this.counts };
  }

  /** Lets another daemon lead (shutdown). */
  async release(): Promise<void> {
    const lease = this.lease;
    this.lease = null;
    this.counts.leader = false;
    await lease?.release();
  }

  private async lead(): Promise<boolean> {
    if (this.lease && !(await this.lease.held())) this.lease = null;
    this.lease ??= await this.store.tryLease(PLANNER_LEASE);
    this.counts.leader = this.lease !== null;
    return this.counts.leader;
  }

  private async planNow(reason: PlanReason, nowMs: number): Promise<ProposeResult> {
    const planned = this.epoch.plan(this.options.catalog, this.options.plan);
    if (this.epoch.traces >= this.options.maxTraces) this.epoch = new PlanningEpoch();
    this.state.lastPlanAt = nowMs;
    this.state.fresh = 0;
    this.state.since = new WindowAggregate(Number.NaN);
    const result = await proposePlanned(this.store, planned, { ...this.options, at: new Date(nowMs) });
    this.counts.plans++;
    if (result.created) this.counts.proposalsCreated++;
    this.counts.lastReason = reason;
    this.counts.lastVersion = result.proposal.version;
    return result;
  }
}

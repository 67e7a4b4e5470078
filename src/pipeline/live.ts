/**
 * The live pipeline of `nanofuse serve`: received spans → trace buffer → call trees → analysis, with
 * the windows of completed traces written to the store every flush, and the planner run on the
 * traces since the epoch began. Time is the caller's: the receiver passes the wall clock it received
 * spans at, and the server's timer passes the time of each cut, flush and plan. Unlike a replay, the
 * buffer runs on that wall clock: live spans arrive roughly when they end, and a quiet system must
 * still complete its last traces.
 *
 * Writes are `aggregates.commit` batches for (source, partition 0) with a running count of traces as
 * the offset, so the windows and the progress move together. Cold starts are counted within one flush
 * period (Analyser.finish), since invocations of earlier periods are no longer held.
 *
 * Defaults: source `otlp-http`, scope `default`, windows of 60 s, the buffer's own defaults, planning
 * after 100 traces and on at most 100,000 per epoch.
 */

import { DEFAULT_WINDOW_US, type WindowAggregate } from "../analyse/aggregates.ts";
import { Analyser } from "../analyse/analyser.ts";
import { buildCallTree } from "../assemble/call-tree.ts";
import { TraceBuffer, type TraceBufferOptions } from "../assemble/trace-buffer.ts";
import { NanofuseError } from "../errors.ts";
import type { Catalog } from "../model/catalog.ts";
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";
import { defaultCatalog } from "../plan/catalog.ts";
import type { PlanOptions } from "../plan/planner.ts";
import type { SpanIntake } from "../receiver/app.ts";
import type { Progress, ProposeResult, Store, WriteSummary } from "../store/store.ts";
import { PlanningEpoch } from "./planning.ts";
import { proposePlanned } from "./propose.ts";
import { RecentRoots, type VariantRequest, variantRequest } from "./variants.ts";

export interface LiveOptions {
  source: string;
  scope: string;
  windowUs: number;
  buffer: Partial<TraceBufferOptions>;
  catalog: Catalog;
  planMinTraces: number;
  planMaxTraces: number;
  plan: Partial<PlanOptions>;
  /** Who the audit trail names for the planner's proposals. */
  actor: string;
}

export const DEFAULT_LIVE_OPTIONS: LiveOptions = {
  source: "otlp-http",
  scope: "default",
  windowUs: DEFAULT_WINDOW_US,
  buffer: {},
  catalog: defaultCatalog(),
  planMinTraces: 100,
  planMaxTraces: 100_000,
  plan: {},
  actor: "nanofuse planner",
};

export interface LiveStats {
  spansReceived: number;
  bufferedSpans: number;
  tracesCompleted: number;
  tracesWritten: number;
  windowsWritten: number;
  proposals: number;
  /** Requests tagged control or candidate, recorded for the rollout in progress. */
  variantRequests: number;
  /** Tagged requests seen while no rollout was in progress. */
  variantRequestsDropped: number;
  lastFlushAt: Date | null;
  lastPlanAt: Date | null;
}

export class LivePipeline implements SpanIntake {
  readonly options: LiveOptions;
  private readonly buffer: TraceBuffer;
  private period: Analyser;
  private pendingTraces = 0;
  private epoch = new PlanningEpoch();
  private revision = 0;
  private readonly counts = {
    spansReceived: 0,
    tracesCompleted: 0,
    tracesWritten: 0,
    windowsWritten: 0,
    proposals: 0,
    variantRequests: 0,
    variantRequestsDropped: 0,
  };
  /** Requests of the variants since the last flush, in completion order. */
  private variantRequests: VariantRequest[] = [];
  private readonly recentRoots = new RecentRoots();
  private lastFlushAt: Date | null = null;
  private lastPlanAt: Date | null = null;

  constructor(
    private readonly store: Store,
    options: Partial<LiveOptions> = {},
  ) {
    this.options = { ...DEFAULT_LIVE_OPTIONS, ...options };
    this.buffer = new TraceBuffer(this.options.buffer);
    this.period = new Analyser({ windowUs: this.options.windowUs });
  }

  /** Resumes the running trace count of an earlier run on the same store. */
  async start(): Promise<void> {
    const [progress] = await this.store.aggregates.progress(this.options.source);
    this.revision = progress?.revision ?? 0;
    this.counts.tracesWritten = progress ? Number(progress.offset) : 0;
  }

  accepting(): boolean {
    return this.buffer.stats().bufferedSpans < this.buffer.options.maxBufferedSpans;
  }

  offer(spans: readonly Span[], nowUs: number): void {
    for (const span of spans) {
      this.buffer.push(span, nowUs);
      const request = variantRequest(span);
      if (request && this.recentRoots.add(span)) this.variantRequests.push(request);
    }
    this.counts.spansReceived += spans.length;
  }

  /** Completes the traces idle at `nowUs` and analyses them; returns how many completed. */
  cut(nowUs: number): number {
    return this.analyse(this.buffer.cutIdle(nowUs));
  }

  /**
   * Records the variants' requests since the last flush for the rollout in progress (the one started
   * last, should there be several); without one they are dropped and counted.
   */
  async recordVariants(at: Date): Promise<number> {
    const requests = this.variantRequests;
    if (requests.length === 0) return 0;
    this.variantRequests = [];
    const [latest] = (await this.store.rollouts.inProgress()).sort(
      (a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.id - a.id,
    );
    if (!latest) {
      this.counts.variantRequestsDropped += requests.length;
      return 0;
    }
    await this.store.rollouts.observe(
      latest.id,
      requests.map((r) => ({ ...r, at })),
    );
    this.counts.variantRequests += requests.length;
    return requests.length;
  }

  /** Writes the windows of the traces completed since the last flush (none: no write), and the variants' requests. */
  async flush(at: Date): Promise<WriteSummary | null> {
    this.lastFlushAt = at;
    await this.recordVariants(at);
    if (this.pendingTraces === 0) return null;
    const result = this.period.finish();
    const windows = [...result.windows.windows.values()];
    const traces = this.counts.tracesWritten + this.pendingTraces;
    const progress = await this.commit(windows, traces, at);
    this.revision = progress.revision;
    this.counts.tracesWritten = traces;
    this.counts.windowsWritten += windows.length;
    this.epoch.addWindows(result.total);
    this.period = new Analyser({ windowUs: this.options.windowUs });
    this.pendingTraces = 0;
    return { windows: windows.length, edges: result.total.edges.size, units: result.total.units.size };
  }

  /**
   * Plans on the epoch's traces when enough arrived since the last plan, and stores the proposal
   * (the same content is the existing proposal). Call right after `flush`, so the edge totals cover
   * every trace PlanData holds.
   */
  async plan(at: Date): Promise<ProposeResult | null> {
    const { epoch } = this;
    if (epoch.fresh === 0 || epoch.traces < this.options.planMinTraces) return null;
    this.lastPlanAt = at;
    const planned = epoch.plan(this.options.catalog, this.options.plan);
    if (epoch.traces >= this.options.planMaxTraces) this.epoch = new PlanningEpoch();
    const result = await proposePlanned(this.store, planned, { ...this.options, at });
    if (result.created) this.counts.proposals++;
    return result;
  }

  /** Shutdown: every buffered trace is completed and written. */
  async drain(at: Date): Promise<void> {
    this.analyse(this.buffer.flush());
    await this.flush(at);
  }

  stats(): LiveStats {
    return {
      ...this.counts,
      bufferedSpans: this.buffer.stats().bufferedSpans,
      lastFlushAt: this.lastFlushAt,
      lastPlanAt: this.lastPlanAt,
    };
  }

  private analyse(traces: Trace[]): number {
    for (const trace of traces) {
      const tree = buildCallTree(trace);
      this.period.add(tree);
      this.epoch.add(tree);
    }
    this.pendingTraces += traces.length;
    this.counts.tracesCompleted += traces.length;
    return traces.length;
  }

  private async commit(windows: readonly WindowAggregate[], traces: number, at: Date): Promise<Progress> {
    const batch = {
      source: this.options.source,
      partition: 0,
      windowUs: this.options.windowUs,
      windows,
      progress: { offset: String(traces), state: { traces } },
      at,
    };
    try {
      return await this.store.aggregates.commit({ ...batch, expectedRevision: this.revision });
    } catch (error) {
      if (!(error instanceof NanofuseError) || error.code !== "NF_STORE_PROGRESS_CONFLICT") throw error;
      // Another server wrote the same source: these windows are new either way, so add them on top.
      const [progress] = await this.store.aggregates.progress(this.options.source);
      return this.store.aggregates.commit({ ...batch, expectedRevision: progress?.revision ?? 0 });
    }
  }
}

/**
 * What a planning run needs of the traces seen so far: PlanData for re-timing, the per-edge totals
 * (merged from the windows as they are written, so the planner sees exactly what the store holds for
 * these traces), and the critical paths of the traces PlanData keeps as exemplars, so the proposal can
 * carry them as evidence. No I/O, no clock. The live pipeline starts a new epoch once one has held
 * `maxTraces` traces and was planned on, which bounds its memory.
 */
import { WindowAggregate, WindowedAggregates } from "../analyse/aggregates.ts";
import { withServiceGraph } from "../analyse/analyser.ts";
import { edgeReports } from "../analyse/report.ts";
import { analyseTrace, type PathEntry } from "../analyse/trace-analysis.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { Catalog } from "../model/catalog.ts";
import { PlanData } from "../plan/plan-data.ts";
import { type PlanOptions, plan } from "../plan/planner.ts";
import type { Proposal } from "../plan/proposal.ts";
import type { ExemplarTrace } from "../store/store.ts";

export interface PlannedEpoch {
  proposal: Proposal;
  /** The exemplar traces the proposal's evidence names, with their critical paths. */
  exemplars: ExemplarTrace[];
}

export class PlanningEpoch {
  readonly data = new PlanData();
  private readonly total = new WindowAggregate(Number.NaN);
  private readonly paths = new Map<string, PathEntry[]>();
  /** Traces added since the last plan. */
  fresh = 0;

  get traces(): number {
    return this.data.traces.count;
  }

  add(tree: CallTree): void {
    const traceId = this.data.traces.traceIds[this.data.add(tree)];
    this.fresh++;
    if (this.paths.has(traceId)) return;
    for (const hop of tree.hops) {
      const kept = this.data.exemplars.get(`${hop.from}\u0000${hop.to}`);
      if (kept?.some((e) => e.traceId === traceId)) {
        this.paths.set(traceId, analyseTrace(tree).paths);
        return;
      }
    }
  }

  /** The aggregate of traces already added, as written to the store. */
  addWindows(total: WindowAggregate): void {
    this.total.merge(total);
  }

  plan(catalog: Catalog, options: Partial<PlanOptions> = {}): PlannedEpoch {
    const analysis = withServiceGraph({
      windows: new WindowedAggregates(),
      total: this.total,
      paths: [],
      coldStarts: 0,
    });
    const proposal = plan(this.data, edgeReports(analysis), catalog, undefined, options);
    this.fresh = 0;
    const named = new Set(proposal.merges.flatMap((m) => m.edges.flatMap((e) => e.exemplarTraceIds)));
    const exemplars = [...named].sort().flatMap((traceId) => {
      const paths = this.paths.get(traceId);
      return paths ? [{ traceId, paths }] : [];
    });
    this.forgetDisplaced();
    return { proposal, exemplars };
  }

  /** Paths of traces that are no longer exemplars of any edge. */
  private forgetDisplaced(): void {
    const kept = new Set<string>();
    for (const list of this.data.exemplars.values()) for (const e of list) kept.add(e.traceId);
    for (const traceId of this.paths.keys()) if (!kept.has(traceId)) this.paths.delete(traceId);
  }
}

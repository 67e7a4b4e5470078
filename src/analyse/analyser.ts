/**
 * The analysis of a stream of call trees: per-trace measurements folded into windowed aggregates,
 * cold starts inferred once all invocations are known, and the service graph. No I/O, no clock.
 */
import type { CallTree } from "../model/call-tree.ts";
import { DEFAULT_WINDOW_US, type WindowAggregate, WindowedAggregates } from "./aggregates.ts";
import { DEFAULT_KEEP_ALIVE_US, InvocationLog } from "./cold-start.ts";
import { buildServiceGraph, type ServiceGraph } from "./service-graph.ts";
import { analyseTrace, type PathEntry } from "./trace-analysis.ts";

export interface AnalyserOptions {
  windowUs: number;
  keepAliveUs: (unit: string) => number;
  /** Keep every trace's critical paths for the report. */
  perTrace: boolean;
}

export interface AnalysisResult {
  windows: WindowedAggregates;
  total: WindowAggregate;
  graph: ServiceGraph;
  paths: PathEntry[];
  coldStarts: number;
}

/**
 * The result with its service graph built on first read, once: the graph's betweenness is the costly
 * part, and a caller that only needs edges and units (plan) never pays for it.
 */
export function withServiceGraph(parts: Omit<AnalysisResult, "graph">): AnalysisResult {
  let graph: ServiceGraph | undefined;
  return {
    ...parts,
    get graph() {
      graph ??= buildServiceGraph(parts.total);
      return graph;
    },
  };
}

export class Analyser {
  private readonly options: AnalyserOptions;
  private readonly windows: WindowedAggregates;
  private readonly invocations: InvocationLog;
  private readonly paths: PathEntry[] = [];

  constructor(options: Partial<AnalyserOptions> = {}) {
    this.options = {
      windowUs: DEFAULT_WINDOW_US,
      keepAliveUs: () => DEFAULT_KEEP_ALIVE_US,
      perTrace: false,
      ...options,
    };
    this.windows = new WindowedAggregates(this.options.windowUs);
    this.invocations = new InvocationLog(this.options.keepAliveUs);
  }

  add(tree: CallTree): void {
    const analysis = analyseTrace(tree);
    this.windows.add(tree, analysis);
    this.invocations.add(tree, analysis.criticalBySpan);
    if (this.options.perTrace) this.paths.push(...analysis.paths);
  }

  finish(): AnalysisResult {
    const cold = this.invocations.coldStarts();
    for (const inv of cold) {
      const unit = this.windows.windowAt(inv.startUs).unit(inv.unit);
      unit.coldStarts++;
      unit.coldStartCriticalPathUs += inv.criticalUs;
    }
    const total = this.windows.total();
    const paths = [...this.paths].sort(
      (a, b) => a.startUs - b.startUs || (a.traceId + a.rootSpanId < b.traceId + b.rootSpanId ? -1 : 1),
    );
    return withServiceGraph({ windows: this.windows, total, paths, coldStarts: cold.length });
  }
}

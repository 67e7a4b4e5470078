/** The API's answers as the dashboard reads them (src/api/schemas.ts; plans as src/plan/proposal.ts writes them). */
import type { UnitReport } from "../analyse/report.ts";

/** A unit as GET /api/graph gives it: what `analyse` reports of it. */
export type UnitNode = UnitReport;
export interface Link {
  from: string;
  to: string;
  calls: number;
  criticalPathNetworkUs: number;
}
export interface GraphAnswer {
  nodes: UnitNode[];
  links: Link[];
}
export interface Interval {
  low: number;
  high: number;
}
export interface Figures {
  p50Us: number;
  p95Us: number;
  p99Us: number;
  meanUs?: number;
  groups?: number;
  ci?: Record<"p50Us" | "p95Us" | "p99Us", Interval>;
  baseCostPerHour?: number;
  computeCostPerHour?: number;
  coldStartsPerHour?: number;
}
export interface Predicted {
  traces?: number;
  baseline?: Figures;
  proposed?: Figures;
}
export interface MergeEdge {
  from: string;
  to: string;
  calls: number;
  networkP50Us: number;
  criticalPathNetworkUs: number;
  exemplarTraceIds: string[];
}
export interface Merge {
  kind: string;
  units: string[];
  into: string[];
  reason: string;
  meanLatencyChangeUs: number;
  edges: MergeEdge[];
}
export interface Plan {
  groups: string[][];
  current: string[][];
  diff?: { added: string[][]; removed: string[][]; moved: string[] };
  merges?: Merge[];
  currentViolations?: unknown[];
}
export interface Summary {
  id: number;
  scope: string;
  version: number;
  revision: number;
  state: string;
  contentHash: string;
  supersedes: number | null;
  supersededBy: number | null;
  predicted: Predicted;
  createdAt: string;
  updatedAt: string;
}
export interface Proposal extends Summary {
  plan: Plan;
  exemplarTraceIds: string[];
}
export interface Audit {
  id: number;
  at: string;
  actor: string;
  action: string;
  from: string | null;
  to: string;
  reason: string | null;
  revision: number;
}
export interface Rollout {
  id: number;
  variant: string;
  trafficShare: number;
  startedAt: string;
  endedAt: string | null;
  outcome: string | null;
  judgements: Record<string, unknown>[];
}
export interface ProposalAnswer {
  proposal: Proposal;
  versions: Summary[];
  audit: Audit[];
  rollouts: Rollout[];
}
export interface Section {
  unit: string;
  spanId: string;
  operation: string;
  startUs: number;
  endUs: number;
}
export interface CriticalPath {
  traceId: string;
  rootSpanId: string;
  orphan: boolean;
  startUs: number;
  durationUs: number;
  sections: Section[];
}
export interface TraceAnswer {
  traceId: string;
  paths: CriticalPath[];
}

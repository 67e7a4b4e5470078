/**
 * A proposal as users and tools read it: the full clustering, the diff from the current one, the
 * predicted effect with intervals, and per merge its evidence (edges, calls, critical-path network
 * time removed, exemplar trace ids) and a one-sentence reason. The content hash identifies the
 * clustering, so the same plan from the same traces always has the same hash.
 */
import { createHash } from "node:crypto";
import type { ClusteringManifest } from "../host/types.ts";
import { type Clustering, type ClusteringDiff, diff } from "./clustering.ts";
import type { Figures } from "./what-if.ts";

export interface EdgeEvidence {
  from: string;
  to: string;
  calls: number;
  criticalPathNetworkUs: number;
  networkP50Us: number;
  exemplarTraceIds: string[];
}

export interface MergeReport {
  kind: "merge" | "move" | "split";
  units: string[];
  into: string[];
  /** Objective gain of this step (lower objective is better, so positive is good). */
  gain: number;
  /** Predicted mean end-to-end latency change of this step, µs (negative is faster). */
  meanLatencyChangeUs: number;
  edges: EdgeEvidence[];
  reason: string;
}

export interface Proposal {
  contentHash: string;
  groups: Clustering;
  current: Clustering;
  diff: ClusteringDiff;
  predicted: { baseline: Figures; proposed: Figures; traces: number };
  merges: MergeReport[];
  /** Constraint violations of the current clustering, if any (the proposal has none). */
  currentViolations: string[];
}

export function contentHash(groups: Clustering): string {
  return createHash("sha256").update(JSON.stringify(groups)).digest("hex");
}

export function buildProposal(parts: Omit<Proposal, "contentHash" | "diff">): Proposal {
  return { contentHash: contentHash(parts.groups), ...parts, diff: diff(parts.current, parts.groups) };
}

const ms = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

/** One sentence a reviewer can check against the evidence. */
export function reasonFor(step: Omit<MergeReport, "reason">): string {
  const who = `${step.units.join(", ")} ${step.kind === "split" ? "out of" : "with"} ${step.into.join(", ")}`;
  const calls = step.edges.reduce((sum, e) => sum + e.calls, 0);
  const removed = step.edges.reduce((sum, e) => sum + e.criticalPathNetworkUs, 0);
  const effect = `${step.meanLatencyChangeUs <= 0 ? "cuts" : "adds"} ${ms(Math.abs(step.meanLatencyChangeUs))} of mean end-to-end latency`;
  if (step.kind === "split")
    return `Splitting ${who} ${effect}, as the traces show the group holding calls up.`;
  if (calls === 0)
    return `Moving ${who} ${effect} through cold starts and base cost, not calls between them.`;
  return `${step.kind === "merge" ? "Merging" : "Moving"} ${who} turns ${calls} recorded calls into in-process calls and ${effect} (${ms(removed)} of network time on critical paths in the recording).`;
}

/**
 * The manifest `nanofuse host` runs: a fused group is named after its units, in the characters a
 * group name may use (src/host/manifest.ts: letters, digits, '.', '_', '-'; at most 63), made unique.
 */
export function toManifest(proposal: Pick<Proposal, "groups" | "contentHash">): ClusteringManifest {
  const taken = new Set<string>();
  const nameOf = (units: string[]) => {
    const raw = units.length <= 3 ? units.join("_") : `${units[0]}_${units.length - 1}-more`;
    const base =
      raw
        .replace(/[^A-Za-z0-9._-]/g, "-")
        .replace(/^[^A-Za-z0-9]+/, "")
        .slice(0, 56) || "group";
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
    taken.add(name);
    return name;
  };
  return {
    version: proposal.contentHash.slice(0, 12),
    groups: proposal.groups.map((units) => ({ name: nameOf(units), units })),
  };
}

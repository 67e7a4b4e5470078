/**
 * What planning keeps of the recorded traces: each trace packed for re-timing, each unit's
 * invocations (for cold starts), and the observed time span (for rates per hour).
 */
import type { CallTree } from "../model/call-tree.ts";
import { type CompactTrace, compactTrace, UnitTable } from "./compact-trace.ts";

const SERVER = 2;
const CONSUMER = 5;

export class PlanData {
  readonly units = new UnitTable();
  readonly traces: CompactTrace[] = [];
  /** Per unit id: invocation starts and ends, absolute µs, unsorted until `seal()`. */
  readonly invocations: { start: number[]; end: number[] }[] = [];
  /** Per callee unit id: network time of each recorded synchronous hop into it, µs. */
  readonly hopNetwork: number[][] = [];
  firstUs = Number.POSITIVE_INFINITY;
  lastUs = Number.NEGATIVE_INFINITY;

  add(tree: CallTree): CompactTrace {
    const t = compactTrace(tree, this.units);
    this.traces.push(t);
    for (const hop of tree.hops) {
      if (hop.mode !== "sync" || hop.virtual || hop.estimated) continue;
      const callee = this.units.id(hop.to);
      (this.hopNetwork[callee] ??= []).push(hop.networkUs);
    }
    for (let i = 0; i < t.unit.length; i++) {
      const p = t.parent[i];
      const entry = p === -1 || t.kind[i] === SERVER || t.kind[i] === CONSUMER || t.unit[p] !== t.unit[i];
      if (!entry) continue;
      const u = t.unit[i];
      this.invocations[u] ??= { start: [], end: [] };
      this.invocations[u].start.push(t.baseUs + t.start[i]);
      this.invocations[u].end.push(t.baseUs + t.end[i]);
      this.firstUs = Math.min(this.firstUs, t.baseUs + t.start[i]);
      this.lastUs = Math.max(this.lastUs, t.baseUs + t.end[i]);
    }
    return t;
  }

  /** Hours of recording, at least one second's worth, so rates stay finite. */
  hours(): number {
    return Math.max(1e6, this.lastUs - this.firstUs) / 3.6e9;
  }

  /** Traces in a stable order (by start, then trace id), whatever order they were added in. */
  sortedTraces(): CompactTrace[] {
    return [...this.traces].sort(
      (a, b) => a.baseUs - b.baseUs || (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0),
    );
  }
}

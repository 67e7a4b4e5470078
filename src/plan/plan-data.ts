/**
 * What planning keeps of the recorded traces: each trace packed for re-timing, each unit's
 * invocations (for cold starts), and the observed time span (for rates per hour).
 */
import type { CallTree } from "../model/call-tree.ts";
import { type CompactTrace, compactTrace, UnitTable } from "./compact-trace.ts";

const SERVER = 2;
const EXEMPLARS = 3;
const CONSUMER = 5;

export class PlanData {
  readonly units = new UnitTable();
  readonly traces: CompactTrace[] = [];
  /** Per unit id: invocation starts and ends, absolute µs, unsorted until `seal()`. */
  readonly invocations: { start: number[]; end: number[] }[] = [];
  /** Per callee unit id: network time of each recorded synchronous hop into it, µs. */
  readonly hopNetwork: number[][] = [];
  /** Per edge `from\u0000to`: the traces where its hop cost the most network time (evidence). */
  readonly exemplars = new Map<string, { traceId: string; networkUs: number }[]>();
  /** Per unit: the process it was recorded in (`nanofuse.group`, else `service.name` when it differs). */
  readonly processOf = new Map<string, string>();
  firstUs = Number.POSITIVE_INFINITY;
  lastUs = Number.NEGATIVE_INFINITY;

  add(tree: CallTree): CompactTrace {
    const t = compactTrace(tree, this.units);
    this.traces.push(t);
    for (const hop of tree.hops) {
      if (hop.mode !== "sync" || hop.virtual) continue;
      this.keepExemplar(`${hop.from}\u0000${hop.to}`, t.traceId, hop.networkUs);
      if (hop.estimated) continue;
      const callee = this.units.id(hop.to);
      this.hopNetwork[callee] ??= [];
      this.hopNetwork[callee].push(hop.networkUs);
    }
    for (const node of tree.nodes.values()) {
      const { unit, resource } = node.span;
      if (this.processOf.has(unit)) continue;
      const process = resource["nanofuse.group"] ?? resource["service.name"];
      if (typeof process === "string" && process !== unit) this.processOf.set(unit, process);
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

  private keepExemplar(edge: string, traceId: string, networkUs: number): void {
    const list = this.exemplars.get(edge) ?? [];
    if (list.some((e) => e.traceId === traceId)) return;
    list.push({ traceId, networkUs });
    list.sort((a, b) => b.networkUs - a.networkUs || (a.traceId < b.traceId ? -1 : 1));
    if (list.length > EXEMPLARS) list.pop();
    this.exemplars.set(edge, list);
  }

  /** The clustering the traces were recorded under: units sharing a process are one group. */
  recordedClustering(): string[][] {
    const groups = new Map<string, string[]>();
    for (const unit of this.units.names) {
      const key = this.processOf.get(unit) ?? unit;
      groups.set(key, [...(groups.get(key) ?? []), unit]);
    }
    return [...groups.values()];
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

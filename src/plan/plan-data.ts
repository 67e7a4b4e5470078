/**
 * What planning keeps of the recorded traces: each trace packed for re-timing, the rows of each
 * invocation (for cold starts), and the observed time span (for rates per hour).
 */
import type { CallTree } from "../model/call-tree.ts";
import { KIND_CODE, TraceColumns, UnitTable } from "./compact-trace.ts";
import type { Invocations } from "./cost/cold-starts.ts";
import { splitNetworkByUnit } from "./cost/in-process-call.ts";
import { grow, trimmed } from "./growable.ts";

const { server: SERVER, consumer: CONSUMER } = KIND_CODE;
const EXEMPLARS = 3;
/** Unit ids stay below this (2^26), so a (caller, callee) pair packs into one safe integer. */
const BUSY_KEY_BASE = 2 ** 26;

export class PlanData {
  readonly units = new UnitTable();
  /** Every trace's call tree, in one column store (no object per trace). */
  readonly traces = new TraceColumns();
  /** Per callee unit id: network time of each recorded synchronous hop into it, µs. */
  readonly hopNetwork: number[][] = [];
  /** Per edge `from\u0000to`: the traces where its hop cost the most network time (evidence). */
  readonly exemplars = new Map<string, { traceId: string; networkUs: number }[]>();
  /** Per unit: the process it was recorded in (`nanofuse.group`, else `service.name` when it differs). */
  readonly processOf = new Map<string, string>();
  /** Invocation time per (calling unit id, invoked unit id), µs; the caller is -1 for a root (compute cost). */
  readonly busy = new Map<number, { caller: number; callee: number; us: number }>();
  firstUs = Number.POSITIVE_INFINITY;
  lastUs = Number.NEGATIVE_INFINITY;

  private readonly exemplarIndex = new Map<string, Map<string, { traceId: string; networkUs: number }[]>>();
  private split?: Float64Array;
  /** Parent rows of the trace being added (TraceColumns does not keep them). */
  private parentRows = new Int32Array(1024);
  /**
   * Rows (in `traces`) of every invocation (entry span), in arrival order, so increasing: its unit,
   * start and end are the row's, 4 bytes rather than two numbers each (`sortedInvocations`).
   */
  private entryRows = new Int32Array(0);
  private entries = 0;
  /** Per unit id: invocation starts and ends, absolute µs, in arrival order, until sorted. */
  private arrivals?: ({ start: Float64Array; end: Float64Array } | undefined)[];
  private sortedByUnit: (Invocations | undefined)[] = [];
  private sorted?: Int32Array;

  /** Adds the tree and returns its trace index in `traces`. */
  add(tree: CallTree): number {
    this.split = undefined;
    this.sortedByUnit = [];
    this.arrivals = undefined;
    this.sorted = undefined;
    if (this.parentRows.length < tree.nodes.size) this.parentRows = new Int32Array(2 * tree.nodes.size);
    const t = this.traces;
    const index = t.add(tree, this.units, this.parentRows);
    const traceId = t.traceIds[index];
    const o = t.rowStart[index];
    const baseUs = t.baseUs[index];
    for (const hop of tree.hops) {
      if (hop.mode !== "sync" || hop.virtual) continue;
      this.keepExemplar(this.exemplarList(hop.from, hop.to), traceId, hop.networkUs);
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
    for (let r = 0; r < tree.nodes.size; r++) {
      const i = o + r;
      const p = this.parentRows[r] === -1 ? -1 : o + this.parentRows[r];
      const entry = p === -1 || t.kind[i] === SERVER || t.kind[i] === CONSUMER || t.unit[p] !== t.unit[i];
      if (!entry) continue;
      const u = t.unit[i];
      this.entryRows = grow(this.entryRows, this.entries + 1);
      this.entryRows[this.entries++] = i;
      const caller = p === -1 ? -1 : t.unit[p];
      // A number, not a string, per entry span: (caller + 1, callee) packed below 2^53.
      const key = (caller + 1) * BUSY_KEY_BASE + u;
      let busy = this.busy.get(key);
      if (!busy) {
        busy = { caller, callee: u, us: 0 };
        this.busy.set(key, busy);
      }
      busy.us += t.end[i] - t.start[i];
      this.firstUs = Math.min(this.firstUs, baseUs + t.start[i]);
      this.lastUs = Math.max(this.lastUs, baseUs + t.end[i]);
    }
    return index;
  }

  /** Network time an in-process call gains when split apart, per callee unit id (cost/in-process-call.ts). */
  splitNetworkUs(): Float64Array {
    this.split ??= splitNetworkByUnit(this.hopNetwork, this.units.names.length);
    return this.split;
  }

  /** The exemplar list of an edge, found by a two-level look-up: no key string per hop. */
  private exemplarList(from: string, to: string): { traceId: string; networkUs: number }[] {
    let byTo = this.exemplarIndex.get(from);
    if (!byTo) {
      byTo = new Map();
      this.exemplarIndex.set(from, byTo);
    }
    let list = byTo.get(to);
    if (!list) {
      list = [];
      byTo.set(to, list);
      this.exemplars.set(`${from}\u0000${to}`, list);
    }
    return list;
  }

  private keepExemplar(
    list: { traceId: string; networkUs: number }[],
    traceId: string,
    networkUs: number,
  ): void {
    const worst = list[list.length - 1];
    if (
      list.length === EXEMPLARS &&
      (networkUs < worst.networkUs || (networkUs === worst.networkUs && traceId >= worst.traceId))
    )
      return;
    if (list.some((e) => e.traceId === traceId)) return;
    list.push({ traceId, networkUs });
    list.sort((a, b) => b.networkUs - a.networkUs || (a.traceId < b.traceId ? -1 : 1));
    if (list.length > EXEMPLARS) list.pop();
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

  /**
   * Trace indices in a stable order (by start, then trace id), whatever order they were added in. Sorted
   * once until the next `add`: the evaluator and both what-ifs of a plan read it.
   */
  sortedTraces(): Int32Array {
    if (!this.sorted) {
      // Planning starts here: the columns' growth slack is not held through it.
      this.traces.trim();
      this.entryRows = trimmed(this.entryRows, this.entries);
      const { baseUs, traceIds } = this.traces;
      const order = Array.from({ length: this.traces.count }, (_, i) => i).sort(
        (a, b) =>
          baseUs[a] - baseUs[b] || (traceIds[a] < traceIds[b] ? -1 : traceIds[a] > traceIds[b] ? 1 : 0),
      );
      this.sorted = Int32Array.from(order);
    }
    return this.sorted;
  }

  /** A unit's invocations sorted by start, then end (what coldStartCount merges); once until the next `add`. */
  sortedInvocations(unit: number): Invocations | undefined {
    let sorted = this.sortedByUnit[unit];
    if (sorted) return sorted;
    this.arrivals ??= this.invocationsByUnit();
    const inv = this.arrivals[unit];
    if (!inv) return undefined;
    // Traces arrive nearly in time order: Array.prototype.sort (TimSort) runs through sorted runs.
    const order = Array.from(inv.start, (_, i) => i).sort(
      (a, b) => inv.start[a] - inv.start[b] || inv.end[a] - inv.end[b],
    );
    sorted = {
      start: Float64Array.from(order, (i) => inv.start[i]),
      end: Float64Array.from(order, (i) => inv.end[i]),
    };
    this.sortedByUnit[unit] = sorted;
    this.arrivals[unit] = undefined;
    return sorted;
  }

  /** Each unit's invocations, absolute µs, in arrival order: one pass over the entry rows. */
  private invocationsByUnit(): ({ start: Float64Array; end: Float64Array } | undefined)[] {
    const t = this.traces;
    const counts = new Int32Array(this.units.names.length);
    for (let e = 0; e < this.entries; e++) counts[t.unit[this.entryRows[e]]]++;
    const out = Array.from(counts, (n) =>
      n ? { start: new Float64Array(n), end: new Float64Array(n) } : undefined,
    );
    const filled = new Int32Array(counts.length);
    // Entry rows increase, so the trace owning each one is found by walking the traces alongside.
    let trace = 0;
    for (let e = 0; e < this.entries; e++) {
      const row = this.entryRows[e];
      while (t.rowStart[trace + 1] <= row) trace++;
      const u = t.unit[row];
      const inv = out[u] as { start: Float64Array; end: Float64Array };
      const k = filled[u]++;
      inv.start[k] = t.baseUs[trace] + t.start[row];
      inv.end[k] = t.baseUs[trace] + t.end[row];
    }
    return out;
  }
}

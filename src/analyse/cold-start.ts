/**
 * Cold starts (DESIGN.md "Data contracts" → Cold start). Where a unit's spans carry the OTel
 * semantic-convention attribute `faas.coldstart`, it is trusted. Otherwise an invocation that
 * follows an idle gap longer than the unit's keep-alive is a likely cold start. The first invocation
 * of a unit seen is not counted: what came before it is unknown.
 *
 * Default keep-alive: 600 s (a common serverless idle timeout; configurable per unit).
 * Invocations are kept column-wise (a few numbers each), since a long replay sees millions.
 */
import type { CallTree } from "../model/call-tree.ts";
import { isCallee } from "../model/span.ts";

export const DEFAULT_KEEP_ALIVE_US = 600_000_000;

const UNKNOWN = 0;
const COLD = 1;
const WARM = 2;

export interface ColdStart {
  unit: string;
  startUs: number;
  /** The cold invocation's own time on the critical path. */
  criticalUs: number;
}

class UnitInvocations {
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly marked: number[] = [];
  readonly criticalUs: number[] = [];
  instrumented = false;
}

/** An entry span of a unit: a root or orphan, a SERVER/CONSUMER span, or a span called from another unit. */
function isEntry(node: CallTree["roots"][number]): boolean {
  const { span, parent } = node;
  return !parent || isCallee(span.kind) || parent.span.unit !== span.unit;
}

export class InvocationLog {
  private readonly byUnit = new Map<string, UnitInvocations>();

  add(tree: CallTree, criticalBySpan: ReadonlyMap<string, number>): void {
    for (const node of tree.nodes.values()) {
      if (!isEntry(node)) continue;
      const { span } = node;
      let log = this.byUnit.get(span.unit);
      if (!log) {
        log = new UnitInvocations();
        this.byUnit.set(span.unit, log);
      }
      const flag = span.attributes["faas.coldstart"] ?? span.resource["faas.coldstart"];
      const marked = flag === undefined ? UNKNOWN : flag === true || flag === "true" ? COLD : WARM;
      if (marked !== UNKNOWN) log.instrumented = true;
      log.start.push(span.startUs);
      log.end.push(span.endUs);
      log.marked.push(marked);
      log.criticalUs.push(criticalBySpan.get(span.spanId) ?? 0);
    }
  }

  /** The cold starts, by unit then start. Does not depend on the order traces were added in. */
  coldStarts(keepAliveUs: (unit: string) => number): ColdStart[] {
    const out: ColdStart[] = [];
    for (const unit of [...this.byUnit.keys()].sort()) {
      const log = this.byUnit.get(unit) as UnitInvocations;
      const order = log.start.map((_, i) => i);
      order.sort(
        (a, b) =>
          log.start[a] - log.start[b] || log.end[a] - log.end[b] || log.criticalUs[a] - log.criticalUs[b],
      );
      const keepAlive = keepAliveUs(unit);
      let lastEnd = Number.NEGATIVE_INFINITY;
      for (const i of order) {
        const cold = log.instrumented
          ? log.marked[i] === COLD
          : lastEnd !== Number.NEGATIVE_INFINITY && log.start[i] - lastEnd > keepAlive;
        if (cold) out.push({ unit, startUs: log.start[i], criticalUs: log.criticalUs[i] });
        lastEnd = Math.max(lastEnd, log.end[i]);
      }
    }
    return out;
  }
}

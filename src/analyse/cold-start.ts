/**
 * Cold starts (DESIGN.md "Data contracts" → Cold start). Where a unit's spans carry the OTel
 * semantic-convention attribute `faas.coldstart`, it is trusted. Otherwise an invocation that
 * follows an idle gap longer than the unit's keep-alive is a likely cold start. The first invocation
 * of a unit seen is not counted: what came before it is unknown.
 *
 * Default keep-alive: 600 s (a common serverless idle timeout; configurable per unit).
 * Invocations are folded into idle clusters as they arrive (idle-clusters.ts), so memory grows with
 * the cold starts, not with the invocations of a long replay.
 */
import type { CallTree } from "../model/call-tree.ts";
import { isCallee } from "../model/span.ts";
import { IdleClusters, type Invocation } from "./idle-clusters.ts";

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
  readonly clusters: IdleClusters;
  /** The invocations marked `faas.coldstart: true`: the cold starts once the unit is instrumented. */
  readonly marked: Invocation[] = [];
  instrumented = false;

  constructor(keepAliveUs: number) {
    this.clusters = new IdleClusters(keepAliveUs);
  }
}

/** An entry span of a unit: a root or orphan, a SERVER/CONSUMER span, or a span called from another unit. */
function isEntry(node: CallTree["roots"][number]): boolean {
  const { span, parent } = node;
  return !parent || isCallee(span.kind) || parent.span.unit !== span.unit;
}

const inOrder = (a: Invocation, b: Invocation) =>
  a.start - b.start || a.end - b.end || a.criticalUs - b.criticalUs;

export class InvocationLog {
  private readonly byUnit = new Map<string, UnitInvocations>();

  constructor(private readonly keepAliveUs: (unit: string) => number = () => DEFAULT_KEEP_ALIVE_US) {}

  add(tree: CallTree, criticalBySpan: ReadonlyMap<string, number>): void {
    for (const node of tree.nodes.values()) {
      if (!isEntry(node)) continue;
      const { span } = node;
      let log = this.byUnit.get(span.unit);
      if (!log) {
        log = new UnitInvocations(this.keepAliveUs(span.unit));
        this.byUnit.set(span.unit, log);
      }
      const flag = span.attributes["faas.coldstart"] ?? span.resource["faas.coldstart"];
      const marked = flag === undefined ? UNKNOWN : flag === true || flag === "true" ? COLD : WARM;
      if (marked !== UNKNOWN) log.instrumented = true;
      const criticalUs = criticalBySpan.get(span.spanId) ?? 0;
      if (marked === COLD) log.marked.push({ start: span.startUs, end: span.endUs, criticalUs });
      // Until the unit shows a mark, its cold starts are inferred; once it does, the clusters go unused.
      if (!log.instrumented) log.clusters.add(span.startUs, span.endUs, criticalUs);
    }
  }

  /** The cold starts, by unit then start. Does not depend on the order traces were added in. */
  coldStarts(): ColdStart[] {
    const out: ColdStart[] = [];
    for (const unit of [...this.byUnit.keys()].sort()) {
      const log = this.byUnit.get(unit) as UnitInvocations;
      const cold = log.instrumented ? [...log.marked].sort(inOrder) : log.clusters.coldStarts();
      for (const inv of cold) out.push({ unit, startUs: inv.start, criticalUs: inv.criticalUs });
    }
    return out;
  }
}

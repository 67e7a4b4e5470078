/**
 * Warnings about what a plan rests on (issue 16.3): no catalog (runtimes unknown, defaults assumed),
 * a sample too small for its percentiles, and input that mixes several recorded layouts (their
 * latencies belong to different clusterings, so re-timing them as one recording mixes effects).
 * A layout is told apart by the recording's own attributes: `nanofuse.variant` on the resource, and
 * the process each unit ran in (`nanofuse.group`, else `service.name`).
 */
import { catalogue, type ErrorCode } from "../errors.ts";
import type { CallTree } from "../model/call-tree.ts";
import { DEFAULT_UNIT_SPEC } from "./catalog.ts";

export interface PlanWarning {
  code: ErrorCode;
  message: string;
}

export const warning = (code: ErrorCode, detail: string): PlanWarning => ({
  code,
  message: `${catalogue[code].message}: ${detail}`,
});

/** Below this many traces a p99 rests on one or two requests and rare call paths are likely missing. */
export const FEW_TRACES = 100;

const UNLABELLED = "(no nanofuse.variant)";

/** What layouts the traces were recorded under: variant labels, and the processes of each unit. */
export class LayoutCensus {
  /** Per variant label: traces. */
  readonly variants = new Map<string, number>();
  /** Per unit: the processes it was recorded in. */
  readonly processes = new Map<string, Set<string>>();
  traces = 0;

  add(tree: CallTree): void {
    this.traces++;
    const root = tree.roots[0] ?? tree.orphans[0];
    const label = root?.span.resource["nanofuse.variant"];
    const variant = typeof label === "string" ? label : UNLABELLED;
    this.variants.set(variant, (this.variants.get(variant) ?? 0) + 1);
    for (const node of tree.nodes.values()) {
      const { unit, resource } = node.span;
      const named = resource["nanofuse.group"] ?? resource["service.name"];
      const process = typeof named === "string" ? named : unit;
      let set = this.processes.get(unit);
      if (!set) {
        set = new Set();
        this.processes.set(unit, set);
      }
      set.add(process);
    }
  }

  /** Units recorded in more than one process, with those processes, sorted. */
  splitUnits(): [string, string[]][] {
    return [...this.processes]
      .filter(([, p]) => p.size > 1)
      .map(([u, p]): [string, string[]] => [u, [...p].sort()])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

const list = (xs: string[], max = 6) =>
  xs.length <= max ? xs.join(", ") : `${xs.slice(0, max).join(", ")} and ${xs.length - max} more`;

export function inputWarnings(input: { catalogGiven: boolean; census: LayoutCensus }): PlanWarning[] {
  const out: PlanWarning[] = [];
  const { census } = input;
  if (!input.catalogGiven) {
    const d = DEFAULT_UNIT_SPEC;
    out.push(
      warning(
        "NF_PLAN_NO_CATALOG",
        `runtimes are unknown: every unit taken as ${d.runtime}, ${d.memoryMb} MB, ${d.baseCostPerHour} $/h, keep-alive ${d.keepAliveSeconds} s, one request at a time, so units of different runtimes may be fused (give --catalog)`,
      ),
    );
  }
  if (census.traces > 0 && census.traces < FEW_TRACES)
    out.push(
      warning(
        "NF_PLAN_FEW_TRACES",
        `${census.traces} trace(s), fewer than ${FEW_TRACES}: the predicted percentiles and their intervals rest on few requests, and rare call paths are likely missing`,
      ),
    );
  const variants = [...census.variants].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const split = census.splitUnits();
  const labelled = variants.filter(([v]) => v !== UNLABELLED);
  if (labelled.length > 1 || split.length > 0) {
    const parts: string[] = [];
    if (variants.length > 1)
      parts.push(`nanofuse.variant ${variants.map(([v, n]) => `${v} (${n} traces)`).join(", ")}`);
    if (split.length > 0)
      parts.push(
        `units recorded in more than one process: ${list(split.map(([u, p]) => `${u} (${p.join(", ")})`))}`,
      );
    const layouts = Math.max(labelled.length, ...split.map(([, p]) => p.length));
    out.push(
      warning(
        "NF_PLAN_MIXED_LAYOUTS",
        `${layouts} layouts (${parts.join("; ")}); their latencies belong to different clusterings: plan one layout's traces at a time (e.g. one recording's files)`,
      ),
    );
  }
  return out;
}

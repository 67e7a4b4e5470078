/**
 * Compute cost: FaaS bills each invocation's duration × the memory of the function it runs in (AWS
 * Lambda, x86: $0.0000166667 per GB-second, the default here). A call between units of one group
 * runs inside its caller's invocation, so only invocations that enter a group from outside are billed,
 * at the group's memory. Fusing therefore saves billing a caller and a callee for the same wait, while
 * a hot, small unit fused with a large one is billed at the large one's memory on every call: the
 * "hot member" that a split undoes.
 */
import type { Catalog } from "../../model/catalog.ts";
import { groupMemoryMb } from "./base-cost.ts";

export const DEFAULT_PRICE_PER_GB_SECOND = 0.0000166667;

export interface Busy {
  caller: number;
  callee: number;
  us: number;
}

/**
 * `groupOf` maps unit ids to group indexes of `groups`; `hours` is the recording's length.
 */
export function computeCostPerHour(
  busy: Iterable<Busy>,
  groupOf: Int32Array,
  groups: readonly (readonly string[])[],
  catalog: Catalog,
  hours: number,
  pricePerGbSecond = DEFAULT_PRICE_PER_GB_SECOND,
): number {
  const memoryGb = groups.map((g) => groupMemoryMb(catalog, g) / 1024);
  let gbSeconds = 0;
  for (const b of busy) {
    const group = groupOf[b.callee];
    if (b.caller !== -1 && groupOf[b.caller] === group) continue;
    gbSeconds += (b.us / 1e6) * (memoryGb[group] ?? 0);
  }
  return (gbSeconds * pricePerGbSecond) / hours;
}

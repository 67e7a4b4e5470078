/**
 * The cost of a call that fusion turns from a network hop into an in-process call: the hop's network
 * time (client − server, DESIGN.md) is removed and this is added instead. Default 50 µs: argument
 * serialisation and a function call inside one Node process, an order of magnitude above a bare call
 * and two below a loopback HTTP round trip (Fusionize, Schirmer et al. 2022, measure fused calls
 * in this range).
 */
export const DEFAULT_IN_PROCESS_US = 50;

/**
 * The network time a call gains when fusion is undone (an in-process call becomes a hop): the median
 * of the recorded hops into the callee, else into any unit, else this default of 1 ms.
 */
export const DEFAULT_SPLIT_NETWORK_US = 1000;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function splitNetworkByUnit(
  hopNetwork: readonly (readonly number[] | undefined)[],
  unitCount: number,
): Float64Array {
  const all = median(hopNetwork.flatMap((list) => list ?? [])) ?? DEFAULT_SPLIT_NETWORK_US;
  const out = new Float64Array(unitCount);
  for (let u = 0; u < unitCount; u++) out[u] = median(hopNetwork[u] ?? []) ?? all;
  return out;
}

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

export function median(values: ArrayLike<number>): number | undefined {
  if (values.length === 0) return undefined;
  return select(Float64Array.from(values), Math.floor((values.length - 1) / 2));
}

/**
 * The k-th smallest value (Hoare's quickselect, middle pivot, in place): what sorting and reading
 * index k gives, in linear expected time, since a million traces record millions of hops.
 */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const x = a[i];
        a[i++] = a[j];
        a[j--] = x;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

export function splitNetworkByUnit(
  hopNetwork: readonly (readonly number[] | undefined)[],
  unitCount: number,
): Float64Array {
  let total = 0;
  for (const list of hopNetwork) total += list?.length ?? 0;
  const every = new Float64Array(total);
  let at = 0;
  for (const list of hopNetwork) {
    if (!list) continue;
    every.set(list, at);
    at += list.length;
  }
  const all = total ? select(every, Math.floor((total - 1) / 2)) : DEFAULT_SPLIT_NETWORK_US;
  const out = new Float64Array(unitCount);
  for (let u = 0; u < unitCount; u++) out[u] = median(hopNetwork[u] ?? []) ?? all;
  return out;
}

/**
 * Deterministic "dice" for the demo: every choice a real shop would leave to its customers (how many
 * items, gift wrapping, the destination) is derived from the request id, so a replay of the same
 * requests produces the same traces: no random source, no clock.
 *
 * FNV-1a 32-bit (Fowler, Noll, Vo; offset basis 2166136261, prime 16777619) turns text into a number,
 * then the "lowbias32" finaliser (C. Wellons, "Prospecting for Hash Functions", 2018) spreads its
 * bits, so that low digits of consecutive ids are not correlated (plain FNV-1a of "1", "2", ... is).
 */
export function hash32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, sides) for one named choice of one request: `roll(42, "giftwrap", 100)`. */
export function roll(requestId: number, choice: string, sides: number): number {
  return hash32(`${choice}:${requestId}`) % sides;
}

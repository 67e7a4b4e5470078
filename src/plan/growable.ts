/** Typed arrays grown in place of push-able arrays: columns of numbers with no object per element. */

/**
 * Capacity for at least `need` elements, grown by a quarter: the slack stays below a fifth of what
 * is held, for about four copies of the final size over all growth (memcpy, cheap beside the build).
 */
const grownTo = (capacity: number, need: number) => Math.max(need, Math.ceil(capacity * 1.25), 16);

function resized<T extends Float64Array | Int32Array | Uint8Array>(a: T, length: number): T {
  const next = new (a.constructor as new (n: number) => T)(length);
  next.set(a.length > length ? a.subarray(0, length) : a);
  return next;
}

export const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T =>
  a.length >= need ? a : resized(a, grownTo(a.length, need));

export const trimmed = <T extends Float64Array | Int32Array | Uint8Array>(a: T, length: number): T =>
  a.length === length ? a : resized(a, length);

/**
 * mulberry32 (public domain, Tommy Ettinger): a small, fast, seedable PRNG. Everything random in
 * nanofuse (bootstrap resamples, community seeding, generated test data) is seeded, so the same input
 * gives the same output and a failing case can be replayed.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Figures as people read them: durations from microseconds, shares, intervals. */
export function duration(us: number): string {
  if (!Number.isFinite(us)) return "–";
  const a = Math.abs(us);
  if (a >= 60e6) return `${(us / 60e6).toFixed(1)} min`;
  if (a >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (a >= 1e3) return `${(us / 1e3).toFixed(1)} ms`;
  return `${Math.round(us)} µs`;
}

export const interval = (low: number, high: number) => `${duration(low)} – ${duration(high)}`;

export const share = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : "–");

export const num = (x: number, digits = 3) =>
  Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : "–";

export const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");

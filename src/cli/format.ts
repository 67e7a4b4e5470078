/** Formatting shared by the text reports of the commands. */

/** Microseconds as milliseconds, one decimal, with thousands separators. */
export const ms = (us: number) => `${(us / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} ms`;

/** Rows as aligned columns: the first left-aligned, the others right-aligned. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i].length))) ?? [];
  return rows.map(
    (r) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("   ")}`,
  );
}

/** Formatting shared by the text reports of the commands. */

/**
 * C0 and C1 controls, DEL, and the bidirectional overrides and isolates ("Trojan Source",
 * CVE-2021-42574): a name from the input holding any of them could move the cursor, recolour or
 * clear the terminal, or reorder what the reader sees.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text from the input made safe for a terminal: every control character as a visible escape. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}

/** Lines as one text for a terminal, each made printable: every text report ends here. */
export const report = (lines: readonly string[]): string => `${lines.map(printable).join("\n")}\n`;

/** Microseconds as milliseconds, one decimal, with thousands separators. */
export const ms = (us: number) => `${(us / 1000).toLocaleString("en-US", { maximumFractionDigits: 1 })} ms`;

/** A part of a whole as a percentage with one decimal; "-" when the whole is zero. */
export const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "-");

/** Rows as aligned columns: the first left-aligned, the others right-aligned; cells made printable. */
export function table(rows: string[][]): string[] {
  const cells = rows.map((r) => r.map(printable));
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((r) => r[i].length))) ?? [];
  return cells.map(
    (r) => `  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("   ")}`,
  );
}

import { readFile, writeFile } from "node:fs/promises";

/** `current` with the block between `begin` and `end` replaced by `lines` (appended when absent). */
export function withReadmeBlock(current: string, begin: string, end: string, lines: string[]): string {
  const block = [begin, ...lines, end].join("\n");
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  return from !== -1 && to > from
    ? current.slice(0, from) + block + current.slice(to + end.length)
    : `${current.trimEnd()}\n\n${block}\n`;
}

/**
 * Replaces the block between `begin` and `end` in a README (or appends it), leaving the rest as a
 * person wrote it; `fallback` is the README's text when there is none yet.
 */
export async function writeReadmeBlock(
  file: string,
  begin: string,
  end: string,
  lines: string[],
  fallback: string,
) {
  const current = await readFile(file, "utf8").catch(() => fallback);
  await writeFile(file, withReadmeBlock(current, begin, end, lines));
}

/**
 * Expands the command line's paths: files as given, directories walked recursively (only files that
 * look like trace exports, so a README beside the data is not an error), globs through tinyglobby.
 * The result is sorted so a replay reads files in the same order on every machine, and holds each
 * file once: a file named twice (directly, through a directory and a glob, or through a symlink) is
 * kept where it first appears (by its real path), so it is not read, and its traces counted, twice.
 */
import { readdir, realpath, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";

const TRACE_FILE = /\.(json|jsonl|ndjson|pb|binpb|bin|proto|otlp)(\.gz)?$|\.gz$/i;

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile() && TRACE_FILE.test(entry.name)) out.push(full);
  }
}

/** Paths that match nothing are returned as they are, so that reading them reports the error. */
export async function expandPaths(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    if (isDynamicPattern(input)) {
      const matches = await glob(input, {
        onlyFiles: true,
        expandDirectories: false,
        absolute: isAbsolute(input),
      });
      out.push(...(matches.length ? matches.sort() : [input]));
      continue;
    }
    const info = await stat(input).catch(() => undefined);
    if (info?.isDirectory()) {
      const files: string[] = [];
      await walk(input, files);
      out.push(...files.sort());
    } else out.push(input);
  }
  return dedupe(out);
}

async function dedupe(paths: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const path of paths) {
    const real = await realpath(path).catch(() => path);
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(path);
  }
  return out;
}

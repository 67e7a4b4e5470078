/**
 * Where the time of V8 CPU profiles goes, such as `npm run bench -- --profile` writes to
 * bench/data/profiles/: `npx tsx bench/profile-summary.ts [--top N] <file.cpuprofile>...`.
 * Self time is the sampled time with the function on top of the stack, per function (name, file,
 * line:column of the code V8 ran, which under tsx is the transpiled module) and per source file;
 * total time is the time with the function anywhere on the stack (counted once per sample), listed
 * for the project's own functions (src/, bench/). Shares are of all samples, idle and GC included as
 * V8 records them (GC has no stack of its own).
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function where(url: string): string {
  if (!url) return "(native)";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const local = relative(ROOT, path);
  return local.startsWith("..") ? path : local.replace(/^node_modules\/(\.pnpm\/)?/, "");
}

export function summarise(profile: Profile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the next delta is the time sample i stood for.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + dt);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const name = (id: number) => {
    const { functionName, url, lineNumber, columnNumber } = (byId.get(id) as ProfileNode).callFrame;
    const file = where(url);
    return {
      file,
      fn: `${functionName || "(anonymous)"}  ${file}${url ? `:${lineNumber + 1}:${columnNumber + 1}` : ""}`,
    };
  };
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  const totals = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { file, fn } = name(id);
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    files.set(file, (files.get(file) ?? 0) + us);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = name(at);
      if (frame.file.startsWith("src/") || frame.file.startsWith("bench/")) onStack.add(frame.fn);
    }
    for (const f of onStack) totals.set(f, (totals.get(f) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([k, us]) =>
          `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1e6).toFixed(2).padStart(7)} s  ${k}`,
      );
  return [
    `sampled ${(total / 1e6).toFixed(2)} s`,
    "top functions by self time:",
    ...rows(fns),
    "top files by self time:",
    ...rows(files),
    "top project functions by total time:",
    ...rows(totals),
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  let top = 25;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--top") top = Number(argv[++i]);
    else files.push(argv[i]);
  }
  if (!files.length) throw new Error("usage: tsx bench/profile-summary.ts [--top N] <file.cpuprofile>...");
  for (const file of files) {
    const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
    process.stdout.write(`${file}\n${summarise(profile, top)}\n\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main(process.argv.slice(2));

/**
 * Start-up section of `npm run bench` (issue 8): the time from spawning `node` to the first byte on
 * stdout, for `nanofuse --help` compiled (dist/, what `npm install` gives) and from the sources
 * through tsx, beside a bare `node` and a bare `node` that imports commander (the aim: the compiled
 * `--help` within 2× of the latter). Runs are interleaved, so that a change in the machine's load
 * touches every command alike; the median and the fastest run are reported.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { buildDist } from "../scripts/build.ts";

/** Runs per command. */
export const STARTUP_RUNS = 20;
const AIM_RATIO = 2;

interface Probe {
  label: string;
  args: string[];
}

export interface StartupRow {
  label: string;
  command: string;
  firstOutputMs: number[];
}

function probes(root: string): Probe[] {
  const bin = join(root, "bin", "nanofuse.js");
  return [
    { label: "bare node", args: ["--input-type=module", "-e", "console.log(1)"] },
    {
      label: "node importing commander (the aim's baseline)",
      args: ["--input-type=module", "-e", 'import "commander"; console.log(1)'],
    },
    { label: "`nanofuse --help`, compiled", args: [bin, "--help"] },
    { label: "`nanofuse replay --help`, compiled (loads replay's modules)", args: [bin, "replay", "--help"] },
    {
      label: "`nanofuse --help` from the sources through tsx",
      args: ["--import", "tsx", join(root, "src", "cli", "bin.ts"), "--help"],
    },
  ];
}

function firstOutputMs(args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let first: number | undefined;
    child.stdout.once("data", () => (first = performance.now() - started));
    child.stdout.resume();
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 && first !== undefined
        ? resolve(first)
        : reject(new Error(`${args.join(" ")} exited ${code}`)),
    );
  });
}

export async function measureStartup(root: string, runs = STARTUP_RUNS): Promise<StartupRow[]> {
  await buildDist();
  const list = probes(root);
  const rows = list.map((p) => ({
    label: p.label,
    command: `node ${p.args.join(" ")}`,
    firstOutputMs: [] as number[],
  }));
  for (let run = 0; run < runs; run++)
    for (const [i, p] of list.entries()) rows[i].firstOutputMs.push(await firstOutputMs(p.args, root));
  return rows;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function startupSection(title: string, machine: string[], rows: StartupRow[]): string {
  const baseline = median(rows[1].firstOutputMs);
  const compiled = median(rows[2].firstOutputMs);
  const lines = [
    `## ${title}`,
    "",
    ...machine,
    `- each command spawned ${rows[0].firstOutputMs.length} times, the commands interleaved; time from \`spawn\` to the first byte on stdout, in ms (the process's own start included)`,
    "- compiled: `bin/nanofuse.js` running dist/ (`npm run build`, esbuild); sources: the same CLI through tsx, as a checkout with edited sources runs it (before issue 8 every run did, and loaded every command: ~440 ms)",
    "",
    "| command | median ms | fastest ms | median / node importing commander |",
    "|---|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${median(r.firstOutputMs).toFixed(0)} | ${Math.min(...r.firstOutputMs).toFixed(0)} | ${(median(r.firstOutputMs) / baseline).toFixed(2)}× |`,
    ),
    "",
    `Aim (issue 8): \`nanofuse --help\` compiled within ${AIM_RATIO}× of a bare node that imports commander: ${(compiled / baseline).toFixed(2)}×, ${compiled <= AIM_RATIO * baseline ? "met" : "not met"}.`,
  ];
  return lines.join("\n");
}

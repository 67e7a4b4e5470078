/**
 * Replays the files given on the command line in a process of its own and prints one JSON line:
 * traces, spans, problem counts by code (with the files named), and the process's peak RSS. Tests of
 * hostile input run it so that a crash, or memory that is not bounded, shows in that process alone.
 * Options as JSON in the REPLAY_OPTIONS environment variable.
 */
import { replayFiles } from "../../src/pipeline/replay.ts";

const options = JSON.parse(process.env.REPLAY_OPTIONS ?? "{}");
let traces = 0;
let partial = 0;
let orphans = 0;
const result = await replayFiles(
  process.argv.slice(2),
  (tree) => {
    traces++;
    if (tree.trace.partial) partial++;
    orphans += tree.orphans.length;
  },
  options,
);
const problems = result.problems.firstExamples().map((p) => ({ code: p.code, file: p.where.file }));
console.log(
  JSON.stringify({
    traces,
    partial,
    orphans,
    spans: result.spansRead,
    rejected: result.problems.bySeverity("reject"),
    warnings: result.problems.bySeverity("warn"),
    problems,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);

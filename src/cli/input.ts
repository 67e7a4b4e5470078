/** The input options that every command reading recorded traces shares, and the replay behind them. */
import { stat } from "node:fs/promises";
import { type Command, InvalidArgumentError, Option } from "commander";
import { isDynamicPattern } from "tinyglobby";
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import { type Problem, problem } from "../errors.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../ingest/sources/file.ts";
import { MAX_LINE_LIMIT } from "../ingest/sources/json-lines.ts";
import { expandPaths } from "../ingest/sources/paths.ts";
import { type ReplayResult, replayFiles, type TreeHandler } from "../pipeline/replay.ts";
import { positiveInteger } from "./numbers.ts";

/** A line limit V8 can honour: a longer line could not be held as one string (see json-lines.ts). */
function lineLimit(value: string): number {
  const n = positiveInteger(value);
  if (n > MAX_LINE_LIMIT) {
    throw new InvalidArgumentError(
      `expected at most ${MAX_LINE_LIMIT} (the longest line V8 can hold as a string), got ${value}`,
    );
  }
  return n;
}

import { byteProgress } from "./progress.ts";

export interface InputOptions {
  format: "text" | "json";
  strict: boolean;
  idleMs?: number;
  maxBufferedSpans?: number;
  maxLineBytes: number;
  correlationAttribute?: string;
}

export function addInputOptions(command: Command): Command {
  return command
    .argument("<paths...>", "files, directories or globs")
    .addOption(
      new Option("--format <format>", "`json`: one JSON document on stdout instead of the text report")
        .choices(["text", "json"])
        .default("text"),
    )
    .option("--strict", "exit 1 after the first file that had any input problem", false)
    .option(
      "--idle-ms <ms>",
      "a trace is complete after this much event time without new spans",
      positiveInteger,
      DEFAULT_BUFFER_OPTIONS.idleUs / 1000,
    )
    .option(
      "--max-buffered-spans <n>",
      "memory bound: beyond it the oldest traces are completed early, flagged partial and counted",
      positiveInteger,
      DEFAULT_BUFFER_OPTIONS.maxBufferedSpans,
    )
    .option(
      "--max-line-bytes <n>",
      "longer JSON lines are reported (NF_LINE_TOO_LONG) and skipped without being held in memory",
      lineLimit,
      DEFAULT_MAX_LINE_BYTES,
    )
    .option(
      "--correlation-attribute <name>",
      "stitch several trace ids into one request by this attribute (and by span links)",
    );
}

/** Replays the paths into `onTree`, with a progress bar on a terminal; returns the result and the time taken. */
export async function replayInput(
  paths: string[],
  opts: InputOptions,
  onTree: TreeHandler,
): Promise<{ result: ReplayResult; seconds: number }> {
  const expanded = await expandPaths(paths);
  const sizes = await Promise.all(
    expanded.map((f) =>
      stat(f).then(
        (s) => s.size,
        (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? -1 : 0),
      ),
    ),
  );
  // A path that names nothing is not a file that was read: it is reported and left out.
  const missing = expanded.filter((_, i) => sizes[i] < 0).map(missingPath);
  const files = expanded.filter((_, i) => sizes[i] >= 0);
  const progress = byteProgress(sizes.reduce((a, b) => a + Math.max(0, b), 0));
  const started = performance.now();
  const stop = opts.strict && missing.length > 0;
  const result = await replayFiles(stop ? [] : files, onTree, {
    strict: opts.strict,
    maxLineBytes: opts.maxLineBytes,
    onBytes: progress,
    buffer: {
      idleUs: opts.idleMs === undefined ? DEFAULT_BUFFER_OPTIONS.idleUs : opts.idleMs * 1000,
      maxBufferedSpans: opts.maxBufferedSpans ?? DEFAULT_BUFFER_OPTIONS.maxBufferedSpans,
      correlationAttribute: opts.correlationAttribute,
    },
  });
  progress.stop();
  for (const p of missing) result.problems.add(p);
  if (stop) result.stoppedAt = missing[0];
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** expandPaths returns a path that matched nothing as it was given. */
function missingPath(path: string): Problem {
  return isDynamicPattern(path)
    ? problem("NF_PATH_NO_MATCH", path, { file: path })
    : problem("NF_PATH_NOT_FOUND", path, { file: path });
}

/** Exit code 1 under --strict after a problem, or when nothing could be read. */
export function exitCodeOf(result: ReplayResult): number {
  if (result.spansRead === 0)
    process.stderr.write(
      `nanofuse: NF_NO_INPUT: no span could be read (${result.files.length} file(s) read, ${result.problems.total()} input problem(s) reported)\n`,
    );
  return result.stoppedAt || result.spansRead === 0 ? 1 : 0;
}

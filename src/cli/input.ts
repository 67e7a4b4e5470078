/** The input options that every command reading recorded traces shares, and the replay behind them. */
import { stat } from "node:fs/promises";
import { type Command, Option } from "commander";
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../ingest/sources/file.ts";
import { expandPaths } from "../ingest/sources/paths.ts";
import { type ReplayResult, replayFiles, type TreeHandler } from "../pipeline/replay.ts";
import { positiveInteger } from "./numbers.ts";
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
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--strict", "exit non-zero on the first input problem", false)
    .option("--idle-ms <ms>", "complete a trace after this much event time without spans", positiveInteger)
    .option("--max-buffered-spans <n>", "bound on spans held in memory", positiveInteger)
    .option("--max-line-bytes <n>", "longest JSON line accepted", positiveInteger, DEFAULT_MAX_LINE_BYTES)
    .option("--correlation-attribute <name>", "attribute that stitches several traces into one request");
}

/** Replays the paths into `onTree`, with a progress bar on a terminal; returns the result and the time taken. */
export async function replayInput(
  paths: string[],
  opts: InputOptions,
  onTree: TreeHandler,
): Promise<{ result: ReplayResult; seconds: number }> {
  const files = await expandPaths(paths);
  const sizes = await Promise.all(
    files.map((f) =>
      stat(f).then(
        (s) => s.size,
        () => 0,
      ),
    ),
  );
  const progress = byteProgress(sizes.reduce((a, b) => a + b, 0));
  const started = performance.now();
  const result = await replayFiles(files, onTree, {
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
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Exit code 1 under --strict after a problem, or when nothing could be read. */
export function exitCodeOf(result: ReplayResult): number {
  if (result.spansRead === 0) process.stderr.write("nanofuse: NF_NO_INPUT: no span could be read\n");
  return result.stoppedAt || result.spansRead === 0 ? 1 : 0;
}

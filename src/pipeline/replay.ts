/**
 * Offline replay: files → decode → assemble → call trees, on the spans' own clock (the watermark is
 * the latest span end seen), so a replay completes traces exactly as the live buffer would.
 */

import { buildCallTree } from "../assemble/call-tree.ts";
import { TraceBuffer, type TraceBufferOptions } from "../assemble/trace-buffer.ts";
import type { Problem } from "../errors.ts";
import type { SpanSink } from "../ingest/decoder.ts";
import { ProblemLog } from "../ingest/problem-log.ts";
import { type FileFormat, readTraceFile } from "../ingest/sources/file.ts";
import type { Span } from "../model/span.ts";

export interface ReplayOptions {
  buffer?: Partial<TraceBufferOptions>;
  maxLineBytes?: number;
  /** Stop after the first file that had a problem. */
  strict?: boolean;
  /** Raw bytes read so far across all files. */
  onBytes?: (bytes: number) => void;
}

export type TreeHandler = (tree: ReturnType<typeof buildCallTree>) => void;

export interface ReplayResult {
  files: { file: string; format: FileFormat }[];
  problems: ProblemLog;
  /** The first problem, when `strict` stopped the replay. */
  stoppedAt?: Problem;
  spansRead: number;
}

/** How often (in spans) the buffer is asked to cut idle traces. */
const CUT_EVERY = 4096;

export async function replayFiles(
  files: string[],
  onTree: TreeHandler,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const buffer = new TraceBuffer(options.buffer);
  const problems = new ProblemLog();
  const result: ReplayResult = { files: [], problems, spansRead: 0 };
  let watermark = Number.NEGATIVE_INFINITY;
  let bytesBefore = 0;
  let fileBytes = 0;
  const emit = (trees: ReturnType<TraceBuffer["flush"]>) => {
    for (const trace of trees) onTree(buildCallTree(trace));
  };
  const sink: SpanSink = {
    span(span: Span) {
      if (span.endUs > watermark) watermark = span.endUs;
      buffer.push(span, watermark);
      if (++result.spansRead % CUT_EVERY === 0) emit(buffer.cutIdle(watermark));
    },
    problem(p) {
      problems.add(p);
      result.stoppedAt ??= options.strict ? p : undefined;
    },
  };
  for (const file of files) {
    const report = options.onBytes;
    const onBytes =
      report &&
      ((n: number) => {
        fileBytes = n;
        report(bytesBefore + n);
      });
    const format = await readTraceFile(file, sink, { maxLineBytes: options.maxLineBytes, onBytes });
    bytesBefore += fileBytes;
    fileBytes = 0;
    result.files.push({ file, format });
    if (result.stoppedAt) break;
  }
  emit(buffer.flush());
  const stats = buffer.stats();
  problems.count("NF_TRACE_EVICTED", stats.evictedTraces);
  problems.count("NF_TRACE_TOO_MANY_SPANS", stats.splitTraces);
  return result;
}

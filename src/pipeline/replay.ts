/**
 * Offline replay: files → decode → assemble → call trees, on the spans' own robust event clock
 * (assemble/event-clock.ts), so a replay completes traces as the live buffer would, in any input order
 * within the lateness limit.
 */

import { buildCallTree } from "../assemble/call-tree.ts";
import { ReplayAssembler } from "../assemble/replay-assembler.ts";
import type { TraceBufferOptions } from "../assemble/trace-buffer.ts";
import type { Problem } from "../errors.ts";
import type { SpanSink } from "../ingest/decoder.ts";
import { ProblemLog } from "../ingest/problem-log.ts";
import { type FileFormat, readTraceFile } from "../ingest/sources/file.ts";
import type { Span } from "../model/span.ts";
import type { Trace } from "../model/trace.ts";

export interface ReplayOptions {
  buffer?: Partial<TraceBufferOptions>;
  /** Lateness allowed for from the start (the clock raises it to what it sees, up to the max trace age). */
  latenessUs?: number;
  maxLineBytes?: number;
  /** Most content bytes (after decompression) read from one file. */
  maxFileBytes?: number;
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

export async function replayFiles(
  files: string[],
  onTree: TreeHandler,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const assembler = new ReplayAssembler({ buffer: options.buffer, latenessUs: options.latenessUs });
  const buffer = assembler.buffer;
  const problems = new ProblemLog();
  const result: ReplayResult = { files: [], problems, spansRead: 0 };
  let bytesBefore = 0;
  let fileBytes = 0;
  let brokenParents = 0;
  const emit = (traces: Trace[]) => {
    for (const trace of traces) {
      const tree = buildCallTree(trace);
      brokenParents += tree.stats.brokenParents;
      onTree(tree);
    }
  };
  const sink: SpanSink = {
    span(span: Span) {
      result.spansRead++;
      const done = assembler.push(span);
      if (done.length) emit(done);
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
    const format = await readTraceFile(file, sink, {
      maxLineBytes: options.maxLineBytes,
      maxFileBytes: options.maxFileBytes,
      onBytes,
    });
    bytesBefore += fileBytes;
    fileBytes = 0;
    result.files.push({ file, format });
    if (result.stoppedAt) break;
  }
  emit(assembler.flush());
  const stats = buffer.stats();
  problems.count("NF_TRACE_EVICTED", stats.evictedTraces);
  problems.count("NF_TRACE_TOO_MANY_SPANS", stats.splitTraces);
  problems.count("NF_SPAN_FUTURE", assembler.futureSpans);
  problems.count("NF_SPAN_PARENT_CYCLE", brokenParents);
  return result;
}

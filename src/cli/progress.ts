import { SingleBar } from "cli-progress";

/** A byte progress bar on stderr, only for a terminal and only when the input is large. */
export function byteProgress(
  totalBytes: number,
  minBytes = 64 * 1024 * 1024,
): ((bytes: number) => void) & { stop(): void } {
  if (!process.stderr.isTTY || totalBytes < minBytes) return Object.assign(() => {}, { stop() {} });
  const bar = new SingleBar({
    stream: process.stderr,
    format: "replay [{bar}] {percentage}% | {value}/{total} MiB | eta {eta}s",
    hideCursor: true,
  });
  const mib = (n: number) => Math.round(n / 1048576);
  bar.start(mib(totalBytes), 0);
  return Object.assign((bytes: number) => bar.update(mib(bytes)), { stop: () => bar.stop() });
}

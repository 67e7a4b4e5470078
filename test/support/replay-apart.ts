/** Runs replay-rss.ts in a process of its own, so that its peak RSS is the replay's alone. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = fileURLToPath(new URL("./replay-rss.ts", import.meta.url));

export interface Replayed {
  traces: number;
  partial: number;
  orphans: number;
  spans: number;
  rejected: Record<string, number>;
  warnings: Record<string, number>;
  problems: { code: string; file?: string }[];
  peakRssMb: number;
}

export async function replayApart(files: string[], options: object = {}): Promise<Replayed> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script, ...files], {
    env: { ...process.env, REPLAY_OPTIONS: JSON.stringify(options) },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout);
}

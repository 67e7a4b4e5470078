/** `nanofuse` as a user runs it, from the compiled bin: for the tests that drive the CLI. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const BIN = fileURLToPath(new URL("../../bin/nanofuse.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `nanofuse <args>` to its end; a failing exit is a result to look at, not a throw. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [BIN, ...args], {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

export interface ServeProcess {
  child: ChildProcess;
  /** What it printed on stdout up to the end of its banner. */
  out: string;
  exited: Promise<number | null>;
}

/** Starts `nanofuse serve <args>` and resolves once its banner is complete (the `stop:` line). */
export function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn("node", [BIN, "serve", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk) => {
    err += chunk;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += chunk;
      if (/^stop: /m.test(out)) resolve({ child, out, exited });
    });
    exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready: ${err}`)));
  });
}

/** Waiting on real processes by their events, never by polling on a fixed clock. */
import type { ChildProcess } from "node:child_process";

/** The first line a process writes to stdout; rejects, with what it wrote to stderr, if it exits first. */
export function firstLine(child: ChildProcess): Promise<string> {
  let out = "";
  let err = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    child.once("exit", (code, signal) =>
      reject(new Error(`exited (${signal ?? code}) before printing a line; stderr: ${err}`)),
    );
  });
}

/** Whether a process of this pid exists (signal 0 only checks). */
export function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The parent of a process (Linux /proc), to find the supervisor from one of its groups. */
export async function parentOf(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // pid (comm) state ppid …: the command may hold spaces and parentheses, so split after the last ')'.
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** The command line of a process (Linux /proc). */
export async function commandLine(pid: number): Promise<string[]> {
  const { readFile } = await import("node:fs/promises");
  return (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter(Boolean);
}

/** Resolves once `check` holds, re-checking each time `tick` ms pass; rejects after `limitMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, limitMs: number, tick = 100) {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`still not so after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, tick));
  }
}

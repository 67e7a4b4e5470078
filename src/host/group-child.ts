/**
 * The supervisor's handle on one group process: forks the group's entry (compiled, dist/group-process.js
 * beside this chunk; from the sources, group-process.ts through tsx), and turns its IPC replies into
 * awaitable answers that fail when the process reports a failure, exits, or says nothing in time.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { catalogue, type ErrorCode, NanofuseError } from "../errors.ts";
import { RUNNING_SOURCES } from "./compiled.ts";
import type { FromGroup, GroupConfig, ToGroup } from "./protocol.ts";

/** The group's entry and the flags it needs: tsx only for the TypeScript sources. */
function entry(): { file: string; execArgv: string[] } {
  if (!RUNNING_SOURCES)
    return { file: fileURLToPath(new URL("./group-process.js", import.meta.url)), execArgv: [] };
  // Resolved from here, not from the working directory, so `nanofuse host` works from anywhere.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return { file: fileURLToPath(new URL("./group-process.ts", import.meta.url)), execArgv: ["--import", tsx] };
}

/** A failure a group reported, under its own code when it is one of ours (e.g. NF_APP_INVALID). */
function reported(code: string, message: string, what: string): NanofuseError {
  if (!(code in catalogue)) return new NanofuseError("NF_HOST_START_FAILED", `${what}: ${code}: ${message}`);
  const known = code as ErrorCode;
  const prefix = `${catalogue[known].message}: `;
  const detail = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  return new NanofuseError(known, known === "NF_HOST_START_FAILED" ? `${what}: ${detail}` : detail);
}

type Reply<T extends FromGroup["type"]> = Extract<FromGroup, { type: T }>;
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class GroupChild {
  readonly exited: Promise<Exit>;
  private readonly process: ChildProcess;
  private exit?: Exit;
  private readonly waiting = new Set<(message: FromGroup | Exit) => void>();

  constructor(readonly config: GroupConfig) {
    const { file, execArgv } = entry();
    // The child's stdout goes to our stderr: stdout carries only what the CLI prints (the entry URL).
    this.process = fork(file, [], {
      execArgv,
      stdio: ["ignore", 2, 2, "ipc"],
      serialization: "json",
    });
    this.process.on("message", (message: FromGroup) => {
      for (const wake of [...this.waiting]) wake(message);
    });
    this.exited = new Promise((resolve) => {
      this.process.once("exit", (code, signal) => {
        this.exit = { code, signal };
        for (const wake of [...this.waiting]) wake(this.exit);
        resolve(this.exit);
      });
    });
    // An IPC write to a process that just died must not crash the supervisor.
    this.process.on("error", () => {});
  }

  get name(): string {
    return this.config.group;
  }

  get pid(): number {
    return this.process.pid ?? 0;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Sends `message` and waits for the reply of type `type`. */
  request<T extends FromGroup["type"]>(message: ToGroup, type: T, timeoutMs: number): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const what = `group ${this.name} (pid ${this.pid})`;
      const finish = (error?: Error, reply?: Reply<T>) => {
        clearTimeout(timer);
        this.waiting.delete(listen);
        if (error) reject(error);
        else resolve(reply as Reply<T>);
      };
      const listen = (m: FromGroup | Exit) => {
        if (!("type" in m))
          finish(new NanofuseError("NF_HOST_START_FAILED", `${what} exited (${exitText(m)})`));
        else if (m.type === "failed") finish(reported(m.code, m.message, what));
        else if (m.type === type) finish(undefined, m as Reply<T>);
      };
      const timer = setTimeout(
        () =>
          finish(
            new NanofuseError(
              "NF_HOST_START_FAILED",
              `${what} did not answer ${message.type} in ${timeoutMs} ms`,
            ),
          ),
        timeoutMs,
      );
      if (this.exit)
        return finish(new NanofuseError("NF_HOST_START_FAILED", `${what} exited (${exitText(this.exit)})`));
      this.waiting.add(listen);
      this.post(message);
    });
  }

  post(message: ToGroup): void {
    if (this.process.connected) this.process.send(message);
  }

  /** Asks the process to flush and exit; kills it when it does not within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<Exit> {
    if (this.exit) return this.exit;
    this.post({ type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)),
    );
    const exit = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (exit) return exit;
    this.kill();
    return this.exited;
  }

  kill(): void {
    if (this.alive) this.process.kill("SIGKILL");
  }
}

export function exitText(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

/**
 * What the user reads when a command fails: a stable code, one sentence and an exit code, never a
 * stack trace. An error nanofuse did not expect still gets a code (NF_INTERNAL) and the place it
 * was thrown, which is what a bug report needs.
 */
import { type ErrorCode, NanofuseError } from "../errors.ts";

export interface Failure {
  code: ErrorCode;
  message: string;
  /** 2 for a usage error, 1 otherwise. */
  exitCode: 1 | 2;
}

/** Node's errors from the file system and the network: `code` like ENOENT, with the call that failed. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException & { syscall: string } {
  const e = error as NodeJS.ErrnoException | null;
  return typeof e?.code === "string" && /^E[A-Z]+$/.test(e.code) && typeof e.syscall === "string";
}

/** The first frame of a stack that is not Node's own: file:line of the throw. */
function thrownAt(error: Error): string | undefined {
  const frame = error.stack?.split("\n").find((l) => /^\s+at /.test(l) && !l.includes("node:"));
  const place = frame?.match(/\(?((?:file:\/\/)?[^\s()]+:\d+):\d+\)?$/)?.[1];
  return place?.replace(/^file:\/\//, "");
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof NanofuseError)
    return { code: error.code, message: error.message, exitCode: error.code === "NF_USAGE" ? 2 : 1 };
  if (isSystemError(error))
    return {
      code: "NF_IO_FAILED",
      message: new NanofuseError("NF_IO_FAILED", error.message).message,
      exitCode: 1,
    };
  const e = error instanceof Error ? error : new Error(String(error));
  const at = thrownAt(e);
  const detail = `${e.name}: ${e.message.split("\n")[0]}${at ? ` (at ${at})` : ""}`;
  return {
    code: "NF_INTERNAL",
    message: `${new NanofuseError("NF_INTERNAL").message}: ${detail}`,
    exitCode: 1,
  };
}

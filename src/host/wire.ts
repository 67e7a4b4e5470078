/**
 * One encoding for every call and its answer, in-process or over HTTP, so a function receives the
 * same values (copies, `undefined` as null, no functions or class instances) in every clustering:
 * fusing two units must not change what their code sees.
 */
import type { ErrorCode } from "../errors.ts";
export function encode(value: unknown): string {
  return JSON.stringify(value) ?? "null";
}

export function decode(text: string): unknown {
  return text === "" ? null : JSON.parse(text);
}

export const copy = (value: unknown): unknown => decode(encode(value));

/** The code of an error a function threw without one of its own (typed: it must be in the catalogue). */
const HANDLER_ERROR: ErrorCode = "NF_HANDLER_ERROR";

/** The body of a failed invocation: what the caller needs to report it, never the payload. */
export interface WireError {
  code: string;
  message: string;
  unit: string;
}

export function wireError(error: unknown, unit: string): { error: WireError } {
  const code = (error as { code?: unknown })?.code;
  return {
    error: {
      code: typeof code === "string" ? code : HANDLER_ERROR,
      message: messageOf(error),
      unit,
    },
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

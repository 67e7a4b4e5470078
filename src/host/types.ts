/**
 * The contract between the host runtime and the functions it deploys. A function is a module that
 * exports a handler `(input, ctx)`; where its callee runs (same process or another group) is the
 * host's business, so the same function code runs in every clustering.
 */

/** What a function may do besides computing: call, send, and simulate work and payloads. */
export interface InvocationContext {
  /** The unit being invoked. */
  readonly unit: string;
  /**
   * Calls another unit and waits for its answer: in-process when the callee is in the caller's group,
   * over HTTP (with W3C trace context and the simulated network delay) otherwise. Rejects on error or
   * timeout.
   */
  call<T = unknown>(unit: string, payload: unknown): Promise<T>;
  /** Fire-and-forget: the callee runs later; the caller does not wait and sees no error. */
  send(unit: string, payload: unknown): void;
  /** Simulated work of about `ms` milliseconds (scaled by the host's work factor). */
  work(ms: number): Promise<void>;
  /** A payload of about `bytes` bytes (scaled by the host's payload factor). */
  payload(bytes: number): string;
  /** Per-unit settings from the app (e.g. simulated work times), read-only. */
  readonly config: Readonly<Record<string, unknown>>;
}

export type Handler = (input: unknown, ctx: InvocationContext) => Promise<unknown>;

/** A deployable app: its functions by unit name, and the unit that receives outside requests. */
export interface App {
  name: string;
  entry: string;
  functions: Readonly<Record<string, Handler>>;
  /** Per-unit config handed to `ctx.config`. */
  config?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** The clustering manifest lives in the model (plan, host, store and API share it). */
export type { ClusteringManifest } from "../model/manifest.ts";

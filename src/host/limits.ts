/** The host's own limits and how option values are checked, with their defaults visible. */
import { NanofuseError } from "../errors.ts";

/** The host's own limits, with their defaults visible. */
export interface HostLimits {
  /**
   * How long one process may take to load the app and answer, from its own start. Groups start a few
   * at a time (as many as there are cores), so this does not grow with the number of groups.
   */
  startTimeoutMs: number;
  /** How long a stop waits for the host to go quiet, and then for each group to exit. */
  stopTimeoutMs: number;
  /** A manifest with more groups is refused: each group is a Node process of ~60–100 MB. */
  maxGroups: number;
  /** Restarts of one group after it died, at most; 0 never restarts. */
  maxRestarts: number;
  /** Delay before the first restart of a group, doubled for each further one (at most 10 s). */
  restartDelayMs: number;
}

export const DEFAULT_HOST_LIMITS: Readonly<HostLimits> = Object.freeze({
  startTimeoutMs: 60_000,
  stopTimeoutMs: 10_000,
  maxGroups: 32,
  maxRestarts: 5,
  restartDelayMs: 250,
});

/** `defaults` with each number `options` gives instead, each checked: NF_USAGE naming a bad one. */
export function checkNumbers<T extends object>(defaults: T, options: Partial<T>, positive: (keyof T)[]): T {
  const out = { ...defaults };
  for (const key of Object.keys(out) as (keyof T)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const strict = positive.includes(key);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (strict && value === 0))
      throw new NanofuseError(
        "NF_USAGE",
        `${String(key)} must be a ${strict ? "positive" : "non-negative"} number, got ${value}`,
      );
    out[key] = value as T[keyof T];
  }
  return out;
}

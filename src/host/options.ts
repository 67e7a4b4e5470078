/** What every group process of a host is told: the simulation knobs, with their defaults visible. */
export interface RuntimeOptions {
  /**
   * Simulated network delay of one cross-group call, mean and jitter (uniform ±) in ms. Loopback alone
   * costs ~0.1 ms and would hide what fusing removes; 2 ms is a typical in-region cloud hop.
   */
  networkDelayMs: number;
  networkJitterMs: number;
  /** A call that gets no answer in this time fails with NF_CALL_TIMEOUT instead of hanging its caller. */
  callTimeoutMs: number;
  /** Simulated cold start: the first invocation of a unit in a process waits this long first. */
  initMs: number;
  /**
   * A group's instance idle for longer than this is reclaimed: its units' next invocations are cold
   * again (pooled, as a fused deployment keeps all its functions warm). 0 keeps instances forever.
   */
  keepAliveMs: number;
  /** Scales `ctx.work(ms)` and `ctx.payload(bytes)`, to run one app lighter or heavier. */
  workFactor: number;
  payloadFactor: number;
}

export const DEFAULT_RUNTIME_OPTIONS: Readonly<RuntimeOptions> = Object.freeze({
  networkDelayMs: 2,
  networkJitterMs: 0.5,
  callTimeoutMs: 5000,
  initMs: 50,
  keepAliveMs: 0,
  workFactor: 1,
  payloadFactor: 1,
});

import { describe, expect, it } from "vitest";
import { WindowAggregate } from "../analyse/aggregates.ts";
import { DEFAULT_PLANNER_OPTIONS, latencyShares, planDue, type TriggerState } from "./planner.ts";

/** Traces since the last plan with these totals, on one edge. */
function since(traces: number, rootUs: number, barrierUs: number, networkUs: number): WindowAggregate {
  const total = new WindowAggregate(Number.NaN);
  total.traces = traces;
  total.rootDurationUs = rootUs;
  const edge = total.edge("gateway", "cart");
  edge.barrierWaitUs = barrierUs;
  edge.criticalPathNetworkUs = networkUs;
  return total;
}

const options = {
  ...DEFAULT_PLANNER_OPTIONS,
  everyMs: 60_000,
  minGapMs: 5_000,
  minTraces: 100,
  barrierWaitShare: 0.2,
  networkShare: 0.3,
};
const state = (aggregate: WindowAggregate, fresh = aggregate.traces): TriggerState => ({
  lastPlanAt: 0,
  fresh,
  since: aggregate,
});

describe("the daemon planner's triggers", () => {
  it("measures barrier wait and critical-path network time as shares of end-to-end latency", () => {
    expect(latencyShares(since(10, 1000, 250, 400))).toEqual({ barrierWait: 0.25, network: 0.4 });
    expect(latencyShares(since(0, 0, 0, 0))).toEqual({ barrierWait: 0, network: 0 });
  });

  it("plans on the schedule once traces arrived, and never without new traces", () => {
    const quiet = since(500, 1e6, 0, 0);
    expect(planDue(state(quiet), 59_999, options)).toBeNull();
    expect(planDue(state(quiet), 60_000, options)).toBe("schedule");
    expect(planDue(state(quiet, 0), 600_000, options)).toBeNull();
  });

  it("plans early when barrier wait or network share crosses its threshold", () => {
    expect(planDue(state(since(500, 1e6, 200_000, 0)), 10_000, options)).toBe("barrier-wait");
    expect(planDue(state(since(500, 1e6, 0, 300_000)), 10_000, options)).toBe("network-share");
    expect(planDue(state(since(500, 1e6, 199_999, 299_999)), 10_000, options)).toBeNull();
  });

  it("does not plan early on too few traces or within the minimum gap after the last plan", () => {
    expect(planDue(state(since(99, 1e6, 900_000, 900_000)), 10_000, options)).toBeNull();
    expect(planDue(state(since(500, 1e6, 900_000, 900_000)), 4_999, options)).toBeNull();
  });

  it("never plans early with thresholds of Infinity", () => {
    const off = { ...options, barrierWaitShare: Infinity, networkShare: Infinity };
    expect(planDue(state(since(500, 1e6, 1e6, 1e6)), 10_000, off)).toBeNull();
  });
});

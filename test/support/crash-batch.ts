import { WindowAggregate } from "../../src/analyse/aggregates.ts";

/** Batch `i` of the crash test: one trace with one hop, in one of five windows. */
export function crashBatchWindow(i: number): WindowAggregate {
  const w = new WindowAggregate((i % 5) * 1000);
  w.traces = 1;
  w.spans = 2;
  w.latency.accept(1000 + i);
  const edge = w.edge("checkout", "inventory");
  edge.calls = 1;
  edge.network.accept(100 + i);
  edge.networkSumUs = 100 + i;
  w.unit("checkout").spans = 1;
  w.unit("inventory").spans = 1;
  return w;
}

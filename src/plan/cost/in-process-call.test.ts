import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random.ts";
import { DEFAULT_SPLIT_NETWORK_US, median, splitNetworkByUnit } from "./in-process-call.ts";

const sortedMedian = (values: number[]) => {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.floor((sorted.length - 1) / 2)];
};

describe("the median network time of recorded hops", () => {
  it("is the lower middle of the sorted values, with ties and runs of equal values", () => {
    const random = seededRandom(3);
    for (let round = 0; round < 500; round++) {
      const n = 1 + Math.floor(random() * 40);
      const values = Array.from({ length: n }, () => Math.floor(random() * (round % 2 ? 5 : 5000)));
      expect(median(values)).toBe(sortedMedian(values));
    }
  });

  it("is per callee, falling back to every hop's median, then to the default", () => {
    expect([...splitNetworkByUnit([[5, 1, 3], undefined, [10, 20]], 3)]).toEqual([3, 5, 10]);
    expect([...splitNetworkByUnit([], 2)]).toEqual([DEFAULT_SPLIT_NETWORK_US, DEFAULT_SPLIT_NETWORK_US]);
  });
});

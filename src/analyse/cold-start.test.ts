import { describe, expect, it } from "vitest";
import { buildCallTree } from "../assemble/call-tree.ts";
import { traceOf } from "../model/build.ts";
import type { Span } from "../model/span.ts";
import { InvocationLog } from "./cold-start.ts";
import { testSpan } from "./test-helpers.ts";

let next = 0;
/** One trace with a single invocation of `unit` at `startUs`. */
function invocation(unit: string, startUs: number, coldstart?: boolean) {
  const span: Span = testSpan({
    spanId: (++next).toString(16).padStart(16, "0"),
    startUs,
    endUs: startUs + 10,
    unit,
    kind: "server",
  });
  if (coldstart !== undefined) span.attributes["faas.coldstart"] = coldstart;
  return buildCallTree(traceOf([span]));
}

function coldStarts(trees: ReturnType<typeof invocation>[], keepAliveUs: number) {
  const log = new InvocationLog(() => keepAliveUs);
  for (const tree of trees) log.add(tree, new Map());
  return log.coldStarts().map((c) => [c.unit, c.startUs]);
}

describe("cold starts", () => {
  it("trust faas.coldstart where a unit's spans carry it", () => {
    expect(coldStarts([invocation("resize", 0, true), invocation("resize", 5_000, false)], 100)).toEqual([
      ["resize", 0],
    ]);
  });

  it("are inferred after an idle gap longer than the keep-alive, never for the first invocation seen", () => {
    expect(coldStarts([invocation("tax", 1_000), invocation("tax", 0), invocation("tax", 50)], 500)).toEqual([
      ["tax", 1_000],
    ]);
  });

  it("do not depend on the order invocations arrive in", () => {
    const all = [invocation("a", 0), invocation("b", 10), invocation("a", 900), invocation("b", 20)];
    expect(coldStarts([...all].reverse(), 100)).toEqual(coldStarts(all, 100));
    expect(coldStarts(all, 100)).toEqual([["a", 900]]);
  });
});

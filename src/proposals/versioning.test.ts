import { describe, expect, it } from "vitest";
import { decideVersion } from "./versioning.ts";

describe("proposal versions of a scope", () => {
  it("start at version 1 with nothing to supersede", () => {
    expect(decideVersion([], "aa")).toEqual({ kind: "new", version: 1, supersedes: null, replace: [] });
  });

  it("find the same content again, whatever state it reached", () => {
    const versions = [
      { id: 7, version: 1, state: "rejected" as const, contentHash: "aa" },
      { id: 9, version: 2, state: "pending_approval" as const, contentHash: "bb" },
    ];
    expect(decideVersion(versions, "aa")).toEqual({ kind: "existing", id: 7 });
    expect(decideVersion(versions, "bb")).toEqual({ kind: "existing", id: 9 });
  });

  it("make changed content the next version, linked to the latest and replacing only those still waiting", () => {
    const versions = [
      { id: 3, version: 1, state: "promoted" as const, contentHash: "aa" },
      { id: 5, version: 3, state: "pending_approval" as const, contentHash: "cc" },
      { id: 4, version: 2, state: "approved" as const, contentHash: "bb" },
      { id: 6, version: 4, state: "draft" as const, contentHash: "dd" },
    ];
    expect(decideVersion(versions, "ee")).toEqual({
      kind: "new",
      version: 5,
      supersedes: 6,
      replace: [5, 6],
    });
  });
});

import { describe, expect, it } from "vitest";
import type { Catalog } from "../model/catalog.ts";
import { defaultCatalog } from "./catalog.ts";
import { Constraints, violations } from "./constraints.ts";

function catalog(edit: (c: Catalog) => void = () => {}): Catalog {
  const c = defaultCatalog();
  edit(c);
  return c;
}

const singletons = (...units: string[]) => units.map((u) => [u]);

describe("group constraints", () => {
  it("allow a group of units of one runtime with nothing against it", () => {
    expect(violations(["cart", "pricing"], catalog(), singletons("cart", "pricing"))).toEqual([]);
  });

  it("refuse units of different runtimes, naming each runtime's units", () => {
    const c = catalog((c) => {
      c.units.ml = { ...c.defaults, runtime: "python3.12" };
    });
    expect(violations(["cart", "ml", "pricing"], c, [])).toEqual([
      "mixes runtimes node20 (cart, pricing) and python3.12 (ml): only units of one runtime can be fused",
    ]);
  });

  it("refuse a neverWith pair, in either order", () => {
    const c = catalog((c) => {
      c.constraints.neverWith = [["payments", "ads"]];
    });
    expect(violations(["ads", "cart", "payments"], c, [])).toEqual([
      "ads and payments must never share a group (neverWith)",
    ]);
    expect(violations(["ads", "cart"], c, [])).toEqual([]);
  });

  it("let a pinned unit's group gain members but never lose one", () => {
    const c = catalog((c) => {
      c.constraints.pinned = ["auth"];
    });
    const current = [["auth", "session"], ["cart"]];
    expect(violations(["auth", "cart", "session"], c, current)).toEqual([]);
    expect(violations(["auth", "cart"], c, current)).toEqual([
      "pinned unit auth must keep its current group: session missing",
    ]);
    expect(violations(["session"], c, current)).toEqual([
      "session must stay with pinned unit auth (its current group)",
    ]);
    // A pinned unit that is alone now may be joined by others.
    expect(
      violations(
        ["cart", "auth2"],
        catalog((c) => (c.constraints.pinned = ["auth2"])),
        [],
      ),
    ).toEqual([]);
  });

  it("limit the size and the memory of a group, counting a shared dependency once", () => {
    const c = catalog((c) => {
      c.constraints.maxGroupSize = 2;
      c.constraints.maxGroupMemoryMb = 500;
      c.units.a = { ...c.defaults, memoryMb: 256, dependencies: ["aws-sdk"] };
      c.units.b = { ...c.defaults, memoryMb: 256, dependencies: ["aws-sdk"] };
      c.units.big = { ...c.defaults, memoryMb: 900 };
    });
    // 256 + 256 − 32 for the shared aws-sdk = 480 MB.
    expect(violations(["a", "b"], c, [])).toEqual([]);
    expect(violations(["a", "b", "c"], c, [])).toEqual([
      "3 units, more than maxGroupSize 2",
      "needs 736 MB, more than maxGroupMemoryMb 500",
    ]);
    // A unit alone is deployed as it is, whatever its size.
    expect(violations(["big"], c, [])).toEqual([]);
  });

  it("tell which units can never share a group and which are held by a pin", () => {
    const c = catalog((c) => {
      c.units.ml = { ...c.defaults, runtime: "python3.12" };
      c.constraints.neverWith = [["a", "b"]];
      c.constraints.pinned = ["p", "alone"];
    });
    const constraints = new Constraints(c, [["p", "q"], ["alone"], ["r"]]);
    expect([
      constraints.compatible("a", "b"),
      constraints.compatible("a", "ml"),
      constraints.compatible("a", "q"),
    ]).toEqual([false, false, true]);
    expect(["p", "q", "alone", "r"].map((u) => constraints.locked(u))).toEqual([true, true, false, false]);
  });
});

import { describe, expect, it } from "vitest";
import { catalogue } from "../errors.ts";
import { wireError } from "./wire.ts";

describe("the answer of a failed invocation", () => {
  it("carries a function's own error code, and NF_HANDLER_ERROR, a code of the catalogue, for one without", () => {
    expect(wireError(Object.assign(new Error("no stock"), { code: "OUT_OF_STOCK" }), "inventory")).toEqual({
      error: { code: "OUT_OF_STOCK", message: "no stock", unit: "inventory" },
    });
    const { error } = wireError(new Error("boom"), "b");
    expect(error).toEqual({ code: "NF_HANDLER_ERROR", message: "boom", unit: "b" });
    expect(Object.keys(catalogue)).toContain(error.code);
  });
});

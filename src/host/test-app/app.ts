/**
 * A four-unit app for the host's tests: front → a → b synchronously, front → c asynchronously. The
 * catalog beside it gives c another runtime, so fusing c with a Node unit must be refused.
 * `{ "fail": true }` makes b throw, to follow an error back to the entry.
 */
import type { App } from "../types.ts";

const app: App = {
  name: "host-test",
  entry: "front",
  functions: {
    front: async (input, ctx) => {
      await ctx.work(1);
      ctx.send("c", { from: ctx.unit });
      return { front: true, a: await ctx.call("a", input) };
    },
    a: async (input, ctx) => {
      await ctx.work(1);
      return { b: await ctx.call("b", input) };
    },
    b: async (input, ctx) => {
      if ((input as { fail?: boolean } | null)?.fail) throw new Error("b refused the request");
      await ctx.work(Number(ctx.config.workMs ?? 1));
      return { bytes: ctx.payload(16).length };
    },
    c: async (_input, ctx) => {
      await ctx.work(1);
      return "done";
    },
  },
  config: { b: { workMs: 2 } },
};

export default app;

import type { InvocationContext } from "../../../src/host/types.ts";

/**
 * A numeric setting of the invoked unit from the app's config (app.ts holds them all, so simulated
 * work and payload sizes are tuned in one place). A missing knob is 0: no work, no payload.
 */
export function knob(ctx: InvocationContext, name: string): number {
  const value = ctx.config[name] ?? 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${ctx.unit}: config ${name} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

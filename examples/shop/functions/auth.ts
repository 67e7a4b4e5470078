/**
 * auth: verifies the client's bearer token and issues the internal session that downstream units
 * trust. In production this checks a JWT signature (jose); the demo accepts exactly `tok.<userId>`.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";

export interface AuthRequest {
  userId: string;
  token: string;
}

export interface AuthReply {
  ok: boolean;
  userId: string;
  /** The signed internal session, forwarded with the order; empty when refused. */
  session: string;
}

export const handler: Handler = async (input, ctx): Promise<AuthReply> => {
  const { userId, token } = input as AuthRequest;
  await ctx.work(knob(ctx, "workMs"));
  const ok = token === `tok.${userId}`;
  return { ok, userId, session: ok ? ctx.payload(knob(ctx, "payloadBytes")) : "" };
};

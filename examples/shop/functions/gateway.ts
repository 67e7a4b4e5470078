/**
 * gateway: the shop's public entry, a backend-for-frontend. It authenticates first because nothing
 * may run for a stranger, then hands the order to checkout and renders the confirmation page.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";
import { parseRequest } from "../lib/request.ts";
import type { AuthReply, AuthRequest } from "./auth.ts";
import type { CheckoutReply, CheckoutRequest } from "./checkout.ts";

export interface GatewayReply {
  status: 201 | 401 | 402;
  order?: CheckoutReply;
  /** The rendered page (server-side rendering is why the BFF's answer is the largest). */
  page: string;
}

export const handler: Handler = async (input, ctx): Promise<GatewayReply> => {
  const { token, ...request } = parseRequest(input);
  await ctx.work(knob(ctx, "workMs"));

  const auth = await ctx.call<AuthReply>("auth", { userId: request.userId, token } satisfies AuthRequest);
  if (!auth.ok) return { status: 401, page: ctx.payload(knob(ctx, "payloadBytes")) };

  const order = await ctx.call<CheckoutReply>("checkout", {
    ...request,
    session: auth.session,
  } satisfies CheckoutRequest);
  return {
    status: order.status === "placed" ? 201 : 402,
    order,
    page: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

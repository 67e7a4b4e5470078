/**
 * checkout: orchestrates an order. The shape of its calls is the point of the demo:
 * - a sequential chain (cart → catalog, cart → pricing → tax): each step needs the previous answer;
 * - a rare detour to giftwrap (~2% of orders);
 * - a fan-out to inventory, shipping and recommendations behind a Promise.all barrier;
 * - payment (which asks fraud, another runtime), then notify fire-and-forget.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";
import type { ShopRequest } from "../lib/request.ts";
import type { CartReply, CartRequest } from "./cart.ts";
import type { GiftwrapReply, GiftwrapRequest } from "./giftwrap.ts";
import type { InventoryReply, InventoryRequest } from "./inventory.ts";
import type { NotifyMessage } from "./notify.ts";
import type { PaymentReply, PaymentRequest } from "./payment.ts";
import type { RecommendationsReply, RecommendationsRequest } from "./recommendations.ts";
import type { ShippingReply, ShippingRequest } from "./shipping.ts";

export type CheckoutRequest = Omit<ShopRequest, "token"> & { session: string };

export interface CheckoutReply {
  orderId: string;
  status: "placed" | "declined";
  totalCents: number;
  currency: "EUR";
  reservationId: string;
  carrier: string;
  etaDays: number;
  recommended: string[];
  confirmation: string;
}

const NO_RECOMMENDATIONS: RecommendationsReply = { skus: [], tiles: "" };

export const handler: Handler = async (input, ctx): Promise<CheckoutReply> => {
  const order = input as CheckoutRequest;
  const orderId = `ord-${order.requestId}`;
  await ctx.work(knob(ctx, "workMs"));

  // The quote decides everything after it, so nothing can start before cart (and its chain) answers.
  const cart = await ctx.call<CartReply>("cart", {
    userId: order.userId,
    items: order.items,
    country: order.country,
  } satisfies CartRequest);
  let totalCents = cart.totalCents;

  if (order.giftWrap) {
    const wrap = await ctx.call<GiftwrapReply>("giftwrap", {
      orderId,
      lines: cart.lines.length,
    } satisfies GiftwrapRequest);
    totalCents += wrap.feeCents;
  }

  // Independent of each other: started together, and checkout waits for the slowest (the barrier).
  const [reservation, shipping, recommendations] = await Promise.all([
    ctx.call<InventoryReply>("inventory", { orderId, items: order.items } satisfies InventoryRequest),
    ctx.call<ShippingReply>("shipping", {
      orderId,
      country: order.country,
      weightGrams: cart.weightGrams,
    } satisfies ShippingRequest),
    // A nice-to-have: an order is never lost because recommendations failed or timed out.
    ctx
      .call<RecommendationsReply>("recommendations", {
        requestId: order.requestId,
        userId: order.userId,
        skus: cart.lines.map((line) => line.sku),
      } satisfies RecommendationsRequest)
      .catch(() => NO_RECOMMENDATIONS),
  ]);
  totalCents += shipping.costCents;

  const payment = await ctx.call<PaymentReply>("payment", {
    orderId,
    userId: order.userId,
    amountCents: totalCents,
    currency: "EUR",
  } satisfies PaymentRequest);

  // The customer should not wait for the e-mail: notify runs after checkout has answered.
  ctx.send("notify", {
    kind: payment.status === "captured" ? "order-placed" : "payment-declined",
    orderId,
    userId: order.userId,
    receipt: payment.receipt,
  } satisfies NotifyMessage);

  return {
    orderId,
    // A declined order keeps its stock reservation until it expires (15 min): no release call.
    status: payment.status === "captured" ? "placed" : "declined",
    totalCents,
    currency: "EUR",
    reservationId: reservation.reservationId,
    carrier: shipping.carrier,
    etaDays: shipping.etaDays,
    recommended: recommendations.skus,
    confirmation: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

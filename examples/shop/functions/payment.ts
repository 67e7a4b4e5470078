/**
 * payment: authorises and captures the card through the payment provider (stripe-sdk). It asks
 * fraud before capturing, because a blocked charge is free and a refunded one is not. PCI scope:
 * the catalog keeps it away from notify.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";
import type { FraudReply, FraudRequest } from "./fraud.ts";

export interface PaymentRequest {
  orderId: string;
  userId: string;
  amountCents: number;
  currency: "EUR";
}

export interface PaymentReply {
  status: "captured" | "declined";
  chargeId?: string;
  /** The provider's receipt (or decline notice), forwarded to the customer by notify. */
  receipt: string;
}

export const handler: Handler = async (input, ctx): Promise<PaymentReply> => {
  const { orderId, userId, amountCents } = input as PaymentRequest;
  await ctx.work(knob(ctx, "workMs"));
  const risk = await ctx.call<FraudReply>("fraud", { orderId, userId, amountCents } satisfies FraudRequest);
  const receipt = ctx.payload(knob(ctx, "payloadBytes"));
  if (risk.decision === "block") return { status: "declined", receipt };
  return { status: "captured", chargeId: `ch_${orderId}`, receipt };
};

/**
 * notify: e-mails the customer about the order. Checkout sends it fire-and-forget (ctx.send), so the
 * customer never waits for the e-mail provider, and a failure here never fails an order.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";

export interface NotifyMessage {
  kind: "order-placed" | "payment-declined";
  orderId: string;
  userId: string;
  receipt: string;
}

export interface NotifyReply {
  channel: "email";
  messageId: string;
  /** The rendered e-mail handed to the provider. */
  rendered: string;
}

export const handler: Handler = async (input, ctx): Promise<NotifyReply> => {
  const { kind, orderId } = input as NotifyMessage;
  await ctx.work(knob(ctx, "workMs"));
  return {
    channel: "email",
    messageId: `msg-${kind}-${orderId}`,
    rendered: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

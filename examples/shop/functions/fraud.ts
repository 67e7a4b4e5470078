/**
 * fraud: scores a payment's risk. In production a Python 3.11 service (a scikit-learn model over
 * stripe-sdk's Radar signals); catalog.yaml declares `runtime: python3.11`, which is why it is never
 * fused with the Node units. Written in TypeScript here only so the demo runs in one host.
 */
import type { Handler } from "../../../src/host/types.ts";
import { hash32 } from "../lib/hash.ts";
import { knob } from "../lib/knobs.ts";

export interface FraudRequest {
  orderId: string;
  userId: string;
  amountCents: number;
}

export interface FraudReply {
  /** Per mille: 0 is safe, 999 is certain fraud. */
  score: number;
  decision: "allow" | "block";
  /** The feature vector scored, kept for the model's retraining. */
  features: string;
}

/** Blocks about 1% of customers. */
export const BLOCK_AT = 990;

/** The account's risk: it depends on the customer, not on the order, so a blocked user stays blocked. */
export function riskScore(userId: string): number {
  return hash32(`risk:${userId}`) % 1000;
}

export const handler: Handler = async (input, ctx): Promise<FraudReply> => {
  const { userId } = input as FraudRequest;
  await ctx.work(knob(ctx, "workMs"));
  const score = riskScore(userId);
  return {
    score,
    decision: score >= BLOCK_AT ? "block" : "allow",
    features: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

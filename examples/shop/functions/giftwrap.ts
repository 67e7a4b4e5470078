/**
 * giftwrap: prices gift wrapping and renders the greeting card. Asked for by ~2% of orders, so when
 * deployed alone it idles past its keep-alive and pays a cold start on most calls.
 */
import type { Handler } from "../../../src/host/types.ts";
import { hash32 } from "../lib/hash.ts";
import { knob } from "../lib/knobs.ts";

export interface GiftwrapRequest {
  orderId: string;
  /** Each cart line is wrapped on its own. */
  lines: number;
}

export interface GiftwrapReply {
  feeCents: number;
  paper: string;
  /** The rendered greeting card. */
  card: string;
}

const FEE_PER_LINE_CENTS = 350;
const PAPERS = ["kraft", "linen", "festive"] as const;

export const handler: Handler = async (input, ctx): Promise<GiftwrapReply> => {
  const { orderId, lines } = input as GiftwrapRequest;
  await ctx.work(knob(ctx, "workMs"));
  return {
    feeCents: FEE_PER_LINE_CENTS * lines,
    paper: PAPERS[hash32(orderId) % PAPERS.length],
    card: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

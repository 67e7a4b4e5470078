/**
 * pricing: the order's quote. Promotions first, then VAT from tax, which is levied on the discounted
 * amount: hence the wait for tax at the end of the chain. Production uses decimal.js; the demo keeps
 * integer cents, where plain arithmetic is exact.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";
import type { TaxReply, TaxRequest } from "./tax.ts";

export interface PricedLine {
  sku: string;
  qty: number;
  unitPriceCents: number;
}

export interface PricingRequest {
  userId: string;
  country: string;
  lines: PricedLine[];
}

export interface PricingReply {
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  totalCents: number;
  currency: "EUR";
  /** Line-by-line price breakdown, for the invoice. */
  breakdown: string;
}

/** "10% off from 3 articles", the shop's standing promotion. */
const BULK_UNITS = 3;
const BULK_DISCOUNT_PERCENT = 10;

export const handler: Handler = async (input, ctx): Promise<PricingReply> => {
  const { country, lines } = input as PricingRequest;
  await ctx.work(knob(ctx, "workMs"));

  const subtotalCents = lines.reduce((sum, line) => sum + line.unitPriceCents * line.qty, 0);
  const units = lines.reduce((sum, line) => sum + line.qty, 0);
  const discountCents = units >= BULK_UNITS ? Math.floor((subtotalCents * BULK_DISCOUNT_PERCENT) / 100) : 0;
  const netCents = subtotalCents - discountCents;

  const tax = await ctx.call<TaxReply>("tax", { country, netCents } satisfies TaxRequest);
  return {
    subtotalCents,
    discountCents,
    taxCents: tax.taxCents,
    totalCents: netCents + tax.taxCents,
    currency: "EUR",
    breakdown: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

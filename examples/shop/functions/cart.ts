/**
 * cart: turns the customer's items into priced lines. Catalog first (names, prices, weights), then
 * pricing: two sequential calls, because the quote needs the catalog's prices.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";
import type { LineItem } from "../lib/request.ts";
import type { CatalogReply, CatalogRequest } from "./catalog.ts";
import type { PricedLine, PricingReply, PricingRequest } from "./pricing.ts";

export interface CartRequest {
  userId: string;
  items: LineItem[];
  country: string;
}

export interface CartLine extends PricedLine {
  name: string;
}

export interface CartReply extends Omit<PricingReply, "breakdown"> {
  lines: CartLine[];
  weightGrams: number;
  /** The stored cart, as the cart service keeps it in Redis. */
  snapshot: string;
}

export const handler: Handler = async (input, ctx): Promise<CartReply> => {
  const { userId, items, country } = input as CartRequest;
  await ctx.work(knob(ctx, "workMs"));

  const { products } = await ctx.call<CatalogReply>("catalog", {
    skus: items.map((item) => item.sku),
  } satisfies CatalogRequest);
  const bySku = new Map(products.map((product) => [product.sku, product]));
  // A product delisted since it was put in the cart is dropped rather than failing the order.
  const listed = items.flatMap((item) => {
    const product = bySku.get(item.sku);
    return product ? [{ item, product }] : [];
  });
  const lines = listed.map(({ item, product }) => ({
    sku: item.sku,
    name: product.name,
    qty: item.qty,
    unitPriceCents: product.priceCents,
  }));
  const weightGrams = listed.reduce((sum, { item, product }) => sum + product.weightGrams * item.qty, 0);

  const { breakdown: _, ...quote } = await ctx.call<PricingReply>("pricing", {
    userId,
    country,
    lines,
  } satisfies PricingRequest);
  return { ...quote, lines, weightGrams, snapshot: ctx.payload(knob(ctx, "payloadBytes")) };
};

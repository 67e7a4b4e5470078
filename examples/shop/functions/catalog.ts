/**
 * catalog: product data by SKU. Two callers (cart on the critical path, recommendations inside the
 * fan-out), so wherever it is deployed one of them reaches it over the network.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";
import { PRODUCTS_BY_SKU, type Product } from "../lib/products.ts";

export interface CatalogRequest {
  skus: string[];
}

export interface CatalogReply {
  /** Only the SKUs still listed, in the order asked. */
  products: Product[];
  /** Image URLs and descriptions: the bulk of a catalog answer. */
  media: string;
}

export const handler: Handler = async (input, ctx): Promise<CatalogReply> => {
  const { skus } = input as CatalogRequest;
  await ctx.work(knob(ctx, "workMs"));
  const products = skus.flatMap((sku) => PRODUCTS_BY_SKU.get(sku) ?? []);
  return { products, media: ctx.payload(knob(ctx, "payloadBytes")) };
};

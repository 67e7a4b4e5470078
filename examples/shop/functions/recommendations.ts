/**
 * recommendations: "customers also bought" tiles for the confirmation page, the third of checkout's
 * parallel calls. Scoring runs an ONNX model whose feature cache misses for some users; the demo
 * makes that deterministic: a request id ending in 7 (one in ten) works `stragglerWorkMs` instead of
 * `workMs`, and recommendations becomes the straggler that holds checkout's barrier up.
 */
import type { Handler } from "../../../src/host/types.ts";
import { hash32 } from "../lib/hash.ts";
import { knob } from "../lib/knobs.ts";
import { PRODUCTS } from "../lib/products.ts";
import type { CatalogReply, CatalogRequest } from "./catalog.ts";

export interface RecommendationsRequest {
  requestId: number;
  userId: string;
  /** What is already in the cart: never recommended again. */
  skus: string[];
}

export interface RecommendationsReply {
  skus: string[];
  /** Rendered product tiles. */
  tiles: string;
}

const TILES = 3;

export function missesFeatureCache(requestId: number): boolean {
  return requestId % 10 === 7;
}

export const handler: Handler = async (input, ctx): Promise<RecommendationsReply> => {
  const { requestId, userId, skus } = input as RecommendationsRequest;
  await ctx.work(knob(ctx, missesFeatureCache(requestId) ? "stragglerWorkMs" : "workMs"));

  const candidates = PRODUCTS.filter((product) => !skus.includes(product.sku));
  const offset = hash32(userId) % Math.max(candidates.length, 1);
  const picks = [...candidates.slice(offset), ...candidates.slice(0, offset)].slice(0, TILES);
  // Tiles show current names and prices, so they are hydrated from catalog, not from the model.
  const { products } = await ctx.call<CatalogReply>("catalog", {
    skus: picks.map((product) => product.sku),
  } satisfies CatalogRequest);
  return { skus: products.map((product) => product.sku), tiles: ctx.payload(knob(ctx, "payloadBytes")) };
};

/**
 * The outside request the gateway receives, and the deterministic generator of such requests. A load
 * generator may send only `{ requestId }`: every missing field is derived from the id, so the same id
 * always means the same customer, cart and choices.
 */
import { roll } from "./hash.ts";
import { PRODUCTS } from "./products.ts";

export interface LineItem {
  sku: string;
  qty: number;
}

export interface ShopRequest {
  requestId: number;
  userId: string;
  /** The bearer token the client presents; `tok.<userId>` is the only valid one in the demo. */
  token: string;
  items: LineItem[];
  /** ISO 3166 country of the delivery address: decides VAT and shipping. */
  country: string;
  giftWrap: boolean;
}

export const COUNTRIES = ["DE", "FR", "NL", "IE", "ES"] as const;

/** Gift wrapping is a rare choice (~2% of orders), so giftwrap idles long enough to go cold. */
export const GIFT_WRAP_PERCENT = 2;

export function makeRequest(requestId: number): ShopRequest {
  const userId = `u-${10000 + roll(requestId, "user", 90000)}`;
  const lines = 1 + roll(requestId, "lines", 4);
  const first = roll(requestId, "first-sku", PRODUCTS.length);
  const items = Array.from({ length: lines }, (_, i) => ({
    sku: PRODUCTS[(first + i) % PRODUCTS.length].sku,
    qty: 1 + roll(requestId, `qty-${i}`, 3),
  }));
  return {
    requestId,
    userId,
    token: `tok.${userId}`,
    items,
    country: COUNTRIES[roll(requestId, "country", COUNTRIES.length)],
    giftWrap: roll(requestId, "giftwrap", 100) < GIFT_WRAP_PERCENT,
  };
}

/** Validates the outside input; fields it leaves out come from `makeRequest(requestId)`. */
export function parseRequest(input: unknown): ShopRequest {
  const body = (typeof input === "object" && input !== null ? input : {}) as Partial<ShopRequest>;
  const { requestId } = body;
  if (typeof requestId !== "number" || !Number.isSafeInteger(requestId) || requestId < 0) {
    throw new TypeError("shop request needs requestId, a non-negative integer");
  }
  const derived = makeRequest(requestId);
  const userId = body.userId ?? derived.userId;
  return {
    requestId,
    userId,
    token: body.token ?? `tok.${userId}`,
    items: body.items ?? derived.items,
    country: body.country ?? derived.country,
    giftWrap: body.giftWrap ?? derived.giftWrap,
  };
}

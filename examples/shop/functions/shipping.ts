/**
 * shipping: the delivery quote, one of checkout's three parallel calls. It runs beside inventory, so
 * it cannot know which warehouse reserves the stock: it quotes from the main one (Dublin).
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";

export interface ShippingRequest {
  orderId: string;
  country: string;
  weightGrams: number;
}

export interface ShippingReply {
  carrier: string;
  costCents: number;
  etaDays: number;
  /** The carriers' rate cards the quote was chosen from. */
  rates: string;
}

/** Per destination: carrier, base price, price per started kilogram, days in transit. */
const ROUTES: Readonly<
  Record<string, { carrier: string; baseCents: number; perKgCents: number; days: number }>
> = {
  IE: { carrier: "An Post", baseCents: 450, perKgCents: 80, days: 1 },
  DE: { carrier: "DHL", baseCents: 690, perKgCents: 120, days: 3 },
  FR: { carrier: "Colissimo", baseCents: 720, perKgCents: 130, days: 3 },
  NL: { carrier: "PostNL", baseCents: 650, perKgCents: 110, days: 2 },
  ES: { carrier: "Correos", baseCents: 790, perKgCents: 150, days: 4 },
};

export const handler: Handler = async (input, ctx): Promise<ShippingReply> => {
  const { country, weightGrams } = input as ShippingRequest;
  await ctx.work(knob(ctx, "workMs"));
  const route = ROUTES[country];
  if (route === undefined) throw new Error(`shipping: no carrier delivers to ${country}`);
  return {
    carrier: route.carrier,
    costCents: route.baseCents + route.perKgCents * Math.ceil(weightGrams / 1000),
    etaDays: route.days,
    rates: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

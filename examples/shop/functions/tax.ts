/**
 * tax: VAT for the delivery country, the last link of checkout's sequential chain. Standard rates
 * (EU Commission, "VAT rates applied in the Member States", 2024), in basis points.
 */
import type { Handler } from "../../../src/host/types.ts";
import { knob } from "../lib/knobs.ts";

export interface TaxRequest {
  country: string;
  netCents: number;
}

export interface TaxReply {
  rateBps: number;
  taxCents: number;
  /** Jurisdiction evidence kept for the VAT return. */
  evidence: string;
}

const VAT_BPS: Readonly<Record<string, number>> = { DE: 1900, FR: 2000, NL: 2100, IE: 2300, ES: 2100 };

export const handler: Handler = async (input, ctx): Promise<TaxReply> => {
  const { country, netCents } = input as TaxRequest;
  await ctx.work(knob(ctx, "workMs"));
  const rateBps = VAT_BPS[country];
  // Selling where no rate is known would under-collect VAT: refuse rather than guess.
  if (rateBps === undefined) throw new Error(`tax: no VAT rate for country ${country}`);
  return {
    rateBps,
    taxCents: Math.round((netCents * rateBps) / 10_000),
    evidence: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

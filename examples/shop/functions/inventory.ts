/**
 * inventory: reserves stock for the order, one of checkout's three parallel calls. Reservations
 * expire after 15 minutes, so an order that is later declined needs no release call.
 */
import type { Handler } from "../../../src/host/types.ts";
import { hash32 } from "../lib/hash.ts";
import { knob } from "../lib/knobs.ts";
import type { LineItem } from "../lib/request.ts";

export interface InventoryRequest {
  orderId: string;
  items: LineItem[];
}

export interface InventoryReply {
  reservationId: string;
  warehouse: string;
  /** Bin locations for the pickers. */
  pickList: string;
}

const WAREHOUSES = ["dub-1", "ams-2"] as const;

export const handler: Handler = async (input, ctx): Promise<InventoryReply> => {
  const { orderId } = input as InventoryRequest;
  await ctx.work(knob(ctx, "workMs"));
  return {
    reservationId: `res-${orderId}`,
    warehouse: WAREHOUSES[hash32(orderId) % WAREHOUSES.length],
    pickList: ctx.payload(knob(ctx, "payloadBytes")),
  };
};

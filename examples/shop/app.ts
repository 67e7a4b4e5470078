/**
 * The demo shop: 14 nano-service functions behind one entry (gateway). The host deploys any
 * clustering of them (examples/shop/layouts/); the function code is the same in every layout.
 * README.md has the call graph and which scenario each part shows.
 */
import type { App } from "../../src/host/types.ts";
import { handler as auth } from "./functions/auth.ts";
import { handler as cart } from "./functions/cart.ts";
import { handler as catalog } from "./functions/catalog.ts";
import { handler as checkout } from "./functions/checkout.ts";
import { handler as fraud } from "./functions/fraud.ts";
import { handler as gateway } from "./functions/gateway.ts";
import { handler as giftwrap } from "./functions/giftwrap.ts";
import { handler as inventory } from "./functions/inventory.ts";
import { handler as notify } from "./functions/notify.ts";
import { handler as payment } from "./functions/payment.ts";
import { handler as pricing } from "./functions/pricing.ts";
import { handler as recommendations } from "./functions/recommendations.ts";
import { handler as shipping } from "./functions/shipping.ts";
import { handler as tax } from "./functions/tax.ts";

/**
 * Every simulated cost in one place. `workMs`: the unit's own work per invocation (ctx.work, scaled
 * by the host's work factor). `payloadBytes`: the bulk of the unit's reply (ctx.payload, scaled by
 * the host's payload factor). `stragglerWorkMs`: recommendations' work for request ids ending in 7.
 * Times are close to the synthetic fixtures' (bench/synth.ts): tax is the slow link of the chain,
 * shipping usually the last of the fan-out, and recommendations its occasional straggler.
 */
export const config = {
  gateway: { workMs: 1, payloadBytes: 6144 },
  auth: { workMs: 1.5, payloadBytes: 768 },
  checkout: { workMs: 1, payloadBytes: 2048 },
  cart: { workMs: 1, payloadBytes: 3072 },
  catalog: { workMs: 2, payloadBytes: 8192 },
  pricing: { workMs: 3, payloadBytes: 1024 },
  tax: { workMs: 4, payloadBytes: 256 },
  inventory: { workMs: 5, payloadBytes: 512 },
  shipping: { workMs: 9, payloadBytes: 1536 },
  recommendations: { workMs: 6, stragglerWorkMs: 60, payloadBytes: 16384 },
  payment: { workMs: 6, payloadBytes: 1024 },
  fraud: { workMs: 8, payloadBytes: 512 },
  notify: { workMs: 8, payloadBytes: 4096 },
  giftwrap: { workMs: 3, payloadBytes: 2048 },
} as const satisfies Record<string, Readonly<Record<string, number>>>;

const shop: App = {
  name: "shop",
  entry: "gateway",
  functions: {
    gateway,
    auth,
    checkout,
    cart,
    catalog,
    pricing,
    tax,
    inventory,
    shipping,
    recommendations,
    payment,
    fraud,
    notify,
    giftwrap,
  },
  config,
};

export default shop;

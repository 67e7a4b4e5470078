import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ClusteringManifest, Handler, InvocationContext } from "../../src/host/types.ts";
import shop, { config } from "./app.ts";
import { BLOCK_AT, riskScore } from "./functions/fraud.ts";
import type { GatewayReply } from "./functions/gateway.ts";
import type { NotifyMessage } from "./functions/notify.ts";
import { makeRequest } from "./lib/request.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const UNITS = Object.keys(shop.functions).sort();

/** One invocation in the in-memory host, timed on its virtual clock (ms). */
interface Invocation {
  unit: string;
  caller?: string;
  via: "entry" | "call" | "send";
  input: unknown;
  start: number;
  end: number;
  workMs: number;
  payloadBytes: number;
}

/**
 * Every unit in one process, calls dispatched straight to the handlers, and virtual time: ctx.work
 * advances the invocation's clock, a call starts at the caller's clock, and the caller resumes at
 * max(its clock, the callee's end). So calls started together (Promise.all) overlap and awaited ones
 * line up, exactly and without sleeping. Sends are queued and run by drain(), after the request.
 */
class InMemoryHost {
  readonly invocations: Invocation[] = [];
  readonly outbox: { unit: string; payload: unknown; caller: string; at: number }[] = [];

  constructor(private readonly overrides: Record<string, Handler> = {}) {}

  async request(input: unknown): Promise<GatewayReply> {
    return (await this.invoke(shop.entry, input, 0, "entry")).reply as GatewayReply;
  }

  async drain(): Promise<void> {
    for (let message = this.outbox.shift(); message; message = this.outbox.shift()) {
      await this.invoke(message.unit, message.payload, message.at, "send", message.caller);
    }
  }

  /** The one invocation of `unit` (by `caller`, when given); fails when there is none or several. */
  the(unit: string, caller?: string): Invocation {
    const found = this.invocations.filter(
      (i) => i.unit === unit && (caller === undefined || i.caller === caller),
    );
    expect(found, `invocations of ${unit}`).toHaveLength(1);
    return found[0];
  }

  calledBy(caller: string): string[] {
    return this.invocations.filter((i) => i.caller === caller && i.via === "call").map((i) => i.unit);
  }

  private async invoke(
    unit: string,
    input: unknown,
    start: number,
    via: Invocation["via"],
    caller?: string,
  ): Promise<{ reply: unknown; record: Invocation }> {
    const handler = this.overrides[unit] ?? shop.functions[unit];
    if (!handler) throw new Error(`no unit ${unit}`);
    const record: Invocation = { unit, caller, via, input, start, end: start, workMs: 0, payloadBytes: 0 };
    this.invocations.push(record);
    let now = start;
    const ctx: InvocationContext = {
      unit,
      config: shop.config?.[unit] ?? {},
      call: async <T>(callee: string, payload: unknown) => {
        const { reply, record: done } = await this.invoke(callee, payload, now, "call", unit);
        now = Math.max(now, done.end);
        return reply as T;
      },
      send: (callee, payload) => {
        this.outbox.push({ unit: callee, payload, caller: unit, at: now });
      },
      work: async (ms) => {
        record.workMs += ms;
        now += ms;
      },
      payload: (bytes) => {
        record.payloadBytes += bytes;
        return "x".repeat(bytes);
      },
    };
    const reply = await handler(input, ctx);
    record.end = now;
    return { reply, record };
  }
}

async function run(input: unknown, overrides?: Record<string, Handler>) {
  const host = new InMemoryHost(overrides);
  const reply = await host.request(input);
  return { host, reply };
}

/** The first request id (from `from`) whose generated request matches. */
function firstId(matches: (id: number) => boolean, from = 0): number {
  for (let id = from; id < from + 100_000; id++) if (matches(id)) return id;
  throw new Error("no such request id");
}

const FAN_OUT = ["inventory", "shipping", "recommendations"];

describe("the shop", () => {
  it("is named shop and enters through gateway", () => {
    expect(shop.name).toBe("shop");
    expect(shop.entry).toBe("gateway");
    expect(UNITS).toHaveLength(14);
  });

  it("gateway authenticates, then checks out", async () => {
    const { host, reply } = await run({ requestId: 1 });
    expect(reply.status).toBe(201);
    expect(host.calledBy("gateway")).toEqual(["auth", "checkout"]);
    expect(host.the("auth").end).toBeLessThanOrEqual(host.the("checkout").start);
  });

  it("gateway refuses a foreign token before anything else runs", async () => {
    const { host, reply } = await run({ ...makeRequest(1), token: "tok.u-00000" });
    expect(reply.status).toBe(401);
    expect(host.invocations.map((i) => i.unit)).toEqual(["gateway", "auth"]);
  });

  it("a request of only a requestId is completed from it, the same way every time", async () => {
    const first = await run({ requestId: 42 });
    const again = await run({ requestId: 42 });
    const explicit = await run(makeRequest(42));
    expect(again.host.invocations).toEqual(first.host.invocations);
    expect(explicit.host.invocations.slice(1)).toEqual(first.host.invocations.slice(1));
    expect(again.reply).toEqual(first.reply);
  });

  it("checkout's chain is sequential: cart waits for catalog, then for pricing, which waits for tax", async () => {
    const { host } = await run({ requestId: 1 });
    expect(host.calledBy("checkout").slice(0, 1)).toEqual(["cart"]);
    expect(host.calledBy("cart")).toEqual(["catalog", "pricing"]);
    expect(host.calledBy("pricing")).toEqual(["tax"]);
    const [cart, catalog, pricing, tax] = [
      host.the("cart"),
      host.the("catalog", "cart"),
      host.the("pricing"),
      host.the("tax"),
    ];
    expect(catalog.end).toBeLessThanOrEqual(pricing.start);
    expect(pricing.start).toBeLessThanOrEqual(tax.start);
    expect(tax.end).toBeLessThanOrEqual(pricing.end);
    expect(pricing.end).toBeLessThanOrEqual(cart.end);
    for (const sibling of FAN_OUT) expect(cart.end).toBeLessThanOrEqual(host.the(sibling).start);
  });

  it("checkout waits for inventory, shipping and recommendations in parallel", async () => {
    const { host } = await run({ requestId: 1 });
    const siblings = FAN_OUT.map((unit) => host.the(unit));
    expect(new Set(siblings.map((s) => s.start)).size).toBe(1);
    expect(host.the("payment").start).toBe(Math.max(...siblings.map((s) => s.end)));
  });

  it("usually shipping finishes the fan-out last; a request id ending in 7 makes recommendations the straggler", async () => {
    for (let id = 1230; id < 1240; id++) {
      const { host } = await run({ requestId: id });
      const ends = FAN_OUT.map((unit) => ({ unit, end: host.the(unit).end })).sort((a, b) => b.end - a.end);
      const barrierWait = ends[0].end - ends[1].end;
      if (id % 10 === 7) {
        expect(ends[0].unit, `request ${id}`).toBe("recommendations");
        expect(barrierWait).toBeGreaterThanOrEqual(40);
      } else {
        expect(ends[0].unit, `request ${id}`).toBe("shipping");
        expect(barrierWait).toBeLessThan(5);
      }
    }
  });

  it("checkout still places the order when recommendations fails", async () => {
    const { reply } = await run(
      { requestId: 1 },
      {
        recommendations: async () => {
          throw new Error("upstream timeout");
        },
      },
    );
    expect(reply.status).toBe(201);
    expect(reply.order?.recommended).toEqual([]);
  });

  it("checkout sends notify without waiting, and notify runs after the answer", async () => {
    const { host, reply } = await run({ requestId: 1 });
    expect(host.invocations.some((i) => i.unit === "notify")).toBe(false);
    expect(host.outbox.map((m) => [m.caller, m.unit])).toEqual([["checkout", "notify"]]);

    await host.drain();
    const notify = host.the("notify");
    expect(notify.via).toBe("send");
    expect((notify.input as NotifyMessage).kind).toBe("order-placed");
    expect((notify.input as NotifyMessage).orderId).toBe(reply.order?.orderId);
    expect(notify.start).toBeGreaterThanOrEqual(host.the("payment").end);
    expect(notify.end).toBeGreaterThan(host.the("gateway").end);
  });

  it("about 2% of requests ask for gift wrapping, and only those call giftwrap", async () => {
    const requests = 5000;
    const wrapped: number[] = [];
    for (let id = 0; id < requests; id++) {
      const { host } = await run({ requestId: id });
      const calls = host.invocations.filter((i) => i.unit === "giftwrap").length;
      expect(calls).toBe(makeRequest(id).giftWrap ? 1 : 0);
      if (calls) wrapped.push(id);
    }
    expect(wrapped.length / requests).toBeGreaterThan(0.015);
    expect(wrapped.length / requests).toBeLessThan(0.025);
    // Irregular, as customers are: some stretches are long enough for giftwrap to go cold.
    const gaps = wrapped.slice(1).map((id, i) => id - wrapped[i]);
    expect(Math.max(...gaps)).toBeGreaterThan(150);
  });

  it("fraud blocks about 1% of customers, and their orders are declined uncharged", async () => {
    const blocked = firstId(blockedUser);
    const { host, reply } = await run({ requestId: blocked });
    expect(reply.status).toBe(402);
    expect(reply.order?.status).toBe("declined");
    await host.drain();
    expect((host.the("notify").input as NotifyMessage).kind).toBe("payment-declined");

    let count = 0;
    for (let id = 0; id < 5000; id++) if (blockedUser(id)) count++;
    expect(count / 5000).toBeGreaterThan(0.005);
    expect(count / 5000).toBeLessThan(0.015);
  });

  it("every unit works its configured milliseconds and returns its configured payload", async () => {
    const id = firstId((i) => makeRequest(i).giftWrap && i % 10 !== 7 && !blockedUser(i));
    const { host } = await run({ requestId: id });
    await host.drain();
    expect([...new Set(host.invocations.map((i) => i.unit))].sort()).toEqual(UNITS);
    for (const invocation of host.invocations) {
      const knobs = config[invocation.unit as keyof typeof config];
      expect(invocation.workMs, invocation.unit).toBe(knobs.workMs);
      expect(invocation.payloadBytes, invocation.unit).toBe(knobs.payloadBytes);
    }
    const straggling = await run({ requestId: 7 });
    expect(straggling.host.the("recommendations").workMs).toBe(config.recommendations.stragglerWorkMs);
  });

  it("every unit has its workMs and payloadBytes in the app's config", () => {
    expect(Object.keys(config).sort()).toEqual(UNITS);
    for (const unit of UNITS) {
      expect(shop.config?.[unit]).toMatchObject({
        workMs: expect.any(Number),
        payloadBytes: expect.any(Number),
      });
    }
  });

  it("no function reads a clock or a random source", () => {
    const sources = ["functions", "lib"].flatMap((dir) =>
      readdirSync(join(HERE, dir)).map((file) => readFileSync(join(HERE, dir, file), "utf8")),
    );
    for (const source of sources)
      expect(source).not.toMatch(/Math\.random|Date\.now|new Date|performance\.now/);
  });
});

/** Whether fraud blocks the customer of request `id`. */
const blockedUser = (id: number) => riskScore(makeRequest(id).userId) >= BLOCK_AT;

// ---------------------------------------------------------------------------------------------------
// The catalog and the layouts

interface CatalogFile {
  defaults: { runtime: string; memoryMb: number };
  units: Record<string, { runtime?: string; memoryMb?: number; dependencies?: string[]; owner?: string }>;
  constraints: {
    neverWith: [string, string][];
    pinned: string[];
    maxGroupSize: number;
    maxGroupMemoryMb: number;
  };
}

const catalog = parse(readFileSync(join(HERE, "catalog.yaml"), "utf8")) as CatalogFile;
const layouts: Record<string, ClusteringManifest> = Object.fromEntries(
  ["baseline", "fused-checkout"].map((name) => [
    name,
    JSON.parse(readFileSync(join(HERE, "layouts", `${name}.json`), "utf8")),
  ]),
);
const runtimeOf = (unit: string) => catalog.units[unit]?.runtime ?? catalog.defaults.runtime;
const memoryOf = (unit: string) => catalog.units[unit]?.memoryMb ?? catalog.defaults.memoryMb;

describe("catalog.yaml", () => {
  it("has only defaults, units and constraints, and only the known unit fields", () => {
    expect(Object.keys(catalog).sort()).toEqual(["constraints", "defaults", "units"]);
    const known = ["runtime", "memoryMb", "baseCostPerHour", "keepAliveSeconds", "dependencies", "owner"];
    for (const spec of Object.values(catalog.units)) {
      for (const field of Object.keys(spec)) expect(known).toContain(field);
      expect(spec.owner).toEqual(expect.any(String));
    }
  });

  it("puts fraud on python3.11 and every other unit on node20", () => {
    for (const unit of UNITS) expect(runtimeOf(unit), unit).toBe(unit === "fraud" ? "python3.11" : "node20");
  });

  it("declares the heavy dependencies that cart, pricing and tax share, and payment shares with fraud", () => {
    for (const unit of ["cart", "pricing", "tax"]) {
      expect(catalog.units[unit].dependencies).toEqual(expect.arrayContaining(["decimal.js", "lodash"]));
    }
    for (const unit of ["payment", "fraud"]) expect(catalog.units[unit].dependencies).toContain("stripe-sdk");
  });

  it("pins gateway and keeps payment away from notify", () => {
    expect(catalog.constraints.pinned).toEqual(["gateway"]);
    expect(catalog.constraints.neverWith).toContainEqual(["payment", "notify"]);
  });
});

describe("the layouts", () => {
  it("every unit of the app is in the catalog and in both layouts exactly once", () => {
    expect(Object.keys(catalog.units).sort()).toEqual(UNITS);
    for (const layout of Object.values(layouts)) {
      expect(layout.groups.flatMap((g) => g.units).sort()).toEqual(UNITS);
    }
  });

  it("baseline deploys every unit alone", () => {
    for (const group of layouts.baseline.groups) expect(group.units).toEqual([group.name]);
  });

  it("both respect the catalog: one runtime per group, neverWith, gateway alone, size and memory", () => {
    const { neverWith, maxGroupSize, maxGroupMemoryMb } = catalog.constraints;
    for (const layout of Object.values(layouts)) {
      expect(new Set(layout.groups.map((g) => g.name)).size).toBe(layout.groups.length);
      for (const { units } of layout.groups) {
        expect(new Set(units.map(runtimeOf)).size, units.join("+")).toBe(1);
        for (const [a, b] of neverWith) expect(units.includes(a) && units.includes(b)).toBe(false);
        if (units.includes("gateway")) expect(units).toEqual(["gateway"]);
        expect(units.length).toBeLessThanOrEqual(maxGroupSize);
        expect(units.reduce((sum, unit) => sum + memoryOf(unit), 0)).toBeLessThanOrEqual(maxGroupMemoryMb);
      }
    }
  });

  it("fused-checkout fuses checkout's chain and keeps the fan-out siblings apart", () => {
    const groupOf = (unit: string) =>
      layouts["fused-checkout"].groups.find((g) => g.units.includes(unit))?.name;
    for (const unit of ["cart", "catalog", "pricing", "tax"]) expect(groupOf(unit)).toBe(groupOf("checkout"));
    expect(new Set([...FAN_OUT, "checkout"].map(groupOf)).size).toBe(4);
    expect(layouts["fused-checkout"].groups.find((g) => g.name === groupOf("fraud"))?.units).toEqual([
      "fraud",
    ]);
  });
});

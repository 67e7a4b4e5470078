/** The store over any `Sql`: both backends share every query; only connection, lease and close differ. */
import { createHash } from "node:crypto";
import { aggregateStore } from "./queries/aggregates.ts";
import { catalogStore } from "./queries/catalogs.ts";
import { proposalStore } from "./queries/proposals.ts";
import { rolloutStore } from "./queries/rollouts.ts";
import { tokenStore } from "./queries/tokens.ts";
import type { Sql } from "./sql.ts";
import type { Store } from "./store.ts";

export function buildStore(sql: Sql, backend: Pick<Store, "backend" | "tryLease" | "close">): Store {
  return {
    backend: backend.backend,
    aggregates: aggregateStore(sql),
    proposals: proposalStore(sql),
    rollouts: rolloutStore(sql),
    tokens: tokenStore(sql),
    catalogs: catalogStore(sql),
    tryLease: backend.tryLease,
    ping: async () => void (await sql.query("select 1")),
    close: backend.close,
  };
}

/** A lease name as a signed 64-bit advisory lock key (decimal), apart from the migrations' key. */
export function leaseKey(name: string): string {
  const digest = createHash("sha256").update(`nanofuse.lease\u0000${name}`).digest();
  return digest.readBigInt64BE(0).toString();
}

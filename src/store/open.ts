/** Opens the store at a location, applying pending migrations first: the one entry point for adapters. */
import { parseStoreLocation, type StoreLocation } from "./location.ts";
import type { Store } from "./store.ts";

export interface OpenOptions {
  /** postgres.js pool size (default 4; the lease of `tryLease` takes one more of its own). */
  maxConnections: number;
  /** Where the migrations are (default the repository's migrations/). */
  migrationsDir?: string;
}

export const DEFAULT_OPEN_OPTIONS: OpenOptions = { maxConnections: 4 };

export async function openStore(
  location: string | StoreLocation,
  options: Partial<OpenOptions> = {},
): Promise<Store> {
  const where = typeof location === "string" ? parseStoreLocation(location) : location;
  const opts = { ...DEFAULT_OPEN_OPTIONS, ...options };
  if (where.kind === "postgres") {
    const { openPostgresStore } = await import("./postgres/postgres-store.ts");
    return openPostgresStore(where.url, opts);
  }
  const { openPgliteStore } = await import("./pglite/pglite-store.ts");
  return openPgliteStore(where.dir, opts);
}

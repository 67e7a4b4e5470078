/**
 * The embedded backend: PGlite (PostgreSQL 18 in WASM) through its own query API, no socket. A
 * directory store keeps PGlite's data in `<dir>/pgdata/` beside the lock file; `:memory:` keeps
 * nothing. PGlite is one session: its calls queue, and a transaction's callback gets its own handle.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { PGlite, type PGliteInterface, type Transaction } from "@electric-sql/pglite";
import { loadMigrations, migrate } from "../migrate.ts";
import type { OpenOptions } from "../open.ts";
import { escaping, type Sql } from "../sql.ts";
import { buildStore } from "../sql-store.ts";
import type { Lease, Store } from "../store.ts";
import { type DirLock, lockDir } from "./dir-lock.ts";

/** int8 as a JS number, like the postgres backend (PGlite's default is BigInt). */
export const PGLITE_OPTIONS = { parsers: { 20: (x: string) => Number(x) } };

function liteSql(db: PGliteInterface | Transaction): Sql {
  return {
    query: async <T>(text: string, params: readonly unknown[] = []) =>
      (await db.query<T>(text, params as unknown[])).rows,
    exec: async (script) => void (await db.exec(script)),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) => {
      if (!("transaction" in db)) throw new Error("nested transactions are not used by the store");
      return db.transaction((tx) => fn(liteSql(tx)));
    },
  };
}

/** A store over an open PGlite (tests clone one migrated base per file and wrap each clone). */
export async function pgliteStore(
  db: PGliteInterface,
  options: Partial<OpenOptions> = {},
  lock?: DirLock,
): Promise<Store> {
  const raw = liteSql(db);
  try {
    await migrate(raw, await loadMigrations(options.migrationsDir));
  } catch (error) {
    await db.close();
    throw error;
  }
  const leases = new Set<string>();
  let closed = false;
  return buildStore(escaping(raw), {
    backend: "pglite",
    async tryLease(name: string): Promise<Lease | null> {
      if (leases.has(name)) return null;
      leases.add(name);
      let released = false;
      return {
        name,
        held: async () => !released && !closed,
        async release() {
          if (!released) leases.delete(name);
          released = true;
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  });
}

export async function openPgliteStore(
  dir: string | null,
  options: Partial<OpenOptions> = {},
): Promise<Store> {
  if (dir === null) return pgliteStore(await PGlite.create(PGLITE_OPTIONS), options);
  await mkdir(dir, { recursive: true });
  const lock = await lockDir(dir);
  try {
    const db = await PGlite.create(join(dir, "pgdata"), PGLITE_OPTIONS);
    return await pgliteStore(db, options, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

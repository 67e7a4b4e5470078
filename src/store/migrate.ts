/**
 * Forward-only migrations: `migrations/NNNN_name.sql`, applied in order, each in its own transaction,
 * recorded with a sha256 checksum. An applied migration whose file changed, or one the files do not
 * have (a newer nanofuse migrated this store), is refused before anything runs.
 *
 * Why a runner of our own: `postgres-shift` has no lock (3 of 4 concurrent starts crashed here),
 * `node-pg-migrate` brings the `pg` driver beside `postgres`, and neither runs on PGlite's own API.
 * Concurrent starts are serialised by a transaction-scoped advisory lock taken before the migrations
 * table is even read, so the second process waits, then finds the work done.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../config/package-root.ts";
import { NanofuseError } from "../errors.ts";
import type { Sql } from "./sql.ts";

export const MIGRATIONS_DIR = join(PACKAGE_ROOT, "migrations");
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  id: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE.exec(file);
    if (!m) throw new NanofuseError("NF_STORE_MIGRATION_FAILED", `${file}: name is not NNNN_name.sql`);
    const sql = await readFile(join(dir, file), "utf8");
    const id = Number(m[1]);
    if (migrations.some((x) => x.id === id))
      throw new NanofuseError("NF_STORE_MIGRATION_FAILED", `${file}: number ${m[1]} used twice`);
    migrations.push({ id, name: m[2], sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return migrations;
}

const LOCK = "select pg_advisory_xact_lock(hashtextextended('nanofuse.migrations', 0))";
const TABLE = `create table if not exists nanofuse_migrations (
  id integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now())`;

interface Applied {
  id: number;
  name: string;
  checksum: string;
}

function verify(applied: Applied[], known: Migration[]): void {
  const byId = new Map(known.map((m) => [m.id, m]));
  for (const a of applied) {
    const m = byId.get(a.id);
    const label = `${String(a.id).padStart(4, "0")}_${a.name}`;
    if (!m) throw new NanofuseError("NF_STORE_MIGRATION_UNKNOWN", label);
    if (m.checksum !== a.checksum)
      throw new NanofuseError(
        "NF_STORE_MIGRATION_CHANGED",
        `${label}: applied ${a.checksum.slice(0, 12)}, file ${m.checksum.slice(0, 12)}`,
      );
  }
}

async function applied(tx: Sql): Promise<Applied[]> {
  await tx.query(LOCK);
  await tx.exec(TABLE);
  return tx.query<Applied>("select id, name, checksum from nanofuse_migrations order by id");
}

/** Applies what is pending; returns the ids applied by this call. */
export async function migrate(sql: Sql, migrations: Migration[]): Promise<number[]> {
  const done: number[] = [];
  // One transaction per migration; each re-reads the applied list under the lock, so a process that
  // waited for another's migration skips it.
  for (const m of migrations) {
    const ran = await sql.transaction(async (tx) => {
      const rows = await applied(tx);
      verify(rows, migrations);
      if (rows.some((a) => a.id === m.id)) return false;
      try {
        await tx.exec(m.sql);
      } catch (error) {
        const detail = `${m.id}_${m.name}: ${(error as Error).message}`;
        throw new NanofuseError("NF_STORE_MIGRATION_FAILED", detail, { cause: error });
      }
      await tx.query("insert into nanofuse_migrations (id, name, checksum) values ($1, $2, $3)", [
        m.id,
        m.name,
        m.checksum,
      ]);
      return true;
    });
    if (ran) done.push(m.id);
  }
  if (migrations.length === 0) await sql.transaction(async (tx) => verify(await applied(tx), migrations));
  return done;
}

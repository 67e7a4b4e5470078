/**
 * Real stores for tests, on both backends. PGlite: one migrated instance per test file (a start costs
 * ~3 s and ~700 MB, a copy still 1–2 s here), emptied between tests by truncating every table. PostgreSQL: a migrated template database
 * per test file, each test gets a database created from it and dropped after.
 *
 * The PostgreSQL server is the one `.ci/run` starts: NANOFUSE_TEST_DATABASE_URL names the run's
 * database (the tests create theirs beside it, named after it); without it, tests use the local
 * server on 127.0.0.1:5432. A missing server fails the tests, it never skips them.
 */
import { randomBytes } from "node:crypto";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { PGLITE_OPTIONS, pgliteStore } from "../../src/store/pglite/pglite-store.ts";
import type { Store } from "../../src/store/store.ts";

export type BackendName = "pglite" | "postgres";
export const BACKENDS: BackendName[] = ["pglite", "postgres"];

const RUN_URL = process.env.NANOFUSE_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** A URL on the test server for a database named `name`. */
export function databaseUrl(name: string): string {
  const url = new URL(RUN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Database names of this run start with the run database's name, so `.ci/run` can drop leftovers. */
export function uniqueDatabaseName(): string {
  const run = process.env.NANOFUSE_TEST_DATABASE_URL ? new URL(RUN_URL).pathname.slice(1) : "nanofuse_test";
  return `${run.slice(0, 40)}_${randomBytes(6).toString("hex")}`.toLowerCase();
}

export async function withAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  if (process.env.CI === "true" && !process.env.NANOFUSE_TEST_DATABASE_URL)
    throw new Error(
      "CI runs the store tests against the database .ci/run creates: NANOFUSE_TEST_DATABASE_URL is not set",
    );
  const sql = postgres(RUN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await fn(sql);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED" || code === "CONNECT_TIMEOUT")
      throw new Error(`PostgreSQL is not reachable at ${new URL(RUN_URL).host} (start it as .ci/run does)`, {
        cause: error,
      });
    throw error;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

export async function createDatabase(template?: string): Promise<string> {
  const name = uniqueDatabaseName();
  await withAdmin((sql) =>
    sql.unsafe(`create database "${name}"${template ? ` template "${template}"` : ""}`),
  );
  return name;
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((sql) => sql.unsafe(`drop database if exists "${name}" with (force)`));
}

async function emptyTables(db: PGlite): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    "select tablename as name from pg_tables where schemaname = 'public' and tablename <> 'nanofuse_migrations'",
  );
  await db.exec(`truncate ${rows.map((r) => `"${r.name}"`).join(", ")} restart identity cascade`);
}

export interface TestBackend {
  readonly name: BackendName;
  /** A fresh, migrated, empty store, closed (and its database dropped) after the test. */
  fresh(): Promise<Store>;
  /** PostgreSQL only: the URL of a fresh migrated database, dropped after the test. */
  freshUrl(): Promise<string>;
  /** Raw SQL on the database of the last `fresh()` store, beside the store (for checks the store refuses). */
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

/** Registers the hooks of a backend in the current describe block. */
export function useBackend(name: BackendName): TestBackend {
  let lite: PGlite | undefined;
  let template: string | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    if (name === "pglite") {
      lite = await PGlite.create(PGLITE_OPTIONS);
      await (await pgliteStore(lite)).aggregates.sources();
    } else {
      template = await createDatabase();
      const store = await openStore(databaseUrl(template));
      await store.close();
    }
  }, 60_000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    if (template) await dropDatabase(template);
    await lite?.close();
  });

  const freshUrl = async () => {
    if (name !== "postgres") throw new Error("freshUrl is for the postgres backend");
    const db = await createDatabase(template);
    cleanups.push(() => dropDatabase(db));
    return databaseUrl(db);
  };

  let raw: TestBackend["query"] = () => Promise.reject(new Error("no fresh store yet"));
  return {
    name,
    freshUrl,
    query: (text, params) => raw(text, params),
    async fresh() {
      let store: Store;
      if (name === "pglite") {
        const db = lite as PGlite;
        await emptyTables(db);
        store = await pgliteStore(db);
        raw = async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows;
      } else {
        const url = await freshUrl();
        store = await openStore(url);
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        cleanups.push(() => sql.end({ timeout: 2 }));
        raw = async (text, params = []) => [...(await sql.unsafe(text, params as never[]))];
      }
      // The PGlite instance outlives its stores: closing one would close it for the whole file.
      if (name === "postgres") cleanups.push(() => store.close());
      return store;
    },
  };
}

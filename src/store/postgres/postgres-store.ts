/**
 * The PostgreSQL backend: postgres.js 3.4.9, a small pool, queries through `unsafe(text, params)`
 * (parameterised; "unsafe" only means the text is not a tagged template), int8 parsed to numbers.
 */
import postgres from "postgres";
import { NanofuseError } from "../../errors.ts";
import { describeLocation } from "../location.ts";
import { loadMigrations, migrate } from "../migrate.ts";
import type { OpenOptions } from "../open.ts";
import { escaping, type Sql } from "../sql.ts";
import { buildStore, leaseKey } from "../sql-store.ts";
import type { Lease, Store } from "../store.ts";

type Client = postgres.Sql | postgres.TransactionSql | postgres.ReservedSql;

/**
 * Failures to reach the database (class 08 connection, 28 authorisation, 3D000 no such database,
 * server shutdown, socket errors): the store is unavailable, and trying again may help.
 */
const UNAVAILABLE =
  /^(08|28|3D000|57P0[123])|^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EPIPE|CONNECT_TIMEOUT|CONNECTION_CLOSED|CONNECTION_ENDED|CONNECTION_DESTROYED)$/;

export function mapDriverError(error: unknown, where: string): unknown {
  const code = (error as { code?: string })?.code;
  if (typeof code === "string" && UNAVAILABLE.test(code))
    return new NanofuseError("NF_STORE_UNAVAILABLE", `${where}: ${code} ${(error as Error).message}`, {
      cause: error,
    });
  return error;
}

function driverSql(client: Client, where: string): Sql {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw mapDriverError(error, where);
    }
  };
  return {
    query: <T>(text: string, params: readonly unknown[] = []) =>
      guard(async () => [...(await client.unsafe(text, params as postgres.ParameterOrJSON<never>[]))] as T[]),
    exec: (script) => guard(async () => void (await client.unsafe(script))),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) => {
      if (!("begin" in client)) throw new Error("nested transactions are not used by the store");
      return guard(() => client.begin((tx) => fn(driverSql(tx, where))) as Promise<T>);
    },
  };
}

export async function openPostgresStore(url: string, options: OpenOptions): Promise<Store> {
  const where = describeLocation({ kind: "postgres", url });
  const client = postgres(url, {
    max: options.maxConnections,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: "nanofuse" },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number | string) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  });
  const raw = driverSql(client, where);
  const sql = escaping(raw);
  try {
    await migrate(raw, await loadMigrations(options.migrationsDir));
  } catch (error) {
    await client.end({ timeout: 1 });
    throw error;
  }
  let closed = false;
  const reserved = new Set<postgres.ReservedSql>();
  const tryLease = async (name: string): Promise<Lease | null> => {
    const conn = await client.reserve().catch((e) => Promise.reject(mapDriverError(e, where)));
    reserved.add(conn);
    const session = driverSql(conn, where);
    const [row] = await session.query<{ ok: boolean }>("select pg_try_advisory_lock($1::int8) as ok", [
      leaseKey(name),
    ]);
    if (!row.ok) {
      reserved.delete(conn);
      conn.release();
      return null;
    }
    let released = false;
    return {
      name,
      async held() {
        if (released || closed) return false;
        // A session lock lives as long as its connection: a working connection still holds it.
        return session.query("select 1").then(
          () => true,
          () => false,
        );
      },
      async release() {
        if (released) return;
        released = true;
        await session.query("select pg_advisory_unlock($1::int8)", [leaseKey(name)]).catch(() => undefined);
        reserved.delete(conn);
        conn.release();
      },
    };
  };
  return buildStore(sql, {
    backend: "postgres",
    tryLease,
    async close() {
      if (closed) return;
      closed = true;
      // Ending the connections ends their sessions, and with them every lease's advisory lock.
      for (const conn of reserved) conn.release();
      await client.end({ timeout: 5 });
    },
  });
}
